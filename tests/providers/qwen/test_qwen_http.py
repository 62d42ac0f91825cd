"""Qwen3-TTS through a real provider process (pytorch-cpu flavor) serving tiny random-weight
models: the whole real code path (HTTP -> server -> engine -> qwen_tts -> torch)."""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.providers.qwen.conftest import client_for, running, spawn

pytestmark = pytest.mark.slow
RATE = 24_000
FRAME = 1920  # samples per 12.5 Hz codec frame at 24 kHz
MAX_FRAMES = 16  # max_new_tokens of the tiny models


def wav_bytes(seconds: float = 2.0, rate: int = RATE, freq: float = 180.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    audio = 0.4 * np.sin(2 * np.pi * freq * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    buffer = io.BytesIO()
    sf.write(buffer, audio.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def make_prompt(
    http: httpx.Client, text: str | None, model_size: str = "0.6B", clips: int = 1
) -> dict[str, Any]:
    files = [
        ("audio", (f"ref{i}.wav", wav_bytes(1.5 + i, freq=150 + 40 * i), "audio/wav"))
        for i in range(clips)
    ]
    data: dict[str, Any] = {"engine": "qwen", "model_size": model_size}
    if text is not None:
        data["reference_text"] = [f"{text} {i}" for i in range(clips)] if clips > 1 else text
    response = http.post("/tts/create_voice_prompt", files=files, data=data)
    assert response.status_code == 200, response.text
    prompt: dict[str, Any] = response.json()["voice_prompt"]
    return prompt


def generate(http: httpx.Client, **body: Any) -> tuple[np.ndarray, int, dict[str, Any]]:
    body.setdefault("engine", "qwen")
    response = http.post("/tts/generate", json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    audio, rate = sf.read(io.BytesIO(base64.b64decode(payload["audio"])), dtype="float32")
    return audio, rate, payload


def blob_keys(prompt: dict[str, Any]) -> dict[str, Any]:
    raw = base64.b64decode(prompt["data"])
    header: dict[str, Any] = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    return header


def test_voice_prompt_with_transcript_is_in_context(client: httpx.Client) -> None:
    prompt = make_prompt(client, "Hello there, this is my voice.")
    assert prompt["engine"] == "qwen" and prompt["model"] == "0.6B"
    assert prompt["format"] == "safetensors"
    header = blob_keys(prompt)
    assert header["__metadata__"]["mode"] == "icl"
    assert header["ref_code"]["dtype"] == "I64" and header["ref_code"]["shape"][1] == 4
    assert header["ref_spk_embedding"]["shape"] == [32]


def test_voice_prompt_without_transcript_is_xvector_only(client: httpx.Client) -> None:
    header = blob_keys(make_prompt(client, None))
    assert header["__metadata__"]["mode"] == "xvector"
    assert "ref_code" not in header


def test_generate_rate_length_and_reproducible(client: httpx.Client) -> None:
    prompt = make_prompt(client, "Hello there.")
    body = {"text": "Hello world.", "voice_prompt": prompt, "seed": 7, "language": "en"}
    first, rate, payload = generate(client, **body)
    assert rate == RATE and payload["sample_rate"] == RATE
    assert np.all(np.isfinite(first)) and np.abs(first).max() > 0
    # one chunk, at most MAX_FRAMES codec frames (random weights rarely stop early)
    assert 0 < first.size <= MAX_FRAMES * FRAME
    again, _, _ = generate(client, **body)
    assert np.array_equal(first, again), "same seed, text and prompt must give identical audio"
    other, _, _ = generate(client, **{**body, "seed": 8})
    assert not np.array_equal(first, other)


def test_xvector_prompt_generates(client: httpx.Client) -> None:
    audio, rate, _ = generate(client, text="Hi.", voice_prompt=make_prompt(client, None), seed=1)
    assert rate == RATE and audio.size > 0


def test_several_samples_combined(client: httpx.Client) -> None:
    combined = make_prompt(client, "Sample", clips=3)
    header = blob_keys(combined)
    assert header["__metadata__"]["ref_text"] == "Sample 0 Sample 1 Sample 2"
    single = blob_keys(make_prompt(client, "Sample 0"))
    # 1.5 s + 2.5 s + 3.5 s joined with 0.3 s silences: more reference frames than one clip
    assert header["ref_code"]["shape"][0] > 2 * single["ref_code"]["shape"][0]
    audio, _, _ = generate(client, text="Combined voice.", voice_prompt=combined, seed=3)
    assert audio.size > 0


def test_long_text_is_spoken_in_several_chunks(client: httpx.Client) -> None:
    prompt = make_prompt(client, "Hello.")
    text = " ".join(f"This is sentence number {i}, spoken in its own chunk." for i in range(4))
    audio, _, _ = generate(client, text=text, voice_prompt=prompt, seed=5)
    one, _, _ = generate(client, text="This is sentence number 0.", voice_prompt=prompt, seed=5)
    assert audio.size > 2 * one.size  # four chunks joined with pauses
    assert audio.size <= 4 * MAX_FRAMES * FRAME + 3 * int(0.08 * RATE)


def test_streaming_first_piece_before_completion(client: httpx.Client) -> None:
    prompt = make_prompt(client, "Hello.")
    text = "First sentence here. Second sentence there. Third one now."
    started = time.perf_counter()
    arrivals: list[float] = []
    events: list[dict[str, Any]] = []
    body = {"engine": "qwen", "text": text, "voice_prompt": prompt, "seed": 11}
    with client.stream("POST", "/tts/stream", json=body) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                events.append(json.loads(line))
                arrivals.append(time.perf_counter() - started)
    assert events[-1]["event"] == "done", events[-1]
    pieces = [e for e in events if e["event"] == "audio"]
    assert len(pieces) >= 3  # at least one per sentence
    assert arrivals[0] < arrivals[-1]
    streamed = np.concatenate(
        [sf.read(io.BytesIO(base64.b64decode(p["audio"])), dtype="float32")[0] for p in pieces]
    )
    whole, _, _ = generate(client, text=text, voice_prompt=prompt, seed=11)
    assert streamed.size == whole.size


def test_prompt_from_one_process_accepted_by_another(
    client: httpx.Client, qwen_models: Path, tmp_path: Path
) -> None:
    prompt = make_prompt(client, "Portable prompt.")
    mine, _, _ = generate(client, text="Across processes.", voice_prompt=prompt, seed=2)
    with running(spawn(qwen_models, tmp_path / "second")) as second, client_for(second) as other:
        theirs, _, _ = generate(other, text="Across processes.", voice_prompt=prompt, seed=2)
    assert np.array_equal(mine, theirs)


def test_prompt_for_another_model_is_refused_with_409(client: httpx.Client) -> None:
    prompt = make_prompt(client, "Hello.")
    response = client.post(
        "/tts/generate",
        json={"engine": "qwen", "model_size": "1.7B", "text": "Hi.", "voice_prompt": prompt},
    )
    assert response.status_code == 409
    assert "0.6B" in response.json()["error"]["message"]
    forged = {**prompt, "model": "1.7B"}  # relabelled outside, blob still says 0.6B
    response = client.post(
        "/tts/generate",
        json={"engine": "qwen", "model_size": "1.7B", "text": "Hi.", "voice_prompt": forged},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "voice_prompt_mismatch"


def test_unsupported_parameters_are_refused(client: httpx.Client) -> None:
    prompt = make_prompt(client, "Hello.")
    cases = [
        {"model_size": "0.6B", "voice_prompt": prompt, "instruct": "whisper"},
        {"model_size": "0.6B-CustomVoice", "voice": "ryan", "instruct": "happily"},
        {"model_size": "0.6B", "voice": "ryan", "voice_prompt": prompt},
    ]
    for case in cases:
        response = client.post("/tts/generate", json={"engine": "qwen", "text": "Hi.", **case})
        assert response.status_code == 422, (case, response.text)
        assert response.json()["error"]["message"]


def test_presets_instruct_and_design(client: httpx.Client) -> None:
    audio, rate, _ = generate(
        client,
        text="Preset.",
        model_size="1.7B-CustomVoice",
        voice="ryan",
        instruct="Very happy.",
        seed=1,
    )
    assert rate == RATE and audio.size > 0
    audio, _, _ = generate(
        client,
        text="Designed.",
        model_size="1.7B-VoiceDesign",
        instruct="A calm, low female voice.",
        seed=1,
    )
    assert audio.size > 0
    response = client.post(
        "/tts/generate",
        json={"engine": "qwen", "model_size": "1.7B-VoiceDesign", "text": "No description."},
    )
    assert response.status_code == 422
    assert "instruct" in response.json()["error"]["message"]


def test_describe_advertises_models(client: httpx.Client) -> None:
    engines = {e["name"]: e for e in client.get("/tts/describe").json()["engines"]}
    models = {m["model_size"]: m for m in engines["qwen"]["models"]}
    assert set(models) == {
        "0.6B",
        "1.7B",
        "0.6B-CustomVoice",
        "1.7B-CustomVoice",
        "1.7B-VoiceDesign",
    }
    assert models["0.6B"]["hub_repo_id"] == "Qwen/Qwen3-TTS-12Hz-0.6B-Base"
    assert len(models["0.6B"]["languages"]) == 10 and models["0.6B"]["sample_rate"] == RATE
    assert models["0.6B"]["capabilities"]["clone"] and models["0.6B"]["capabilities"]["streaming"]
    assert not models["0.6B-CustomVoice"]["capabilities"]["instruct"]
    assert models["1.7B-VoiceDesign"]["capabilities"]["design"]
    assert len(models["1.7B-CustomVoice"]["preset_voices"]) == 9


def test_conformance_suite_passes(provider: Any) -> None:
    from provider_sdk.conformance import report, run_conformance

    outcomes = run_conformance(provider.url, provider.token)
    assert not [o for o in outcomes if o.result == "fail"], report(outcomes)
