"""Getting Qwen models: offline errors are fast and name the repo; local folders are used."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provider_sdk.errors import ModelUnavailable
from providers.engines.qwen import QwenEngine

_LOAD = """
import sys, time
from pathlib import Path
from provider_sdk.errors import ModelUnavailable
from providers.engines.qwen import QwenEngine
started = time.perf_counter()
try:
    QwenEngine(Path(sys.argv[1])).load("1.7B")
except ModelUnavailable as exc:
    print(f"{time.perf_counter() - started:.2f}|{exc.message}")
"""


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
    """A hub that does not answer (a listening socket that never accepts data) must give a
    clear error within the short timeout, not a minute of retries."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        env = {
            "HF_ENDPOINT": f"http://127.0.0.1:{port}",
            "HF_HUB_OFFLINE": "0",
            "PATH": "/usr/bin:/bin",
            "VOICEBOX_HUB_TIMEOUT_S": "2",
        }
        result = subprocess.run(
            [sys.executable, "-c", _LOAD, str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[3],
        )
    assert "|" in result.stdout, result.stderr[-2000:]
    elapsed, message = result.stdout.strip().split("|", 1)
    assert float(elapsed) < 5, message
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
