"""The running core: settings, database, files, events, transcriber, providers and queue."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from core.audio.files import FileStore
from core.logging import get_logger
from core.services.events import EventBus
from core.services.generation import recover
from core.services.queue import GenerationQueue
from core.services.transcription import Transcriber
from core.services.whisper_models import WhisperModels, models_dir
from core.settings import Settings
from core.store.db import migrate, open_db
from core.tts.base import TTSProvider
from core.tts.routing import ProviderRouter

if TYPE_CHECKING:
    from core.tts.manager import ProviderManager

log = get_logger("core")


def default_providers(settings: Settings) -> tuple[list[TTSProvider], ProviderManager | None]:
    """A fixed remote provider when `provider_url` is set; otherwise the ProviderManager's
    selected provider (local, remote or OpenAI, as chosen in the app)."""
    if settings.provider_url:
        from core.tts.remote_checked import CheckedRemoteProvider

        token = settings.provider_token or os.environ.get("VOICEBOX_PROVIDER_TOKEN", "")
        return [CheckedRemoteProvider("remote", settings.provider_url, token)], None
    from core.tts.manager import ManagerConfig, ProviderManager

    manager = ProviderManager(ManagerConfig.from_settings(settings))
    return [manager.selected], manager


@dataclass
class Core:
    settings: Settings
    db: Engine = field(init=False)
    files: FileStore = field(init=False)
    events: EventBus = field(init=False)
    transcriber: Transcriber = field(init=False)
    whisper_models: WhisperModels = field(init=False)
    providers: ProviderRouter = field(init=False)
    manager: ProviderManager | None = field(init=False, default=None)
    queue: GenerationQueue = field(init=False)

    @classmethod
    def open(cls, settings: Settings, providers: list[TTSProvider] | None = None) -> Core:
        """Open the database (migrating it) and wire the services; no provider starts yet."""
        core = cls(settings)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        core.db = open_db(settings.db_url)
        migrate(core.db)
        core.files = FileStore(Path(settings.data_dir))
        core.events = EventBus()
        core.transcriber = Transcriber(
            settings.whisper_model,
            settings.whisper_threads,
            settings.whisper_idle_s,
            models_dir(settings.data_dir),
        )
        core.whisper_models = WhisperModels(core)
        if providers is None:
            providers, core.manager = default_providers(settings)
        core.providers = ProviderRouter(providers)
        core.queue = GenerationQueue(core)
        return core

    def resume(self) -> None:
        """Crash recovery (call inside the event loop): fail what was running, requeue the rest."""
        swept = self.files.sweep_temp()
        queued = recover(self)
        for gen in queued:
            assert gen.id is not None
            self.queue.enqueue(gen.provider, gen.id)
        log.info(
            "core ready: %d queued generations resumed, %d temp files swept", len(queued), swept
        )

    async def close(self) -> None:
        self.whisper_models.close()
        await self.queue.close()
        await self.transcriber.close()
        await self.providers.stop_all()
        self.db.dispose()
