"""Getting Qwen models: offline errors are fast and name the repo; local folders are used."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from provider_sdk.errors import ModelUnavailable
from providers.engines.qwen import QwenEngine
from tests.providers.silent_hub import load_from_silent_hub


def test_offline_flag_fails_at_once_naming_the_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("VOICEBOX_QWEN_MODEL_DIR", raising=False)
    engine = QwenEngine(tmp_path)
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable) as caught:
        engine.load("0.6B")
    assert time.perf_counter() - started < 5
    assert "Qwen/Qwen3-TTS-12Hz-0.6B-Base" in caught.value.message
    assert str(tmp_path / "Qwen3-TTS-12Hz-0.6B-Base") in caught.value.message
    assert not engine.is_downloaded("0.6B") and engine.progress() is None


def test_unreachable_hub_fails_in_under_5_s(tmp_path: Path) -> None:
    elapsed, message = load_from_silent_hub("providers.engines.qwen:QwenEngine", "1.7B", tmp_path)
    assert elapsed < 5, message
    assert "Qwen/Qwen3-TTS-12Hz-1.7B-Base" in message and "cannot be downloaded" in message


def test_local_folder_is_used_without_download(
    qwen_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("VOICEBOX_QWEN_MODEL_DIR", str(qwen_models))
    engine = QwenEngine(tmp_path)
    assert engine.is_downloaded("0.6B")
    config = engine.registry.get("0.6B")
    assert engine.model_folder(config) == qwen_models / "Qwen3-TTS-12Hz-0.6B-Base"
