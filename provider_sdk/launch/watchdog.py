"""Parent-pid watchdog: a provider exits when the process that spawned it is gone.

`getppid()` is not enough: under a PyInstaller bootloader the real parent is the bootloader.
The parent's pid is passed explicitly and compared with its start time, so a recycled pid
is not mistaken for the parent."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psutil

log = logging.getLogger("provider_sdk.watchdog")


def _identity(pid: int) -> float | None:
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return float(process.create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def watch_parent(
    pid: int, on_gone: Callable[[], None], interval_s: float = 2.0
) -> threading.Thread:
    """Call `on_gone` once, from a daemon thread, when process `pid` stops existing."""
    started = _identity(pid)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_s):
            if started is None or _identity(pid) != started:
                log.warning("parent process %d is gone; shutting down", pid)
                on_gone()
                return

    if started is None:
        log.warning("parent process %d does not exist; shutting down", pid)
        on_gone()
    thread = threading.Thread(target=loop, name="parent-watchdog", daemon=True)
    thread.start()
    return thread
