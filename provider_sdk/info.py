"""Light descriptions of a provider and its device (no server imports, so a provider's
`--version` stays instant)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProviderInfo:
    """Identity a provider reports in /tts/health and /tts/describe."""

    provider: str
    version: str


@dataclass
class DeviceInfo:
    """What the provider runs on; `vram_used_mb` is polled for /tts/status."""

    name: str = "cpu"
    gpu_available: bool = False
    vram_used_mb: Callable[[], float | None] = field(default=lambda: None)
