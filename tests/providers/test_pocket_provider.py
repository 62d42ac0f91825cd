"""Pocket TTS through a real provider process (pytorch-cpu flavor, `--engines pocket-tts`)
serving tiny random-weight models built with the real `pocket_tts` classes
(providers/engines/pocket_random.py): the whole code path HTTP -> server -> engine ->
pocket_tts -> torch. The audio is noise (random weights); the tests assert plumbing: prompts
from samples, 24 kHz, lengths, seeds, streaming, refusals."""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from provider_sdk.launch import ProviderProcess, launch_provider
from tests.providers.silent_hub import load_from_silent_hub

pytestmark = pytest.mark.slow
RATE = 24_000


@pytest.fixture(scope="module")
def pocket_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny English and French models, laid out as the engine's data dir holds downloads."""
    from providers.engines.pocket_random import build_random_model

    models = Path(tmp_path_factory.mktemp("pocket-models"))
    build_random_model(models / "pocket-tts-english", "tiny", seed=0)
    # A second language with the same tiny architecture: a prompt must not cross models.
    build_random_model(models / "pocket-tts-french", "tiny", seed=1, language="french")
    return models


def spawn(models: Path, data_dir: Path) -> ProviderProcess:
    shutil.copytree(models, data_dir / "models" / "pocket-tts")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "2"}
    return launch_provider(
        [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "pocket-tts"],
        data_dir=data_dir,
        token=secrets.token_hex(16),
        env=env,
        startup_timeout=60,
    )


def client_for(process: ProviderProcess) -> httpx.Client:
    return httpx.Client(
        base_url=process.url,
        headers={"Authorization": f"Bearer {process.token}"},
        timeout=120,
        trust_env=False,
    )


@pytest.fixture(scope="module")
def provider(
    tmp_path_factory: pytest.TempPathFactory, pocket_models: Path
) -> Iterator[ProviderProcess]:
    process = spawn(pocket_models, Path(tmp_path_factory.mktemp("pocket-provider")))
    yield process
    process.stop()
    process.close()


@pytest.fixture(scope="module")
def client(provider: ProviderProcess) -> Iterator[httpx.Client]:
    with client_for(provider) as http:
        yield http


def wav_bytes(seconds: float = 2.0, rate: int = 16_000, freq: float = 180.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    audio = 0.4 * np.sin(2 * np.pi * freq * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    buffer = io.BytesIO()
    sf.write(buffer, audio.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def make_prompt(client: httpx.Client, model_size: str = "english", **data: Any) -> dict[str, Any]:
    response = client.post(
        "/tts/create_voice_prompt",
        files={"audio": ("ref.wav", wav_bytes(), "audio/wav")},
        data={"engine": "pocket-tts", "model_size": model_size, **data},
    )
    assert response.status_code == 200, response.text
    prompt: dict[str, Any] = response.json()["voice_prompt"]
    return prompt


def generate(client: httpx.Client, **body: Any) -> np.ndarray:
    body.setdefault("engine", "pocket-tts")
    response = client.post("/tts/generate", json=body, headers={"Accept": "audio/wav"})
    assert response.status_code == 200, response.text
    audio, rate = sf.read(io.BytesIO(response.content), dtype="float32")
    assert rate == RATE and audio.ndim == 1 and np.all(np.isfinite(audio))
    return np.asarray(audio)


def test_prompt_from_a_sample_is_portable_latents(client: httpx.Client) -> None:
    prompt = make_prompt(client, reference_text="A short reference.")
    assert prompt["engine"] == "pocket-tts" and prompt["model"] == "english"
    raw = base64.b64decode(prompt["data"])
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert header["latents"]["dtype"] == "F32"
    frames, width = header["latents"]["shape"]
    assert width == 16 and 20 <= frames <= 26  # 2 s at 12.5 frames per second
    assert header["__metadata__"]["engine"] == "pocket-tts"


def test_generate_is_reproducible_for_a_seed(client: httpx.Client) -> None:
    prompt = make_prompt(client)
    text = "Hello there. This is a test."
    first = generate(client, text=text, voice_prompt=prompt, seed=7)
    again = generate(client, text=text, voice_prompt=prompt, seed=7)
    other = generate(client, text=text, voice_prompt=prompt, seed=8)
    assert first.size > RATE // 2
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_stream_pieces_add_up_to_the_whole(client: httpx.Client) -> None:
    prompt = make_prompt(client)
    text = "First sentence here. " * 12 + "Second part there."
    body = {"engine": "pocket-tts", "text": text, "voice_prompt": prompt, "seed": 3}
    with client.stream("POST", "/tts/stream", json=body) as response:
        assert response.status_code == 200
        events = [json.loads(line) for line in response.iter_lines() if line]
    assert events[-1]["event"] == "done", events[-1]
    pieces = [e for e in events if e["event"] == "audio"]
    assert len(pieces) >= 3
    streamed = np.concatenate(
        [sf.read(io.BytesIO(base64.b64decode(p["audio"])), dtype="float32")[0] for p in pieces]
    )
    whole = generate(client, text=text, voice_prompt=prompt, seed=3)
    assert streamed.size == whole.size


def test_prompt_from_one_process_is_accepted_by_another(
    client: httpx.Client, pocket_models: Path, tmp_path: Path
) -> None:
    prompt = make_prompt(client)
    mine = generate(client, text="Across processes.", voice_prompt=prompt, seed=2)
    second = spawn(pocket_models, tmp_path)
    try:
        with client_for(second) as other:
            theirs = generate(other, text="Across processes.", voice_prompt=prompt, seed=2)
    finally:
        second.stop()
        second.close()
    assert np.array_equal(mine, theirs)


def test_prompt_of_another_model_or_engine_is_refused_with_409(client: httpx.Client) -> None:
    prompt = make_prompt(client)
    body = {"engine": "pocket-tts", "model_size": "french", "text": "Salut."}
    response = client.post("/tts/generate", json={**body, "voice_prompt": prompt})
    assert response.status_code == 409 and "english" in response.json()["error"]["message"]
    forged = {**prompt, "model": "french"}  # relabelled outside; the blob still says english
    response = client.post("/tts/generate", json={**body, "voice_prompt": forged})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "voice_prompt_mismatch"
    alien = {**prompt, "engine": "qwen", "model": "0.6B"}
    response = client.post(
        "/tts/generate", json={"engine": "pocket-tts", "text": "Hi.", "voice_prompt": alien}
    )
    assert response.status_code == 409


def test_what_pocket_cannot_do_is_refused(client: httpx.Client) -> None:
    prompt = make_prompt(client)
    cases = [
        ({"voice_prompt": prompt, "instruct": "whisper"}, "instruct"),
        ({"voice": "alba"}, "voice"),
        ({}, "voice_prompt"),
        ({"voice_prompt": prompt, "language": "de"}, "'de'"),
    ]
    for extra, named in cases:
        response = client.post(
            "/tts/generate", json={"engine": "pocket-tts", "text": "Hi.", **extra}
        )
        assert response.status_code == 422, (extra, response.text)
        assert named in response.json()["error"]["message"]


def test_describe_is_honest(client: httpx.Client) -> None:
    engine = client.get("/tts/describe").json()["engines"][0]
    assert engine["name"] == "pocket-tts" and engine["default_model_size"] == "english"
    models = {m["model_size"]: m for m in engine["models"]}
    assert set(models) == {"english", "french", "german", "spanish", "italian", "portuguese"}
    caps = models["english"]["capabilities"]
    assert caps == {
        "clone": True,
        "preset": False,
        "design": False,
        "instruct": False,
        "streaming": True,
        "reproducible": True,
    }
    assert models["english"]["languages"] == ["en"] and models["english"]["sample_rate"] == RATE
    assert models["english"]["downloaded"] and not models["german"]["downloaded"]


def test_missing_model_fails_fast_offline_naming_the_gated_repo(client: httpx.Client) -> None:
    prompt = make_prompt(client)
    started = time.monotonic()
    response = client.post(
        "/tts/models/download", json={"engine": "pocket-tts", "model_size": "german"}
    )
    lines = [json.loads(line) for line in response.text.splitlines() if line]
    assert time.monotonic() - started < 5  # the bound for offline errors
    assert lines[-1]["event"] == "error", lines
    message = json.dumps(lines[-1])
    assert "HF_HUB_OFFLINE" in message and "kyutai/pocket-tts" in message
    response = client.post(
        "/tts/generate",
        json={
            "engine": "pocket-tts",
            "model_size": "german",
            "text": "Hallo.",
            "voice_prompt": {**prompt, "model": "german"},
        },
    )
    assert response.status_code == 503 and "accept Kyutai's terms" in response.text


def test_unreachable_hub_fails_in_under_5_s(tmp_path: Path) -> None:
    elapsed, message = load_from_silent_hub(
        "providers.engines.pocket:PocketEngine", "english", tmp_path
    )
    assert elapsed < 5, message
    assert "kyutai/pocket-tts" in message and "cannot be downloaded" in message


def test_conformance_suite_passes(provider: ProviderProcess) -> None:
    from provider_sdk.conformance import report, run_conformance

    outcomes = run_conformance(provider.url, provider.token)
    assert not [o for o in outcomes if o.result == "fail"], report(outcomes)
