"""Logging: stderr plus a rotating file in the data dir."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(data_dir: Path, level: str = "INFO") -> None:
    root = logging.getLogger("voicebox")
    root.setLevel(level.upper())
    for handler in list(root.handlers):
        if getattr(handler, "_voicebox", False):
            root.removeHandler(handler)
            handler.close()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    stream = logging.StreamHandler(sys.stderr)
    rotating = logging.handlers.RotatingFileHandler(
        data_dir / "logs" / "core.log", maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    for handler in (stream, rotating):
        handler.setFormatter(logging.Formatter(_FORMAT))
        setattr(handler, "_voicebox", True)  # noqa: B010
        root.addHandler(handler)
    root.propagate = False


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"voicebox.{name}")
