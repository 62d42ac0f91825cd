"""Per-provider details the providers API shows beside the overview: whether this machine can run
a local provider flavor (and why not), the recent lines of a provider's log file, and
cancelling an install that is running.

Machine checks use the installer's hardware detection (`installer.compat.detect_hardware`);
nothing here imports torch or the providers package."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from installer.compat import Hardware
from installer.download import Progress
from installer.errors import InstallerError

if TYPE_CHECKING:
    from installer.install import InstalledProvider

KNOWN_LOCAL = ("pytorch-cpu", "pytorch-cuda", "mlx")
"""Local provider flavors the UI offers even when neither installed nor in the index."""
LOG_TAIL_BYTES = 256 * 1024
MAX_LOG_LINES = 2000


class InstallCancelled(InstallerError):
    """Raised from the install's progress callback when someone asked to cancel it."""


def machine_support(provider_id: str, hw: Hardware) -> tuple[bool | None, str | None]:
    """Whether this machine can run a provider flavor, and why (not); (None, None): unknown."""
    platform = f"{hw.os}/{hw.arch}"
    if provider_id == "pytorch-cpu":
        return True, f"runs on any CPU ({platform})"
    if provider_id == "pytorch-cuda":
        if hw.os not in ("linux", "windows"):
            return False, f"needs an NVIDIA GPU on Linux or Windows; this machine is {platform}"
        if not hw.gpus:
            why = "; ".join(hw.notes) or "no GPU reported"
            return False, f"needs an NVIDIA GPU with its driver installed ({why})"
        best = max(hw.gpus, key=lambda g: g.vram_mb)
        return True, (
            f"NVIDIA {best.name}, {best.vram_mb / 1024:.0f} GB VRAM, driver {best.driver_version}"
        )
    if provider_id == "mlx":
        if hw.apple_silicon:
            return True, f"Apple Silicon Mac (macOS {hw.macos_version or 'unknown'})"
        return False, f"needs a Mac with Apple Silicon (M1 or later); this machine is {platform}"
    return None, None


def row_support(
    provider_id: str,
    hw: Hardware,
    installed: InstalledProvider | None,
    from_source: bool,
) -> dict[str, Any]:
    """`can_run` and `reason` of one overview row: an installed build's compatibility wins,
    then running from the source checkout, then what the machine has."""
    if installed is not None:
        compat = installed.compatibility()
        if not compat.ok:
            return {"can_run": False, "reason": compat.reason}
    can_run, reason = machine_support(provider_id, hw)
    if from_source:
        return {"can_run": True, "reason": "runs from the source checkout (nothing to download)"}
    return {"can_run": can_run, "reason": reason}


def support_table(hw: Hardware) -> dict[str, dict[str, Any]]:
    """`can_run` and `reason` of every known local flavor, for options with no overview row."""
    table = {}
    for pid in KNOWN_LOCAL:
        can_run, reason = machine_support(pid, hw)
        table[pid] = {"can_run": can_run, "reason": reason}
    return table


def cancellable(
    report: Callable[[Progress], None], cancelled: Callable[[], bool]
) -> Callable[[Progress], None]:
    """Wrap an install's progress callback: once `cancelled()` is true, the next progress tick
    before the swap raises `InstallCancelled`, which the installer propagates (nothing is
    swapped; the partial download is kept for a later resume)."""

    def wrapped(p: Progress) -> None:
        if p.phase not in ("swapping", "done") and cancelled():
            raise InstallCancelled("the install was cancelled; nothing was changed")
        report(p)

    return wrapped


def log_tail(path: Path, lines: int) -> list[str]:
    """The last `lines` lines of a log file (at most the last 256 KiB are read)."""
    lines = max(1, min(lines, MAX_LOG_LINES))
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - LOG_TAIL_BYTES))
            data = f.read()
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", errors="replace")
    rows = text.splitlines()
    if size > LOG_TAIL_BYTES and rows:
        rows = rows[1:]  # the first line was cut
    return rows[-lines:]
