"""The mlx flavor serving Qwen3-TTS through mlx-audio, on MLX's CPU backend, with a tiny
random-weight model. Runs the provider from .venv-mlx (built by ci/install-mlx.sh): mlx-audio
needs transformers>=5 and huggingface_hub>=1, which cannot share .venv with qwen-tts."""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from provider_sdk.launch import ProviderProcess
from tests.providers.qwen.conftest import client_for, launch, running
from tests.providers.qwen.test_qwen_http import wav_bytes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
MLX_PYTHON = ROOT / os.environ.get("VENV_MLX", ".venv-mlx") / "bin" / "python"

if not MLX_PYTHON.exists():
    pytest.skip(
        f"{MLX_PYTHON} is missing; run ci/install-mlx.sh (make test does)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def mlx_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from providers.engines.qwen_mlx_layout import convert_for_mlx
    from providers.engines.qwen_random import build_random_model

    root = tmp_path_factory.mktemp("qwen-mlx-models")
    for name, kind, size in (
        ("Qwen3-TTS-12Hz-0.6B-Base-bf16", "base", "0b6"),
        ("Qwen3-TTS-12Hz-1.7B-Base-bf16", "base", "1b7"),
        ("Qwen3-TTS-12Hz-0.6B-CustomVoice-bf16", "custom_voice", "0b6"),
        ("Qwen3-TTS-12Hz-1.7B-CustomVoice-bf16", "custom_voice", "1b7"),
        ("Qwen3-TTS-12Hz-1.7B-VoiceDesign-bf16", "voice_design", "1b7"),
    ):
        folder = build_random_model(  # seeded: the same bytes on every machine and run
            root / name,
            model_type=kind,
            max_new_tokens=16,  # type: ignore[arg-type]
            tts_model_size=size,
            seed=0,
        )
        convert_for_mlx(folder)
    return root


@pytest.fixture(scope="module")
def mlx_provider(
    mlx_models: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderProcess]:
    env = dict(os.environ, VOICEBOX_QWEN_MODEL_DIR=str(mlx_models), HF_HUB_OFFLINE="1")
    command = [str(MLX_PYTHON), "-m", "providers.mlx", "--engines", "qwen-mlx"]
    with running(launch(command, tmp_path_factory.mktemp("mlx-provider"), env)) as process:
        yield process


@pytest.fixture(scope="module")
def mlx_client(mlx_provider: ProviderProcess) -> Iterator[httpx.Client]:
    with client_for(mlx_provider) as http:
        yield http


def _prompt(http: httpx.Client, text: str | None) -> dict[str, Any]:
    data = {"engine": "qwen-mlx", "model_size": "0.6B"}
    if text:
        data["reference_text"] = text
    response = http.post(
        "/tts/create_voice_prompt",
        data=data,
        files=[("audio", ("ref.wav", wav_bytes(2.0, rate=16000), "audio/wav"))],
    )
    assert response.status_code == 200, response.text
    prompt: dict[str, Any] = response.json()["voice_prompt"]
    return prompt


def _generate(http: httpx.Client, **body: Any) -> np.ndarray:
    response = http.post("/tts/generate", json={"engine": "qwen-mlx", **body})
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["sample_rate"] == 24_000
    audio, rate = sf.read(io.BytesIO(base64.b64decode(payload["audio"])), dtype="float32")
    assert rate == 24_000
    return np.asarray(audio)


def test_mlx_generate_is_24k_finite_and_reproducible(mlx_client: httpx.Client) -> None:
    health = mlx_client.get("/tts/health").json()
    assert health["provider"] == "mlx"
    prompt = _prompt(mlx_client, "Hello there.")
    body = {"text": "Hello world. Second sentence.", "voice_prompt": prompt, "seed": 4}
    first = _generate(mlx_client, **body)
    assert first.size > 0 and np.all(np.isfinite(first))
    assert first.size <= 2 * 16 * 1920 + int(0.08 * 24_000)
    assert np.array_equal(first, _generate(mlx_client, **body))
    assert _generate(mlx_client, text="Hi.", voice_prompt=_prompt(mlx_client, None), seed=1).size


@pytest.mark.parametrize("seed", [0, 1, 2, 1234, 2**31 - 1])
def test_mlx_output_is_finite_for_any_seed(mlx_client: httpx.Client, seed: int) -> None:
    """The conformance suite seeds reproducible models; whatever the seed, generate and stream
    give finite audio with the seeded fixture weights."""
    body = {"text": "First sentence. Second sentence.", "voice_prompt": _prompt(mlx_client, "Hi.")}
    assert np.all(np.isfinite(_generate(mlx_client, **body, seed=seed)))
    with mlx_client.stream(
        "POST", "/tts/stream", json={"engine": "qwen-mlx", **body, "seed": seed}
    ) as response:
        events = [json.loads(line) for line in response.iter_lines() if line]
    assert events[-1]["event"] == "done", events[-1]


def test_mlx_streams_several_pieces(mlx_client: httpx.Client) -> None:
    body = {
        "engine": "qwen-mlx",
        "text": "One sentence. Another one.",
        "voice_prompt": _prompt(mlx_client, "Hello."),
        "seed": 2,
    }
    with mlx_client.stream("POST", "/tts/stream", json=body) as response:
        events = [json.loads(line) for line in response.iter_lines() if line]
    assert events[-1]["event"] == "done", events[-1]
    assert sum(e["event"] == "audio" for e in events) >= 2


def test_mlx_refuses_a_pytorch_prompt(mlx_client: httpx.Client) -> None:
    foreign = {"engine": "qwen", "model": "0.6B", "format": "safetensors", "data": "AAAA"}
    response = mlx_client.post(
        "/tts/generate", json={"engine": "qwen-mlx", "text": "Hi.", "voice_prompt": foreign}
    )
    assert response.status_code == 409
    assert "qwen/0.6B" in response.json()["error"]["message"]


def test_mlx_conformance_suite_passes(mlx_provider: ProviderProcess) -> None:
    from provider_sdk.conformance import report, run_conformance

    outcomes = run_conformance(mlx_provider.url, mlx_provider.token, model="qwen-mlx/0.6B")
    assert not [o for o in outcomes if o.result == "fail"], report(outcomes)
    not_applicable = {o.check for o in outcomes if o.result == "n/a"}
    assert not_applicable <= {"preset_models_refuse_cloning", "models_refuse_deleting_packaged"}
