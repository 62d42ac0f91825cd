"""The providers service behind /providers: the overview the settings page shows (every local
provider: installed, available, active, state, version, compatibility, sizes, install
progress, process; the remote provider; the OpenAI connection), installs run as tasks that
report progress, and the manager's actions (start, stop, select, connect)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from core.errors import CoreError
from core.tts.choice import AUTO, OPENAI, REMOTE
from core.tts.manager import ProviderManager
from core.tts.manager_install import folder_size
from core.tts.provider_ops import row_support, support_table
from installer.compat import choose_provider, update_available
from installer.errors import InstallerError
from installer.index import ReleaseIndex
from provider_sdk.errors import ProviderError

Report = Callable[[str, dict[str, Any]], None]
"""Called with ("progress" | "done" | "error", body) as an install runs; then with ("end", {})."""


class Providers:
    def __init__(self, manager: ProviderManager) -> None:
        self.manager = manager

    async def prepare_install(self, provider_id: str, update: bool) -> None:
        """Fail (4xx) before any streaming starts when there is nothing to install."""
        await self.manager.installs.prepare(provider_id, update=update)

    def run_install(self, provider_id: str, update: bool, report: Report) -> None:
        """Install or update in a task of its own (it finishes even if the client leaves)."""
        installs = self.manager.installs

        async def run() -> None:
            try:
                action = installs.update if update else installs.install
                done = await action(provider_id, lambda event: report("progress", event))
                engines = list(done.engines)
                report("done", {"provider": done.id, "version": done.version, "engines": engines})
            except (CoreError, ProviderError) as exc:
                report("error", {"provider": provider_id, "code": exc.code, "message": exc.message})
            finally:
                report("end", {})

        task = asyncio.get_running_loop().create_task(run())
        installs.tasks.add(task)
        task.add_done_callback(installs.tasks.discard)

    async def uninstall(self, provider_id: str) -> None:
        await self.manager.installs.uninstall(provider_id)

    def cancel_install(self, provider_id: str) -> None:
        self.manager.installs.cancel(provider_id)

    def _state(self, provider_id: str) -> dict[str, Any]:
        state = self.manager.provider(provider_id).info().state.value
        return {"provider": provider_id, "state": state}

    async def start(self, provider_id: str) -> dict[str, Any]:
        await self.manager.start(provider_id)
        return self._state(provider_id)

    async def stop(self, provider_id: str) -> dict[str, Any]:
        await self.manager.stop(provider_id)
        return self._state(provider_id)

    async def restart(self, provider_id: str) -> dict[str, Any]:
        await self.manager.restart(provider_id)
        return self._state(provider_id)

    def log(self, provider_id: str, lines: int) -> dict[str, Any]:
        return self.manager.log_lines(provider_id, lines)

    async def test(self, provider_id: str) -> dict[str, Any]:
        return await self.manager.test(provider_id)

    async def select(self, provider: str) -> dict[str, Any]:
        await self.manager.select(provider)
        return {"active": self.manager.choice.value.active}

    async def set_remote(self, url: str, token: str, ca_bundle: str | None) -> dict[str, Any]:
        summary = await self.manager.set_remote(url, token, ca_bundle or True)
        return {"saved": True, "conformance": summary.as_dict()}

    def set_openai(
        self, api_key: str | None, base_url: str | None, voices: list[str] | None
    ) -> dict[str, Any]:
        self.manager.set_openai(api_key, base_url, voices)
        return {"saved": True, "key_storage": self.manager.secrets.backend}

    async def recommended(self, index: ReleaseIndex) -> dict[str, Any] | None:
        """The installer's Auto choice for this machine, with its reason."""
        try:
            choice = choose_provider(index, await self.manager.installs.hardware())
        except InstallerError as exc:
            return {"provider": None, "reason": str(exc)}
        return {"provider": choice.provider_id, "reason": choice.reason}

    async def overview(self, refresh: bool = False) -> dict[str, Any]:
        manager = self.manager
        index = None
        if manager.config.index_url:
            try:
                index = await self.manager.installs.index(refresh=refresh)
            except CoreError:
                index = None
        ids = set(manager.local_ids()) | set(manager.supervisors) | set(manager.installs.state)
        if index is not None:
            ids |= {e.id for e in index.providers if index.entries(e.id)}
        active = manager.choice.value.active
        try:
            resolved, auto_reason = manager.active_id(), None
            if active == AUTO:
                resolved, auto_reason = manager.auto_local()
        except CoreError as exc:
            resolved, auto_reason = None, exc.message
        rows = [await self._row(pid, index, resolved) for pid in sorted(ids)]
        remote = manager.choice.value.remote
        remote_adapter = manager._remote
        openai_adapter = manager._openai
        return {
            "active": active,
            "active_resolved": resolved,
            "auto_reason": auto_reason,
            "auto_update": manager.choice.value.auto_update,
            "index": {"url": manager.config.index_url, "error": self.manager.installs.index_error},
            "recommended": await self.recommended(index) if index is not None else None,
            "reaped_at_start": manager.reaped,
            "providers": rows,
            "support": support_table(await self.manager.installs.hardware()),
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
                "key_set": bool(manager.secrets.get("openai-api-key")),
                "key_storage": manager.secrets.backend,
                "base_url": manager.choice.value.openai.base_url,
                "active": resolved == OPENAI,
                "state": openai_adapter.state.value if openai_adapter else "stopped",
                "error": openai_adapter.error if openai_adapter else None,
            },
        }

    async def _row(
        self, pid: str, index: ReleaseIndex | None, resolved: str | None
    ) -> dict[str, Any]:
        manager = self.manager
        installed = manager.installer.installed(pid)
        entries = index.entries(pid) if index is not None else []
        latest = entries[0] if entries else None
        compat = installed.compatibility() if installed else None
        sup = manager.supervisors.get(pid)
        if sup is not None:
            await sup.refresh_status()
        update = None
        if installed and index is not None:
            newer = update_available(index, pid, installed.version)
            update = newer.version if newer else None
        from_source = installed is None and pid in manager.local_ids()
        support = row_support(pid, await self.manager.installs.hardware(), installed, from_source)
        install = manager.installs.progress(pid)
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
            "state": manager.state_of(pid).value,
            "install": install,
            "process": sup.snapshot() if sup is not None else None,
        }
