"""The lifecycle of a provider as the core sees it.

`not_installed → downloading → verifying → installed → starting → loading → ready ⇄ busy →
stopping → stopped`, and `failed(reason, exit_code, stderr_tail)`. A stop the core asked for
ends in `stopped`; a process that dies on its own ends in `failed` with `crashed=True`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from core.tts.base import ProviderState
from provider_sdk.errors import ProviderUnreachable

if TYPE_CHECKING:
    import httpx


class Phase(StrEnum):
    not_installed = "not_installed"
    downloading = "downloading"
    verifying = "verifying"
    installed = "installed"
    starting = "starting"
    loading = "loading"
    ready = "ready"
    busy = "busy"
    stopping = "stopping"
    stopped = "stopped"
    failed = "failed"


# How a phase shows through the simpler state of `core.tts.base` (the core's provider interface).
_AS_STATE = {
    Phase.not_installed: ProviderState.stopped,
    Phase.downloading: ProviderState.stopped,
    Phase.verifying: ProviderState.stopped,
    Phase.installed: ProviderState.stopped,
    Phase.starting: ProviderState.starting,
    Phase.loading: ProviderState.starting,
    Phase.ready: ProviderState.ready,
    Phase.busy: ProviderState.busy,
    Phase.stopping: ProviderState.stopping,
    Phase.stopped: ProviderState.stopped,
    Phase.failed: ProviderState.failed,
}


def as_state(phase: Phase) -> ProviderState:
    return _AS_STATE[phase]


@dataclass(frozen=True)
class Failure:
    """Why a provider is in `failed`: what happened, its exit code and the end of its stderr."""

    reason: str
    exit_code: int | None = None
    stderr_tail: str = ""
    crashed: bool = False
    """True when the process died on its own (not a start that failed, not a stop we asked)."""
    at: float = field(default_factory=time.time)

    def describe(self, tail_lines: int = 6) -> str:
        """One message for a person: the reason, the exit code and the last stderr lines."""
        text = self.reason
        if self.exit_code is not None:
            text += f" (exit code {self.exit_code}{_signal_name(self.exit_code)})"
        lines = [line for line in self.stderr_tail.strip().splitlines() if line.strip()]
        if lines:
            text += "; its stderr ended with: " + " | ".join(lines[-tail_lines:])
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "reason": self.reason,
            "exit_code": self.exit_code,
            "stderr_tail": self.stderr_tail,
            "crashed": self.crashed,
            "at": self.at,
            "message": self.describe(),
        }


def _signal_name(code: int) -> str:
    if code >= 0:
        return ""
    import signal

    try:
        return f", killed by {signal.Signals(-code).name}"
    except ValueError:
        return ""


class ProviderCrashed(ProviderUnreachable):
    """The provider process died while a call was in flight. A `ProviderUnreachable`, so the
    core's queue records it as a provider failure with this message as the reason."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff between restarts: the first restart after a crash is
    immediate (lazy, on the next request); later consecutive failures wait base·2^(n-2)."""

    base_s: float = 1.0
    cap_s: float = 30.0

    def delay(self, failures: int) -> float:
        if failures <= 1:
            return 0.0
        return float(min(self.cap_s, self.base_s * 2 ** (failures - 2)))


@dataclass
class LaunchConfig:
    provider_id: str
    command: list[str]
    data_dir: Path
    """The provider's own --data-dir (models, caches)."""
    log_path: Path
    listen_timeout_s: float = 60.0
    """How long the child may take to bind and print its `listening` line."""
    stall_timeout_s: float = 120.0
    """While health says `loading`: fail after this long without a change of progress."""
    poll_interval_s: float = 0.25
    watch_interval_s: float = 0.1
    stop_grace_s: float = 5.0
    idle_unload_s: float | None = 300.0
    backoff: Backoff = field(default_factory=Backoff)
    request_timeout_s: float = 600.0
    """Longest wait for one provider response (synthesis of a long text); connects are quick."""

    def client_timeout(self) -> httpx.Timeout:
        """The provider client's timeouts; httpx is imported here, at the first spawn, never
        at the core's start-up or on a /health that merely describes the provider."""
        import httpx

        return httpx.Timeout(connect=5.0, read=self.request_timeout_s, write=60.0, pool=10.0)
