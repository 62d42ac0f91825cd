"""Fixtures for the Qwen3-TTS engine tests: tiny random-weight models built once per session
(the real qwen_tts code path, no download), and a provider process serving them."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from provider_sdk.launch import ProviderProcess, launch_provider

BASE = "Qwen3-TTS-12Hz-0.6B-Base"


@pytest.fixture(scope="session")
def qwen_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a tiny model for each of the five model sizes, named like the repos."""
    from providers.engines.qwen_random import build_random_model

    root = tmp_path_factory.mktemp("qwen-models")
    build_random_model(root / BASE, model_type="base", max_new_tokens=16)
    # Same architecture for 1.7B in the tiny world; only the folder name differs.
    shutil.copytree(root / BASE, root / "Qwen3-TTS-12Hz-1.7B-Base")
    build_random_model(
        root / "Qwen3-TTS-12Hz-0.6B-CustomVoice",
        model_type="custom_voice",
        max_new_tokens=16,
        tts_model_size="0b6",
    )
    build_random_model(
        root / "Qwen3-TTS-12Hz-1.7B-CustomVoice",
        model_type="custom_voice",
        max_new_tokens=16,
        tts_model_size="1b7",
    )
    build_random_model(
        root / "Qwen3-TTS-12Hz-1.7B-VoiceDesign",
        model_type="voice_design",
        max_new_tokens=16,
        tts_model_size="1b7",
    )
    return root


def provider_env(models: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["VOICEBOX_QWEN_MODEL_DIR"] = str(models)
    env["HF_HUB_OFFLINE"] = "1"  # no test reaches the internet
    env["OMP_NUM_THREADS"] = "2"
    return env


def launch(command: list[str], data_dir: Path, env: dict[str, str]) -> ProviderProcess:
    """A provider process through the real handshake, with a fresh token."""
    return launch_provider(
        command, data_dir=data_dir, token=secrets.token_hex(16), env=env, startup_timeout=60
    )


@contextmanager
def running(process: ProviderProcess) -> Iterator[ProviderProcess]:
    """Stop the process and close its pipes when the block ends."""
    try:
        yield process
    finally:
        process.stop()
        process.close()


def spawn(models: Path, data_dir: Path, module: str = "providers.pytorch_cpu") -> ProviderProcess:
    command = [sys.executable, "-m", module, "--engines", "qwen"]
    return launch(command, data_dir, provider_env(models))


@pytest.fixture(scope="module")
def provider(
    qwen_models: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProviderProcess]:
    with running(spawn(qwen_models, tmp_path_factory.mktemp("qwen-provider"))) as process:
        yield process


def client_for(process: ProviderProcess) -> httpx.Client:
    return httpx.Client(
        base_url=process.url,
        headers={"Authorization": f"Bearer {process.token}"},
        timeout=120,
        trust_env=False,
    )


@pytest.fixture(scope="module")
def client(provider: ProviderProcess) -> Iterator[httpx.Client]:
    with client_for(provider) as http:
        yield http
