"""One install per provider at a time: an OS file lock that dies with its process.

The lock is non-blocking: a second install, update or uninstall of the same provider (from this
process or another) fails at once with InstallInProgress instead of queueing silently.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from installer.errors import InstallInProgress


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def provider_lock(lock_dir: Path, provider_id: str, action: str) -> Iterator[Path]:
    """Hold the lock of `provider_id` (already validated as a slug) for the `with` body."""
    path = lock_dir / f"{provider_id}.lock"
    for attempt in range(3):  # an uninstall of another provider may rmdir an empty lock_dir
        lock_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    try:
        if not _try_lock(fd):
            raise InstallInProgress(
                f"another install, update or uninstall of {provider_id!r} is running; wait for "
                f"it to finish before trying to {action} it"
            )
        yield path
    finally:
        os.close(fd)  # closing releases the lock
