"""Installing, updating and uninstalling local providers for the ProviderManager, and the overview
the providers API lists (installed, available, active, state, version, compatibility, sizes).

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
from core.tts.choice import AUTO, OPENAI, REMOTE
from core.tts.lifecycle import Phase
from core.tts.provider_ops import InstallCancelled, cancellable, row_support, support_table
from installer.compat import (
    Hardware,
    check_spec,
    choose_provider,
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
    def __init__(self, host: ProviderManager) -> None:
        self.host = host
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

        url = self.host.config.index_url
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
        installed = self.host.installer.installed(provider_id)
        if installed is None:
            raise NotFoundError(f"{provider_id!r} is not installed; install it first")
        entry = update_available(await self.index(refresh=True), provider_id, installed.version)
        if entry is None:
            raise ConflictError(f"{provider_id} {installed.version} is already the newest")
        return await self._install(entry, progress)

    async def prepare(self, provider_id: str, update: bool) -> None:
        """Fail before any streaming starts when there is nothing to install."""
        if update:
            installed = self.host.installer.installed(provider_id)
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
        if self.install_state_phase(pid) in (Phase.downloading, Phase.verifying):
            raise ConflictError(f"{pid} is being installed already; wait for it to finish")
        state: dict[str, Any] = {"phase": Phase.downloading, "version": entry.version}
        self.host.install_state[pid] = state
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

        sup = self.host.supervisors.get(pid)
        if sup is not None and sup.running:
            await sup.stop()  # never swap files under a running provider
        self.cancel_requested.discard(pid)
        tick = cancellable(report, lambda: pid in self.cancel_requested)
        try:
            result = await asyncio.to_thread(self.host.installer.install, entry, tick)
        except InstallCancelled as exc:
            self.host.install_state.pop(pid, None)
            raise core_error(exc) from exc
        except InstallerError as exc:
            state.update(phase=Phase.failed, error=str(exc), at=time.time())
            raise core_error(exc) from exc
        finally:
            self.cancel_requested.discard(pid)
        self.host.install_state.pop(pid, None)
        return result

    def cancel(self, provider_id: str) -> None:
        """Ask a running install to stop at its next progress tick (before the swap)."""
        if self.install_state_phase(provider_id) not in (Phase.downloading, Phase.verifying):
            raise ConflictError(f"no install of {provider_id} is running; nothing to cancel")
        self.cancel_requested.add(provider_id)

    def install_state_phase(self, provider_id: str) -> Phase | None:
        state = self.host.install_state.get(provider_id)
        return None if state is None else Phase(state["phase"])

    async def uninstall(self, provider_id: str) -> None:
        sup = self.host.supervisors.pop(provider_id, None)
        if sup is not None:
            await sup.stop()
        self.host.locals.pop(provider_id, None)
        try:
            await asyncio.to_thread(self.host.installer.uninstall, provider_id)
        except InstallerError as exc:
            raise core_error(exc) from exc
        self.host.install_state.pop(provider_id, None)
        if self.host.choice.value.active == provider_id:
            self.host.choice.save(self.host.choice.value.model_copy(update={"active": AUTO}))

    # ------------------------------------------------------------------ overview

    async def recommended(self, index: ReleaseIndex) -> dict[str, Any] | None:
        """The installer's Auto choice for this machine, with its reason."""
        try:
            choice = choose_provider(index, await self.hardware())
        except InstallerError as exc:
            return {"provider": None, "reason": str(exc)}
        return {"provider": choice.provider_id, "reason": choice.reason}

    async def overview(self, refresh: bool = False) -> dict[str, Any]:
        host = self.host
        index = None
        if host.config.index_url:
            try:
                index = await self.index(refresh=refresh)
            except CoreError:
                index = None
        ids = set(host.local_ids()) | set(host.supervisors) | set(host.install_state)
        if index is not None:
            ids |= {e.id for e in index.providers if index.entries(e.id)}
        active = host.choice.value.active
        try:
            resolved, auto_reason = host.active_id(), None
            if active == AUTO:
                resolved, auto_reason = host.auto_local()
        except CoreError as exc:
            resolved, auto_reason = None, exc.message
        rows = [await self._row(pid, index, resolved) for pid in sorted(ids)]
        remote = host.choice.value.remote
        remote_adapter = host._remote
        openai_adapter = host._openai
        return {
            "active": active,
            "active_resolved": resolved,
            "auto_reason": auto_reason,
            "auto_update": host.choice.value.auto_update,
            "index": {"url": host.config.index_url, "error": self.index_error},
            "recommended": await self.recommended(index) if index is not None else None,
            "reaped_at_start": host.reaped,
            "providers": rows,
            "support": support_table(await self.hardware()),
            "remote": {
                "configured": remote is not None,
                "url": remote.url if remote else None,
                "active": resolved == REMOTE,
                "state": remote_adapter.state.value if remote_adapter else "stopped",
                "error": remote_adapter.error if remote_adapter else None,
                "conformance": remote_adapter.summary.as_dict()
                if remote_adapter and remote_adapter.summary
                else None,
            },
            "openai": {
                "key_set": bool(host.secrets.get("openai-api-key")),
                "key_storage": host.secrets.backend,
                "base_url": host.choice.value.openai.base_url,
                "active": resolved == OPENAI,
                "state": openai_adapter.state.value if openai_adapter else "stopped",
                "error": openai_adapter.error if openai_adapter else None,
            },
        }

    async def _row(
        self, pid: str, index: ReleaseIndex | None, resolved: str | None
    ) -> dict[str, Any]:
        host = self.host
        installed = host.installer.installed(pid)
        entries = index.entries(pid) if index is not None else []
        latest = entries[0] if entries else None
        compat = installed.compatibility() if installed else None
        sup = host.supervisors.get(pid)
        if sup is not None:
            await sup.refresh_status()
        update = None
        if installed and index is not None:
            newer = update_available(index, pid, installed.version)
            update = newer.version if newer else None
        from_source = installed is None and pid in host.local_ids()
        support = row_support(pid, await self.hardware(), installed, from_source)
        install = dict(host.install_state.get(pid) or {})
        if "phase" in install:
            install["phase"] = Phase(install["phase"]).value
        return {
            "id": pid,
            "kind": "local",
            "installed": installed is not None,
            "source": from_source,
            "installed_version": installed.version if installed else None,
            "available_version": latest.version if latest else None,
            "update_available": update,
            "compatible": compat.ok if compat else None,
            "compatibility": compat.reason if compat else None,
            "installed_bytes": folder_size(installed.path) if installed else None,
            "download_bytes": latest.size if latest else None,
            "engines": list(installed.engines) if installed else [],
            "active": resolved == pid,
            **support,
            "state": host.state_of(pid).value,
            "install": install or None,
            "process": sup.snapshot() if sup is not None else None,
        }
