"""What hardware a provider can see, probed without importing torch or mlx."""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import subprocess
from typing import Any

import psutil


def cuda_devices() -> list[dict[str, Any]]:
    """NVIDIA GPUs as reported by `nvidia-smi` (empty when there is no driver)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [
                exe,
                "--query-gpu=index,name,memory.total,driver_version",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    devices = []
    for line in out.strip().splitlines():
        index, name, memory, driver = (part.strip() for part in line.split(","))
        devices.append(
            {"index": int(index), "name": name, "vram_mb": int(float(memory)), "driver": driver}
        )
    return devices


def cuda_driver_present() -> bool:
    """Whether the CUDA driver library loads and reports at least one device."""
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0


def apple_silicon() -> bool:
    return platform.system() == "Darwin" and platform.machine() == "arm64"


def list_devices() -> dict[str, Any]:
    """The answer to `--list-devices --json`."""
    return {
        "cuda": cuda_devices(),
        "mps": apple_silicon(),
        "cpu": {
            "arch": platform.machine(),
            "cores": os.cpu_count(),
            "ram_mb": psutil.virtual_memory().total // (1024 * 1024),
        },
    }
