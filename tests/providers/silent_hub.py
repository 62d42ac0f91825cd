"""Loading a model when the hub accepts connections and never answers: the engine must give
up within its short timeout (`VOICEBOX_HUB_TIMEOUT_S`) with a clear `ModelUnavailable`."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_LOAD = """
import importlib, sys, time
from pathlib import Path
from provider_sdk.errors import ModelUnavailable
module, name, size, folder = sys.argv[1:5]
started = time.perf_counter()
try:
    getattr(importlib.import_module(module), name)(Path(folder)).load(size)
except ModelUnavailable as exc:
    print(f"{time.perf_counter() - started:.2f}|{exc.message}")
"""


def load_from_silent_hub(engine: str, model_size: str, data_dir: Path) -> tuple[float, str]:
    """(seconds until `ModelUnavailable`, its message) for `engine` ("module:Class") loading
    `model_size` in a fresh process whose hub is a socket that never answers."""
    module, name = engine.split(":")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {
            "HF_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}",
            "HF_HUB_OFFLINE": "0",
            "PATH": "/usr/bin:/bin",
            "VOICEBOX_HUB_TIMEOUT_S": "2",
        }
        result = subprocess.run(
            [sys.executable, "-c", _LOAD, module, name, model_size, str(data_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
    assert "|" in result.stdout, result.stderr[-2000:]
    elapsed, message = result.stdout.strip().split("|", 1)
    return float(elapsed), message
