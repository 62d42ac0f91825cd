"""Pidfiles of spawned providers, and reaping the ones an earlier run left behind.

Each spawn writes `<run dir>/<provider id>.json` with the child's pid, its create time and
command line, and the core's own pid and create time. At start the core reaps a recorded
provider only when all of these hold: the pid exists, its create time and command line are the
recorded ones (a recycled pid belongs to a stranger), and the core that spawned it is gone (a
second core sharing the data dir keeps its providers). Anything else is left alone.

psutil is imported by the functions that need it, not at the core's start-up."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

from core.logging import get_logger

log = get_logger("provider-pidfile")
_TIME_SLACK_S = 0.05


@dataclass(frozen=True)
class PidRecord:
    provider_id: str
    pid: int
    create_time: float
    cmdline: list[str]
    core_pid: int
    core_create_time: float


def _create_time(pid: int) -> float | None:
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def record_for(provider_id: str, pid: int) -> PidRecord | None:
    """A record of running process `pid` spawned by this process, or None if it is gone."""
    import psutil

    try:
        proc = psutil.Process(pid)
        created, cmdline = float(proc.create_time()), list(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    me = os.getpid()
    return PidRecord(provider_id, pid, created, cmdline, me, _create_time(me) or 0.0)


class PidFiles:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def path(self, provider_id: str) -> Path:
        return self.run_dir / f"{provider_id}.json"

    def write(self, record: PidRecord) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.path(record.provider_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(record)), encoding="utf-8")
        os.replace(tmp, path)

    def remove(self, provider_id: str, pid: int | None = None) -> None:
        """Remove the record (only if it still names `pid`, when given)."""
        path = self.path(provider_id)
        if pid is not None:
            current = self._read(path)
            if current is not None and current.pid != pid:
                return
        path.unlink(missing_ok=True)

    @staticmethod
    def _read(path: Path) -> PidRecord | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return PidRecord(**data)
        except (OSError, ValueError, TypeError):
            return None

    def records(self) -> list[PidRecord]:
        if not self.run_dir.is_dir():
            return []
        found = [self._read(p) for p in sorted(self.run_dir.glob("*.json"))]
        return [r for r in found if r is not None]

    def reap_stale(self, grace_s: float = 3.0) -> list[int]:
        """Stop providers that a dead core left running; returns the pids stopped."""
        reaped: list[int] = []
        for record in self.records():
            path = self.path(record.provider_id)
            verdict = self._verdict(record)
            if verdict == "foreign-core-alive":
                continue
            if verdict == "ours":
                log.warning(
                    "reaping provider %s (pid %d) left by an earlier run",
                    record.provider_id,
                    record.pid,
                )
                _stop_group(record.pid, grace_s)
                reaped.append(record.pid)
            else:
                log.info("stale pidfile %s: %s; removing it", path.name, verdict)
            path.unlink(missing_ok=True)
        return reaped

    @staticmethod
    def _verdict(record: PidRecord) -> str:
        import psutil

        core_time = _create_time(record.core_pid)
        me = os.getpid()
        if (
            record.core_pid != me
            and core_time is not None
            and abs(core_time - record.core_create_time) < _TIME_SLACK_S
        ):
            return "foreign-core-alive"
        try:
            proc = psutil.Process(record.pid)
            created, cmdline = float(proc.create_time()), list(proc.cmdline())
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return "process gone"
        except psutil.AccessDenied:
            return "process belongs to someone else"
        if abs(created - record.create_time) >= _TIME_SLACK_S:
            return "pid reused by another process"
        if cmdline != record.cmdline:
            return "pid now runs another command"
        return "ours"


def _stop_group(pid: int, grace_s: float) -> None:
    """SIGTERM the provider's process group (it leads its own), wait, then SIGKILL it."""
    import psutil

    if not hasattr(os, "killpg"):  # Windows: no process groups to signal; end the tree
        _stop_tree(pid, grace_s)
        return
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return
    target_group = group == pid  # spawned with start_new_session: it leads its group

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if target_group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)

    send(signal.SIGTERM)
    try:
        psutil.Process(pid).wait(timeout=grace_s)
    except psutil.TimeoutExpired:
        send(signal.SIGKILL)
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).wait(timeout=grace_s)
    except psutil.Error:
        pass
    if target_group:
        send(signal.SIGKILL)  # anything left in the group


def _stop_tree(pid: int, grace_s: float) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
