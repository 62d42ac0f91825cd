"""Speech (TTS) model management: list the models of the active provider(s), download one ahead
of its first use with byte progress, delete one. The provider does the work (the spec's
`/tts/models` extension); the core finds the provider serving the engine, keeps one download
per model at a time (a second request for it joins the running one), and relays the
provider's answers (its refusals become 4xx).

A provider's models are `downloadable` (it fetches and deletes them), `packaged` (they ship
with it: nothing to download, never deleted) or `hosted` (OpenAI's: they are not on this
computer at all). Nothing here imports httpx or the providers package."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from core.errors import ConflictError, CoreError, NotFoundError, ProviderUnavailable
from core.logging import get_logger
from core.services.model_downloads import Follower, SharedDownload
from core.services.model_speed import MeasuredSpeed, ModelKey, measured_speeds
from core.tts import guidance
from core.tts.base import DownloadEvent, TTSProvider
from provider_sdk.errors import ProviderError
from provider_sdk.models import EngineInfo, ModelDownloadDone, ModelInfo

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.services.planning import Planner
    from core.tts.manager import ProviderManager

log = get_logger("tts-models")


@dataclass(frozen=True)
class Running:
    """A download the core relays (one per model at a time)."""

    provider_id: str
    engine: str
    model_size: str


def availability(provider: TTSProvider, model: ModelInfo) -> str:
    if provider.kind == "openai":
        return "hosted"
    return "downloadable" if model.managed else "packaged"


class TtsModels:
    """The service behind `/models/tts`."""

    def __init__(
        self,
        provider: TTSProvider,
        manager: ProviderManager | None,
        planner: Planner,
        db: Engine | None = None,
    ) -> None:
        """One per core: it remembers the downloads it relays. With `db`, each model also
        says how fast it has been on this machine (from the history)."""
        self.provider = provider
        self.manager = manager
        self.planner = planner
        self.db = db
        self.running: dict[tuple[str, str, str], Running] = {}
        self.shared: dict[tuple[str, str, str], SharedDownload] = {}

    def providers(self) -> list[TTSProvider]:
        """The providers the core speaks with, the manager's selection resolved to the provider
        it stands for now (the selection itself has no models to manage)."""
        manager, provider = self.manager, self.provider
        if manager is not None and provider is manager.selected:
            provider = manager.active()
        return [provider]

    async def overview(self) -> dict[str, Any]:
        engines: list[dict[str, Any]] = []
        seen: set[str] = set()
        served: list[tuple[str, EngineInfo]] = []
        errors: list[str] = []
        speeds = await anyio.to_thread.run_sync(measured_speeds, self.db) if self.db else {}
        for provider in self.providers():
            try:
                view = await provider.model_overview()
            except ProviderError as exc:
                errors.append(f"{provider.id}: {exc.message}")
                continue
            for engine in view.described.engines:
                if engine.name in seen:
                    continue  # the first provider serving an engine is the one used
                seen.add(engine.name)
                served.append((provider.id, engine))
                engines.append(self._engine_row(provider, engine, view.loaded, speeds))
        if not engines and errors:
            raise ProviderUnavailable(f"no speech provider answered ({'; '.join(errors)})")
        return {"provider": self._active_id(), "engines": engines, **self._for_voice_types(served)}

    def _for_voice_types(self, served: list[tuple[str, EngineInfo]]) -> dict[str, Any]:
        """The model a new voice of each type would use by default, or why there is none."""
        chosen: dict[str, dict[str, Any] | None] = {}
        unavailable: dict[str, str | None] = {}
        kind = self.planner.active_kind()
        for voice_type, purpose in guidance.PURPOSE_BY_VOICE_TYPE.items():
            found = guidance.choose(guidance.candidates(served, purpose))
            if found is None:
                chosen[voice_type] = None
                unavailable[voice_type] = guidance.unavailable_message(kind, purpose)
                continue
            downloading = any(
                (r.engine, r.model_size) == (found.engine.name, found.model.model_size)
                for r in self.running.values()
            )
            chosen[voice_type] = guidance.model_ref(
                found.engine.name, found.model, downloading=downloading
            )
            unavailable[voice_type] = None
        return {"for_voice_type": chosen, "unavailable": unavailable}

    def _active_id(self) -> str | None:
        manager = self.manager
        if manager is None:
            return None
        try:
            return manager.active_id()
        except CoreError:  # Auto with nothing usable: the list says what is there
            return None

    def _engine_row(
        self,
        provider: TTSProvider,
        engine: EngineInfo,
        loaded: tuple[str, str] | None,
        speeds: dict[ModelKey, MeasuredSpeed],
    ) -> dict[str, Any]:
        models = []
        for m in engine.models:
            running = self.running.get((provider.id, engine.name, m.model_size))
            speed = speeds.get((engine.name, m.model_size))
            models.append(
                {
                    "model_size": m.model_size,
                    "display_name": m.display_name,
                    "size_mb": m.size_mb,
                    "languages": m.languages,
                    "availability": availability(provider, m),
                    "downloaded": m.downloaded,
                    "loaded": loaded == (engine.name, m.model_size),
                    "downloading": running is not None,
                    "capabilities": m.capabilities.model_dump(),
                    "local_dir": m.local_dir,
                    "speed": speed.as_dict() if speed else None,
                }
            )
        return {
            "provider": provider.id,
            "provider_kind": provider.kind,
            "name": engine.name,
            "display_name": engine.display_name,
            "description": engine.description,
            "default_model_size": engine.default_model_size,
            "models": models,
        }

    async def find(self, engine: str, model_size: str) -> TTSProvider:
        """The provider serving `engine`, which must offer `model_size` (clear 404s)."""
        errors: list[str] = []
        names: list[str] = []
        for provider in self.providers():
            try:
                described = await provider.describe()
            except ProviderError as exc:
                errors.append(f"{provider.id}: {exc.message}")
                continue
            for info in described.engines:
                names.append(info.name)
                if info.name != engine:
                    continue
                sizes = [m.model_size for m in info.models]
                if model_size not in sizes:
                    raise NotFoundError(
                        f"engine {engine!r} has no model size {model_size!r}; "
                        f"choose one of {', '.join(sizes)}",
                        field="model_size",
                    )
                return provider
        if errors and not names:
            raise ProviderUnavailable(f"no speech provider answered ({'; '.join(errors)})")
        raise NotFoundError(
            f"no speech provider serves engine {engine!r}; available: {', '.join(names) or 'none'}",
            field="engine",
        )

    async def join(self, engine: str, model_size: str) -> tuple[SharedDownload, Follower]:
        """Start the provider's download, or join the one running for this model. Waits for
        the provider's first event, so that a refusal (offline hub, unknown model) is an HTTP
        error before any stream starts."""
        provider = await self.find(engine, model_size)
        key = (provider.id, engine, model_size)
        shared = self.shared.get(key)
        if shared is None or shared.done:
            running = self.running[key] = Running(provider.id, engine, model_size)
            events = provider.download_model(engine, model_size)

            async def release() -> None:
                await self.release(running, events)
                if self.shared.get(key) is shared:
                    del self.shared[key]

            shared = self.shared[key] = SharedDownload(
                {"engine": engine, "model_size": model_size},
                events,
                lambda first: self.relay(running, first, events),
                release,
            )
        follower = shared.follow()
        await shared.wait_ready(follower)
        return shared, follower

    def cancel(self, engine: str, model_size: str) -> dict[str, Any]:
        """Cancel a running download for every client following it."""
        found = [s for k, s in self.shared.items() if k[1:] == (engine, model_size)]
        for shared in found:
            shared.cancel()
        return {"engine": engine, "model_size": model_size, "cancelled": bool(found)}

    async def relay(
        self, running: Running, first: DownloadEvent, events: AsyncIterator[DownloadEvent]
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(event, data): `progress`…, then `done` or `error`. Leaving early (the client closed
        its stream) closes the provider's stream, which cancels the download there."""
        ident = {"engine": running.engine, "model_size": running.model_size}
        try:
            event = first
            while not isinstance(event, ModelDownloadDone):
                counts = {
                    "downloaded_bytes": event.downloaded_bytes,
                    "total_bytes": event.total_bytes,
                }
                yield "progress", {**ident, **counts, "message": event.message}
                event = await anext(events)
            yield "done", {**ident, "message": event.message, "packaged": event.packaged}
            log.info("downloaded %s/%s", running.engine, running.model_size)
        except ProviderError as exc:
            yield "error", {**ident, "code": exc.code, "message": exc.message}
        finally:
            await self.release(running, events)

    async def release(self, running: Running, events: AsyncIterator[DownloadEvent]) -> None:
        """Forget the download and close the provider's stream; idempotent. Also run after the
        response, for a client that left before the relay even started."""
        key = (running.provider_id, running.engine, running.model_size)
        if self.running.get(key) is running:
            del self.running[key]
        await _close(events)

    async def delete(self, engine: str, model_size: str) -> dict[str, Any]:
        provider = await self.find(engine, model_size)
        if (provider.id, engine, model_size) in self.running:
            raise ConflictError(
                f"{engine}/{model_size} is downloading; cancel the download first",
                field="model_size",
            )
        result = await provider.delete_model(engine, model_size)
        log.info("deleted %s/%s on %s", engine, model_size, provider.id)
        return result.model_dump(mode="json")


async def _close(events: AsyncIterator[DownloadEvent]) -> None:
    """Close the provider's stream even while this task is being cancelled (a client that
    went away): that is what cancels the download in the provider."""
    aclose = getattr(events, "aclose", None)
    if aclose is None:
        return
    with anyio.CancelScope(shield=True):
        try:
            await aclose()
        except (ProviderError, RuntimeError) as exc:
            log.debug("closing a download stream: %s", exc)
