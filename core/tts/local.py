"""LocalProvider: spawns the source-installed pytorch-cpu provider
(`python -m providers.pytorch_cpu`) with the provider_sdk launch helpers and talks to it over
HTTP on 127.0.0.1. It never imports `providers`: the provider is only ever a child process.

A crashed provider is restarted lazily on the next request, with capped exponential backoff
after failed starts."""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ProviderUnavailable
from core.logging import get_logger
from core.settings import Settings
from core.tts.base import ProviderInfo, ProviderState, Synthesis
from core.tts.remote import ClientProvider
from provider_sdk.errors import ProviderUnreachable
from provider_sdk.models import GenerateRequest

if TYPE_CHECKING:  # the launch helpers load when the provider first starts
    from provider_sdk.launch import ProviderProcess

log = get_logger("local-provider")
MAX_BACKOFF_S = 60.0


class LocalProvider(ClientProvider):
    kind = "local"

    def __init__(
        self,
        provider_id: str,
        command: list[str],
        data_dir: Path,
        *,
        start_timeout: float = 60.0,
    ) -> None:
        super().__init__(provider_id)
        self.command = command
        self.data_dir = data_dir
        self.start_timeout = start_timeout
        self.process: ProviderProcess | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._failures = 0
        self._retry_at = 0.0
        self.stop_requested = False

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalProvider:
        command = settings.provider_command or [sys.executable, "-m", "providers.pytorch_cpu"]
        return cls(
            "local",
            command,
            settings.data_dir / "providers" / "pytorch-cpu",
            start_timeout=settings.provider_start_timeout_s,
        )

    def _get_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.is_running()

    def crash_report(self) -> str | None:
        """Exit code and stderr tail when the process died on its own."""
        if self.process is None or self.process.is_running():
            return None
        tail = self.process.stderr_tail().strip().splitlines()[-5:]
        report = f"exit code {self.process.returncode}"
        return report + (": " + " | ".join(tail) if tail else "")

    async def start(self) -> None:
        if self.running and self._url is not None:
            return
        async with self._get_lock():
            if self.running and self._url is not None:
                return
            if self.process is not None:  # it died: collect it before starting a new one
                log.warning("provider %s exited (%s); restarting", self.id, self.crash_report())
                await asyncio.to_thread(self.process.stop, 0.5)
                self.process = None
            wait = self._retry_at - time.monotonic()
            if wait > 0:
                raise ProviderUnavailable(
                    f"the local provider failed to start ({self.error}); retrying in {wait:.0f} s"
                )
            from provider_sdk.launch import ProviderStartError, launch_provider

            self.state = ProviderState.starting
            self.stop_requested = False
            token = secrets.token_urlsafe(32)
            try:
                process = await asyncio.to_thread(
                    launch_provider,
                    self.command,
                    data_dir=self.data_dir,
                    token=token,
                    startup_timeout=self.start_timeout,
                )
            except (ProviderStartError, OSError) as exc:
                self._failures += 1
                self._retry_at = time.monotonic() + min(MAX_BACKOFF_S, 2.0**self._failures)
                self.state, self.error = ProviderState.failed, str(exc)
                raise ProviderUnavailable(
                    f"the local provider could not start: {exc}. See "
                    f"{self.data_dir / 'provider-stdio.log'}"
                ) from exc
            self.process = process
            self._failures, self._retry_at, self.error = 0, 0.0, None
            self._connect(process.url, token)
            self.state = ProviderState.ready
            log.info("provider %s listening at %s (pid %d)", self.id, process.url, process.pid)

    async def generate(self, request: GenerateRequest) -> Synthesis:
        try:
            return await super().generate(request)
        except ProviderUnreachable as exc:
            await asyncio.sleep(0.2)  # let the exit be observed
            report = self.crash_report()
            if report is not None:
                self.state, self.error = ProviderState.failed, f"provider crashed ({report})"
                raise ProviderUnreachable(f"the provider process died ({report})") from exc
            raise

    def info(self) -> ProviderInfo:
        info = super().info()
        if self.process is not None and self.process.is_running():
            info.pid, info.url = self.process.pid, self._url
        return info

    async def stop(self) -> None:
        self.stop_requested = True
        process, self.process = self.process, None
        await self._drop_client()
        if process is not None:
            self.state = ProviderState.stopping
            await asyncio.to_thread(process.stop, 5.0)
        self.state = ProviderState.stopped
        self._url = None
