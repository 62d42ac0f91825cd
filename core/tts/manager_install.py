"""Installing, updating and uninstalling local providers for the ProviderManager. The install
side owns the install state: each running or failed install's phase and progress (`phase`,
`progress`); the manager asks it, and `core.services.providers` shows it.

The installer (`installer.install.Installer`) does the work in a worker thread; its errors are
never swallowed: each becomes a `CoreError` with the installer's message, and the provider
shows `failed` with that reason until the next attempt."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConflictError, CoreError, NotFoundError, ProviderUnavailable
from core.tts.choice import AUTO
from core.tts.lifecycle import Phase
from core.tts.provider_ops import InstallCancelled, cancellable
from installer.compat import (
    Hardware,
    check_spec,
    detect_hardware,
    update_available,
)
from installer.download import Progress
from installer.errors import (
    InstallerError,
    InstallInProgress,
    NotInstalled,
    ReleaseIndexError,
)
from installer.index import ProviderEntry, ReleaseIndex, load_index
from installer.install import InstalledProvider

if TYPE_CHECKING:
    from core.tts.manager import ProviderManager

INDEX_TTL_S = 300.0
_PHASES = {"downloading": Phase.downloading, "done": Phase.installed}


class InstallFailed(CoreError):
    status = 502
    code = "install_failed"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def core_error(exc: InstallerError) -> CoreError:
    """The installer's error as a CoreError the API maps to a status; the message is kept."""
    if isinstance(exc, InstallInProgress):
        return ConflictError(str(exc))
    if isinstance(exc, NotInstalled):
        return NotFoundError(str(exc))
    if isinstance(exc, ReleaseIndexError):
        return ProviderUnavailable(str(exc))
    err = InstallFailed(str(exc))
    err.code = _snake(type(exc).__name__)  # type: ignore[misc]
    return err


def folder_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


class Installs:
    def __init__(self, manager: ProviderManager) -> None:
        self.manager = manager
        self.state: dict[str, dict[str, Any]] = {}
        """Per provider id: `phase` (downloading, verifying, failed), `version`, `progress`
        (the last progress event) and, after a failure, `error` and `at`."""
        self._index: ReleaseIndex | None = None
        self._index_at = 0.0
        self.index_error: str | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self._hardware: Hardware | None = None
        self.cancel_requested: set[str] = set()

    async def hardware(self) -> Hardware:
        if self._hardware is None:
            self._hardware = await asyncio.to_thread(detect_hardware)
        return self._hardware

    # ------------------------------------------------------------------ index

    async def index(self, refresh: bool = False) -> ReleaseIndex:
        import httpx  # first use only: keeps the core's start-up light

        url = self.manager.config.index_url
        if url is None:
            raise ConflictError(
                "no release index is configured, so providers cannot be installed from here; "
                "set VOICEBOX_PROVIDER_INDEX_URL (the provider_index_url setting) to a release "
                "index URL or file"
            )
        if not refresh and self._index and time.monotonic() - self._index_at < INDEX_TTL_S:
            return self._index
        try:
            if url.startswith(("http://", "https://")):
                async with httpx.AsyncClient(timeout=30.0, follow_redirects=True) as http:
                    response = await http.get(url)
                    response.raise_for_status()
                    self._index = load_index(response.content)
            else:
                self._index = await asyncio.to_thread(load_index, Path(url))
        except (httpx.HTTPError, ReleaseIndexError) as exc:
            self.index_error = f"cannot read the release index {url}: {exc}"
            raise ProviderUnavailable(self.index_error) from exc
        self.index_error, self._index_at = None, time.monotonic()
        return self._index

    async def _compatible_entry(self, provider_id: str) -> ProviderEntry:
        index = await self.index()
        entries = index.entries(index.resolve(provider_id))
        if not entries:
            raise NotFoundError(
                f"the release index has no build of {provider_id!r} for this machine; "
                f"available: {', '.join(index.provider_ids()) or 'none'}",
                field="provider",
            )
        for entry in entries:
            if check_spec(entry.spec_version).ok:
                return entry
        raise InstallFailed(
            f"every {provider_id} build in the index speaks a spec this Voicebox does not "
            f"accept ({check_spec(entries[0].spec_version).reason})"
        )

    # ------------------------------------------------------------------ install

    async def install(
        self, provider_id: str, progress: Callable[[dict[str, Any]], None] | None = None
    ) -> InstalledProvider:
        entry = await self._compatible_entry(provider_id)
        return await self._install(entry, progress)

    async def update(
        self, provider_id: str, progress: Callable[[dict[str, Any]], None] | None = None
    ) -> InstalledProvider:
        installed = self.manager.installer.installed(provider_id)
        if installed is None:
            raise NotFoundError(f"{provider_id!r} is not installed; install it first")
        entry = update_available(await self.index(refresh=True), provider_id, installed.version)
        if entry is None:
            raise ConflictError(f"{provider_id} {installed.version} is already the newest")
        return await self._install(entry, progress)

    async def prepare(self, provider_id: str, update: bool) -> None:
        """Fail before any streaming starts when there is nothing to install."""
        if update:
            installed = self.manager.installer.installed(provider_id)
            if installed is None:
                raise NotFoundError(f"{provider_id!r} is not installed; install it first")
            index = await self.index(refresh=True)
            if update_available(index, provider_id, installed.version) is None:
                raise ConflictError(f"{provider_id} {installed.version} is already the newest")
        else:
            await self._compatible_entry(provider_id)

    async def _install(
        self, entry: ProviderEntry, progress: Callable[[dict[str, Any]], None] | None
    ) -> InstalledProvider:
        pid = entry.id
        if self.phase(pid) in (Phase.downloading, Phase.verifying):
            raise ConflictError(f"{pid} is being installed already; wait for it to finish")
        state: dict[str, Any] = {"phase": Phase.downloading, "version": entry.version}
        self.state[pid] = state
        loop = asyncio.get_running_loop()

        def report(p: Progress) -> None:  # from the installer's thread
            phase = _PHASES.get(p.phase, Phase.verifying)
            event = {
                "provider": pid,
                "version": entry.version,
                "state": phase.value,
                "step": p.phase,
                "done": p.done,
                "total": p.total,
                "fraction": round(p.fraction, 4),
                "speed": round(p.speed, 1),
            }
            state.update(phase=phase, progress=event)
            if progress is not None:
                loop.call_soon_threadsafe(progress, event)

        sup = self.manager.supervisors.get(pid)
        if sup is not None and sup.running:
            await sup.stop()  # never swap files under a running provider
        self.cancel_requested.discard(pid)
        tick = cancellable(report, lambda: pid in self.cancel_requested)
        try:
            result = await asyncio.to_thread(self.manager.installer.install, entry, tick)
        except InstallCancelled as exc:
            self.state.pop(pid, None)
            raise core_error(exc) from exc
        except InstallerError as exc:
            state.update(phase=Phase.failed, error=str(exc), at=time.time())
            raise core_error(exc) from exc
        finally:
            self.cancel_requested.discard(pid)
        self.state.pop(pid, None)
        return result

    def cancel(self, provider_id: str) -> None:
        """Ask a running install to stop at its next progress tick (before the swap)."""
        if self.phase(provider_id) not in (Phase.downloading, Phase.verifying):
            raise ConflictError(f"no install of {provider_id} is running; nothing to cancel")
        self.cancel_requested.add(provider_id)

    def phase(self, provider_id: str) -> Phase | None:
        """The phase of this provider's install (None when none is running or failed)."""
        state = self.state.get(provider_id)
        return None if state is None else Phase(state["phase"])

    def progress(self, provider_id: str) -> dict[str, Any] | None:
        """The install's state as the providers API shows it (phase as text)."""
        state = dict(self.state.get(provider_id) or {})
        if "phase" in state:
            state["phase"] = Phase(state["phase"]).value
        return state or None

    async def uninstall(self, provider_id: str) -> None:
        sup = self.manager.supervisors.pop(provider_id, None)
        if sup is not None:
            await sup.stop()
        self.manager.locals.pop(provider_id, None)
        try:
            await asyncio.to_thread(self.manager.installer.uninstall, provider_id)
        except InstallerError as exc:
            raise core_error(exc) from exc
        self.state.pop(provider_id, None)
        if self.manager.choice.value.active == provider_id:
            self.manager.choice.save(self.manager.choice.value.model_copy(update={"active": AUTO}))
