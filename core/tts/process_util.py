"""Small helpers for spawned provider processes: log rotation before a spawn."""

from __future__ import annotations

import os
from pathlib import Path


def rotate_log(path: Path, max_bytes: int = 5_000_000, keep: int = 3) -> None:
    """Before a spawn: move a log over `max_bytes` to .1 (.1 to .2, …), keeping `keep` old ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_size < max_bytes:
            return
    except FileNotFoundError:
        return
    for i in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{i}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{i + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))
