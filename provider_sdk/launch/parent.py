"""Parent side of the launch handshake: start a provider command in its own process group,
read its `listening` line, keep its logs, and stop it (SIGTERM, grace, SIGKILL).

Synchronous by design (threads read the pipes); async callers use `asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from provider_sdk.launch.provider import TOKEN_ENV

log = logging.getLogger("provider_sdk.parent")
STDERR_TAIL_BYTES = 8 * 1024


class ProviderStartError(RuntimeError):
    """The provider died or stayed silent before reporting `listening`."""

    def __init__(self, message: str, *, exit_code: int | None, stderr_tail: str) -> None:
        detail = f"{message} (exit code {exit_code})" if exit_code is not None else message
        if stderr_tail.strip():
            detail += f"\n--- last lines of its stderr ---\n{stderr_tail.rstrip()}"
        super().__init__(detail)
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail


class ProviderStartCancelled(ProviderStartError):
    """The start was cancelled (the parent is stopping) before the provider was listening;
    the child has been stopped."""


@dataclass(frozen=True)
class ListeningInfo:
    host: str
    port: int
    pid: int
    provider: str
    version: str
    spec_version: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class ProviderProcess:
    """A running provider child. Its stdout and stderr go to `log_path`."""

    def __init__(self, popen: subprocess.Popen[bytes], token: str, log_path: Path) -> None:
        self.popen = popen
        self.token = token
        self.log_path = log_path
        self.info: ListeningInfo | None = None
        self._listening = threading.Event()
        self._tail = bytearray()
        self._lock = threading.Lock()
        self._log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - closed in stop()/_reap
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True, name="provider-stdout"),
            threading.Thread(target=self._read_stderr, daemon=True, name="provider-stderr"),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        if self.info is None:
            raise RuntimeError("the provider has not reported listening yet")
        return self.info.url

    def _write_log(self, chunk: bytes) -> None:
        with self._lock:
            if not self._log.closed:
                self._log.write(chunk)
                self._log.flush()

    def _read_stdout(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._write_log(b"[stdout] " + line)
            if self.info is None:
                try:
                    event: Any = json.loads(line)
                except ValueError:
                    event = None
                if isinstance(event, dict) and event.get("event") == "listening":
                    fields = ("host", "port", "pid", "provider", "version", "spec_version")
                    self.info = ListeningInfo(**{k: event[k] for k in fields})
                    self._listening.set()

    def _read_stderr(self) -> None:
        stderr = self.popen.stderr
        assert stderr is not None
        for chunk in iter(lambda: os.read(stderr.fileno(), 4096), b""):
            with self._lock:
                self._tail += chunk
                del self._tail[:-STDERR_TAIL_BYTES]
            self._write_log(chunk)

    def stderr_tail(self) -> str:
        with self._lock:
            return self._tail.decode("utf-8", errors="replace")

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def wait_listening(
        self, timeout: float, cancel: threading.Event | None = None
    ) -> ListeningInfo:
        """The `listening` line; `ProviderStartError` when the child exits or stays silent
        for `timeout` s, `ProviderStartCancelled` as soon as `cancel` is set."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._listening.wait(0.05) and self.info is not None:
                return self.info
            if cancel is not None and cancel.is_set():
                raise ProviderStartCancelled(
                    "the provider's start was cancelled", exit_code=None, stderr_tail=""
                )
            if self.popen.poll() is not None:
                self._readers[1].join(timeout=1.0)
                raise ProviderStartError(
                    "the provider exited before it was listening",
                    exit_code=self.popen.returncode,
                    stderr_tail=self.stderr_tail(),
                )
        raise ProviderStartError(
            f"the provider did not report listening within {timeout:g} s",
            exit_code=None,
            stderr_tail=self.stderr_tail(),
        )

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def stop(self, grace_s: float = 5.0) -> int | None:
        """SIGTERM the process group, wait `grace_s`, then SIGKILL it. Returns the exit code."""
        if self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                log.warning("provider %d ignored SIGTERM for %.1f s; killing it", self.pid, grace_s)
        # Kill whatever is left in the group (the child, or grandchildren it started).
        self._signal_group(signal.SIGKILL)
        code = self.popen.wait()
        self.close()
        return code

    def close(self) -> None:
        """Join the pipe readers and close the log file (after the process has exited)."""
        for reader in self._readers:
            reader.join(timeout=2.0)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()
        with self._lock:
            self._log.close()


def launch_provider(
    command: Sequence[str],
    *,
    data_dir: Path,
    token: str,
    parent_pid: int | None = None,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
    log_path: Path | None = None,
    watch_stdin: bool = True,
    cancel: threading.Event | None = None,
) -> ProviderProcess:
    """Start `command` (a provider executable and any leading args) and wait for `listening`.

    The child gets its own process group, `--port 0` (it picks its port itself), our pid as
    `--parent-pid`, and the token in its environment (never on the command line). With
    `watch_stdin`, its stdin is a pipe we hold open: when this process dies, however it
    dies, the child sees end of file and exits at once. Setting `cancel` (from another
    thread) while it waits stops the child and raises `ProviderStartCancelled` at once."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_path or data_dir / "provider-stdio.log"
    child_env = dict(os.environ if env is None else env)
    child_env[TOKEN_ENV] = token
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    argv = [
        *command,
        *("--host", host, "--port", "0", "--data-dir", str(data_dir)),
        *("--parent-pid", str(parent_pid if parent_pid is not None else os.getpid())),
        *(["--watch-stdin"] if watch_stdin else []),
    ]
    popen = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if watch_stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env,
        start_new_session=True,
    )
    process = ProviderProcess(popen, token, log_path)
    try:
        process.wait_listening(startup_timeout, cancel)
    except ProviderStartError:
        process.stop(grace_s=1.0)
        raise
    return process
