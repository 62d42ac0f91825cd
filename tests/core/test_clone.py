"""A cloned voice end to end through the OpenAI SDK: the real Qwen3-TTS engine code with a
tiny random-weight model (no weights can be downloaded here, so the audio is noise; the test
checks the plumbing): sample upload, voice prompt made once by the provider and then served
from the core's cache, speech in the profile's name."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openai
import pytest
import soundfile as sf
from sqlmodel import Session, select

from core.store.models import VoicePromptCache
from tests.core.conftest import CoreServer

REPO = Path(__file__).resolve().parents[2]
BASE = "Qwen3-TTS-12Hz-0.6B-Base"
BUILD = (
    "import sys; from pathlib import Path;"
    "from providers.engines.qwen_random import build_random_model;"
    "build_random_model(Path(sys.argv[1]), model_type='base', max_new_tokens=16)"
)


@pytest.fixture(scope="module")
def qwen_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built in a subprocess: the test process itself never imports torch."""
    try:
        import importlib.util

        if (
            importlib.util.find_spec("qwen_tts") is None
            or importlib.util.find_spec("torch") is None
        ):
            pytest.skip("the qwen extra (torch, qwen-tts) is not installed")
    except ValueError:
        pytest.skip("the qwen extra is not installed")
    root = tmp_path_factory.mktemp("qwen-models")
    result = subprocess.run(
        [sys.executable, "-c", BUILD, str(root / BASE)],
        cwd=REPO,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return root


@pytest.mark.timeout(240)
def test_openai_speech_in_a_cloned_voice(
    make_core: Callable[..., CoreServer],
    qwen_models: Path,
    speech_wav: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOICEBOX_QWEN_MODEL_DIR", str(qwen_models))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    core = make_core(speech=False, provider_url=None)  # LocalProvider: piper + qwen engines
    made = core.http.post("/profiles", json={"name": "Ada", "default_engine": "qwen"}).json()
    sample = core.http.post(
        f"/profiles/{made['id']}/samples",
        files={"audio": ("ada.wav", speech_wav)},
        data={"reference_text": "The quick brown fox jumps over the lazy dog."},
    )
    assert sample.status_code == 201, sample.text
    client = openai.OpenAI(base_url=f"{core.url}/v1", api_key="local", max_retries=0, timeout=200)
    first = client.audio.speech.create(
        model="qwen", voice="Ada", input="Hello there.", response_format="wav"
    )
    audio, rate = sf.read(io.BytesIO(first.content), dtype="float32")
    assert rate == 24_000 and audio.size > 0 and np.all(np.isfinite(audio))
    second = client.audio.speech.create(
        model="tts-1", voice="ada", input="Once more.", response_format="flac"
    )
    assert sf.read(io.BytesIO(second.content))[1] == 24_000
    with Session(core.core.db) as session:
        cached = session.exec(select(VoicePromptCache)).all()
    assert len(cached) == 1 and cached[0].engine == "qwen"
    runs = core.http.get("/history", params={"profile_id": made["id"]}).json()["items"]
    assert [g["status"] for g in runs] == ["completed", "completed"]
    newest, oldest = runs
    assert oldest["prompt_ms"] > 0 and newest["prompt_ms"] < oldest["prompt_ms"]
    assert newest["seed"] is not None and newest["engine"] == "qwen"
