"""Watchdogs that make a provider exit when the process that spawned it is gone.

- The parent's pid, checked every 2 s (`getppid()` is not enough: under a PyInstaller
  bootloader the real parent is the bootloader). It is compared with its start time, so a
  recycled pid is not mistaken for the parent.
- Optionally the stdin pipe the parent holds open: the kernel closes it the moment the
  parent dies, however it dies, so end-of-file on stdin is noticed at once."""

from __future__ import annotations

import logging
import sys
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


def watch_stdin(on_eof: Callable[[], None]) -> threading.Thread:
    """Call `on_eof` once, from a daemon thread, when stdin reaches end of file."""
    stream = sys.stdin.buffer if sys.stdin is not None else None

    def loop() -> None:
        if stream is not None:
            while stream.read(4096):
                pass
        log.warning("stdin closed: the parent process is gone; shutting down")
        on_eof()

    thread = threading.Thread(target=loop, name="stdin-watchdog", daemon=True)
    thread.start()
    return thread
