"""ProviderSupervisor: one spawned provider process, from spawn to stop, crash or restart.

- Spawn through the launch handshake (`provider_sdk.launch.launch_provider`): its own process
  group, `--port 0` (the child binds and reports its port: no free-port race), a fresh token per
  spawn, stdout/stderr to a log file, the core's pid as `--parent-pid`.
- Then `/tts/health` every 250 ms until healthy; while it says `loading`, a stall timeout that
  restarts whenever `/tts/status` progress changes.
- A watcher task polls the process every 100 ms: a death it did not ask for is a crash, recorded
  as `failed(reason, exit_code, stderr_tail)`, and every in-flight call fails at once with
  `ProviderCrashed` carrying that reason.
- The next call restarts it lazily, with capped exponential backoff after repeated failures.
- Idle model unload (POST /tts/unload) after `idle_unload_s` without a call.
- `stop()`: SIGTERM to the group, a grace period, SIGKILL; told apart from a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import ProviderUnavailable
from core.logging import get_logger
from core.tts.lifecycle import Failure, LaunchConfig, Phase, ProviderCrashed
from core.tts.pidfile import PidFiles, record_for
from core.tts.process_util import rotate_log
from provider_sdk.errors import ProviderError, ProviderUnreachable
from provider_sdk.launch import (
    ProviderProcess,
    ProviderStartCancelled,
    ProviderStartError,
    launch_provider,
)
from provider_sdk.models import HealthState, StatusResponse

if TYPE_CHECKING:
    from provider_sdk.client import ProviderClient

log = get_logger("provider-supervisor")
T = TypeVar("T")
Listener = Callable[[str, Phase, Failure | None], None]


class ProviderSupervisor:
    """Owns at most one live process of one provider. Use from one asyncio loop."""

    def __init__(
        self, config: LaunchConfig, pidfiles: PidFiles | None = None, *, kind: str = "local"
    ) -> None:
        self.config = config
        self.id = config.provider_id
        self.kind = kind
        self.pidfiles = pidfiles
        self.phase = Phase.stopped
        self.failure: Failure | None = None
        self.process: ProviderProcess | None = None
        self.client: ProviderClient | None = None
        self.listeners: list[Listener] = []
        self.model_loaded = False
        self.spawn_count = 0
        self.crash_count = 0
        self.last_exit: dict[str, Any] | None = None
        self.last_crash_detect_s: float | None = None
        """Seconds from the process exit being observable to the crash being recorded."""
        self._failures = 0
        self._retry_at = 0.0
        self._stop_requested = False
        self._inflight = 0
        self._last_used = time.monotonic()
        self._gone = asyncio.Event()
        self._lock: asyncio.Lock | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._idle: asyncio.Task[None] | None = None
        self._cancel_start = threading.Event()
        """Set by `stop()` to abort the start in progress."""

    # ------------------------------------------------------------------ state

    def _set(self, phase: Phase, failure: Failure | None = None) -> None:
        if phase == self.phase and phase != Phase.failed:
            return  # listeners hear changes only
        self.phase = phase
        if phase == Phase.failed:
            self.failure = failure
        elif phase in (Phase.ready, Phase.stopped):
            self.failure = None
        for listener in list(self.listeners):
            try:
                listener(self.id, phase, self.failure)
            except Exception:  # a listener must never break supervision
                log.exception("provider listener failed")

    @property
    def inflight(self) -> int:
        return self._inflight

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.is_running()

    def snapshot(self) -> dict[str, Any]:
        process = self.process
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.phase.value,
            "failure": self.failure.as_dict() if self.failure else None,
            "pid": process.pid if process is not None and self.running else None,
            "url": process.url if process is not None and process.info else None,
            "model_loaded": self.model_loaded,
            "spawn_count": self.spawn_count,
            "crash_count": self.crash_count,
            "last_exit": self.last_exit,
            "retry_in_s": max(0.0, round(self._retry_at - time.monotonic(), 1)),
            "log_path": str(self.config.log_path),
        }

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    # ------------------------------------------------------------------ start

    async def ensure_running(self) -> ProviderClient:
        """The client of a ready provider, spawning it first if needed (lazy restart)."""
        if self.running and self.client is not None and self.phase in (Phase.ready, Phase.busy):
            return self.client
        async with self._get_lock():
            if self.running and self.client is not None:
                return self.client
            await self._start_locked()
            assert self.client is not None
            return self.client

    async def _start_locked(self) -> None:
        wait = self._retry_at - time.monotonic()
        if wait > 0:
            last = self.failure.describe() if self.failure else "unknown"
            raise ProviderUnavailable(
                f"the {self.id} provider failed {self._failures} times in a row (last: {last}); "
                f"the next try is in {wait:.0f} s. Its log: {self.config.log_path}"
            )
        self._stop_requested = False
        self.model_loaded = False
        self._set(Phase.starting)
        token = secrets.token_urlsafe(32)
        rotate_log(self.config.log_path)
        self._cancel_start = cancel = threading.Event()
        launch = asyncio.ensure_future(asyncio.to_thread(self._launch, token, cancel))
        try:
            process = await asyncio.shield(launch)
        except asyncio.CancelledError:
            # The waiting request was cancelled (e.g. the server is shutting down): stop the
            # child now, not when it reports listening, so nothing is left behind.
            cancel.set()
            with contextlib.suppress(ProviderStartError, OSError):
                orphan = await launch  # ends within ~50 ms of `cancel`
                await asyncio.to_thread(orphan.stop, 1.0)
            self._set(Phase.stopped)
            raise
        except ProviderStartCancelled as exc:  # stop() during the start
            self._set(Phase.stopped)
            raise ProviderUnavailable(f"the {self.id} provider was stopped while starting") from exc
        except ProviderStartError as exc:
            reason = str(exc).split("\n", 1)[0].removesuffix(f" (exit code {exc.exit_code})")
            raise self._start_failed(reason, exc.exit_code, exc.stderr_tail) from exc
        except OSError as exc:
            what = (exc.strerror or "it could not be started").lower()
            where = f": {exc.filename}" if exc.filename else ""
            reason = f"the provider could not be run ({what}{where})"
            raise self._start_failed(reason, None, "") from exc
        self.spawn_count += 1
        self.process = process
        if self.pidfiles is not None and (rec := record_for(self.id, process.pid)) is not None:
            self.pidfiles.write(rec)
        self._gone = asyncio.Event()
        self._watcher = asyncio.ensure_future(self._watch(process, self._gone))
        from provider_sdk.client import ProviderClient  # httpx: on first spawn, not at start-up

        self.client = ProviderClient(process.url, token, timeout=self.config.client_timeout())
        try:
            await self._wait_healthy(process, self.client)
        except BaseException as exc:
            await self._discard(process)
            if isinstance(exc, ProviderUnavailable):
                raise
            if isinstance(exc, asyncio.CancelledError):
                self._set(Phase.stopped)
                raise
            raise self._start_failed(
                f"the provider failed while starting: {exc}", None, ""
            ) from exc
        self._failures, self._retry_at = 0, 0.0
        self._last_used = time.monotonic()
        self._set(Phase.ready)
        if self.config.idle_unload_s:
            self._idle = asyncio.ensure_future(self._idle_loop(self.config.idle_unload_s))
        log.info("provider %s ready at %s (pid %d)", self.id, process.url, process.pid)

    def _launch(self, token: str, cancel: threading.Event) -> ProviderProcess:
        return launch_provider(
            self.config.command,
            data_dir=self.config.data_dir,
            token=token,
            startup_timeout=self.config.listen_timeout_s,
            log_path=self.config.log_path,
            cancel=cancel,
        )

    def _start_failed(self, reason: str, code: int | None, tail: str) -> ProviderUnavailable:
        """Record a failed start (with backoff) and return the error to raise."""
        self._failures += 1
        self._retry_at = time.monotonic() + self.config.backoff.delay(self._failures + 1)
        failure = Failure(reason, code, tail)
        self._set(Phase.failed, failure)
        log.error("provider %s: %s", self.id, failure.describe())
        return ProviderUnavailable(
            f"the {self.id} provider could not start: {failure.describe()}. "
            f"Its log: {self.config.log_path}"
        )

    async def _wait_healthy(self, process: ProviderProcess, client: ProviderClient) -> None:
        """Poll health every `poll_interval_s` until healthy; a stall timeout while loading."""
        cfg = self.config
        last_progress: Any = None
        progress_at = time.monotonic()
        while True:
            if self._cancel_start.is_set():  # stop() during the start
                raise ProviderUnavailable(f"the {self.id} provider was stopped while starting")
            if self._gone.is_set():  # the watcher recorded the crash (and its backoff)
                failure = self.failure or Failure("the provider exited while starting")
                raise ProviderUnavailable(
                    f"the {self.id} provider exited while starting: {failure.describe()}. "
                    f"Its log: {cfg.log_path}"
                )
            health = None
            with contextlib.suppress(ProviderUnreachable, TimeoutError):
                health = await asyncio.wait_for(client.health(), timeout=2.0)
            if health is not None and health.status == HealthState.healthy:
                return
            if health is not None and health.status == HealthState.error:
                raise self._start_failed(
                    f"the provider reports an error while starting (model {health.model})",
                    None,
                    process.stderr_tail(),
                )
            if health is not None and health.status == HealthState.loading:
                if self.phase != Phase.loading:
                    self._set(Phase.loading)
                with contextlib.suppress(ProviderError, TimeoutError):
                    status = await asyncio.wait_for(client.status(), timeout=2.0)
                    progress = status.progress.model_dump() if status.progress else None
                    if progress != last_progress:
                        last_progress, progress_at = progress, time.monotonic()
            stalled = time.monotonic() - progress_at
            if stalled > cfg.stall_timeout_s:
                raise self._start_failed(
                    f"the provider made no progress for {stalled:.1f} s while starting "
                    f"(stall timeout {cfg.stall_timeout_s:g} s)",
                    None,
                    process.stderr_tail(),
                )
            await asyncio.sleep(cfg.poll_interval_s)

    # ------------------------------------------------------------------ crash watch

    async def _watch(self, process: ProviderProcess, gone: asyncio.Event) -> None:
        while process.is_running():
            await asyncio.sleep(self.config.watch_interval_s)
        noticed = time.monotonic()
        if self._stop_requested or self.process is not process:
            gone.set()
            return
        code = process.returncode
        await asyncio.to_thread(process.close)  # the whole stderr tail; closes the log file
        failure = Failure(
            "the provider process exited unexpectedly",
            code,
            process.stderr_tail(),
            crashed=True,
        )
        self.crash_count += 1
        self._failures += 1
        self._retry_at = time.monotonic() + self.config.backoff.delay(self._failures)
        self.last_exit = {"requested": False, "exit_code": code, "at": time.time()}
        self.process, self.model_loaded = None, False
        client, self.client = self.client, None
        if self.pidfiles is not None:
            self.pidfiles.remove(self.id, process.pid)
        self._cancel_idle()
        self._set(Phase.failed, failure)
        self.last_crash_detect_s = time.monotonic() - noticed
        gone.set()
        log.error("provider %s crashed: %s", self.id, failure.describe())
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()

    # ------------------------------------------------------------------ calls

    async def call(self, fn: Callable[[ProviderClient], Awaitable[T]], *, busy: bool = False) -> T:
        """Run `fn(client)` against a ready provider. If the process dies meanwhile, the call
        fails at once with `ProviderCrashed` (the reason, exit code and stderr tail)."""
        client = await self.ensure_running()
        self.hold(busy=busy)
        try:
            return await self.until_gone(self._gone, fn(client))
        finally:
            self.release()

    def hold(self, *, busy: bool) -> None:
        """Count a call (or a stream) in flight until `release`."""
        self._inflight += 1
        if busy:
            self._set(Phase.busy)

    def release(self) -> None:
        self._inflight -= 1
        self._last_used = time.monotonic()
        if self._inflight == 0 and self.phase == Phase.busy:
            self._set(Phase.ready)

    @property
    def gone(self) -> asyncio.Event:
        """Set when the current process exits (a crash or a stop)."""
        return self._gone

    async def until_gone(self, gone: asyncio.Event, work: Awaitable[T]) -> T:
        """Await `work`, failing at once with the crash's reason if `gone` is set first."""
        task = asyncio.ensure_future(work)
        waiter = asyncio.ensure_future(gone.wait())
        try:
            try:
                await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
                if task.done():
                    return task.result()
            except ProviderUnreachable:
                # The connection broke: give the watcher a moment to see the exit and say why.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waiter), timeout=1.0)
                if not gone.is_set():
                    raise
            raise self._gone_error()
        finally:
            for pending in (task, waiter):
                pending.cancel()

    def _gone_error(self) -> ProviderError:
        if self._stop_requested:
            return ProviderUnreachable(f"the {self.id} provider was stopped during this call")
        return ProviderCrashed(self.failure or Failure("the provider process exited"))

    async def generate_wav(self, request: Any) -> bytes:
        wav = await self.call(lambda c: c.generate_wav(request), busy=True)
        self.model_loaded = True
        return wav

    async def refresh_status(self) -> StatusResponse | None:
        """The provider's own /tts/status when it runs (model_loaded comes from there)."""
        if not self.running or self.client is None or self.phase not in (Phase.ready, Phase.busy):
            self.model_loaded = False if not self.running else self.model_loaded
            return None
        try:
            status = await asyncio.wait_for(self.client.status(), timeout=2.0)
        except (ProviderError, TimeoutError):
            return None
        self.model_loaded = status.model_loaded
        return status

    async def unload(self) -> None:
        if self.running and self.client is not None:
            await self.call(lambda c: c.unload())
            self.model_loaded = False

    async def _idle_loop(self, idle_s: float) -> None:
        while True:
            await asyncio.sleep(min(idle_s / 4, 5.0))
            idle = time.monotonic() - self._last_used
            if self.model_loaded and self._inflight == 0 and idle >= idle_s:
                log.info("provider %s idle for %.0f s; unloading its model", self.id, idle)
                with contextlib.suppress(ProviderError, ProviderUnavailable):
                    await self.unload()

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    # ------------------------------------------------------------------ stop

    async def stop(self) -> None:
        """Graceful stop the core asked for: SIGTERM to the group, grace, SIGKILL. A start in
        progress is cancelled (it holds the lock) rather than waited for."""
        self._cancel_start.set()
        async with self._get_lock():
            process = self.process
            self._stop_requested = True
            if process is None:
                if self.phase != Phase.failed:
                    self._set(Phase.stopped)
                return
            self._set(Phase.stopping)
            await self._discard(process)
            self.last_exit = {"requested": True, "exit_code": process.returncode, "at": time.time()}
            self._failures, self._retry_at = 0, 0.0
            self._set(Phase.stopped)

    async def _discard(self, process: ProviderProcess) -> None:
        self._stop_requested = True
        self._cancel_idle()
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
        await asyncio.to_thread(process.stop, self.config.stop_grace_s)
        self._gone.set()
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher
            self._watcher = None
        if self.pidfiles is not None:
            self.pidfiles.remove(self.id, process.pid)
        self.process, self.model_loaded = None, False
