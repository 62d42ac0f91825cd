"""The one place that wires the core: it opens the database, the file store, the event bus,
the transcriber and the provider, and hands each service what it uses. No service imports this
module; routers reach the services through `core.api.deps`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.audio.files import FileStore
from core.errors import CoreError
from core.logging import get_logger
from core.services.alignment import Aligner
from core.services.events import EventBus
from core.services.generation import Generations, recover
from core.services.history import History
from core.services.planning import Planner
from core.services.presets import Presets
from core.services.profiles import Profiles
from core.services.providers import Providers
from core.services.queue import GenerationQueue
from core.services.speech import Speech
from core.services.stories import Stories
from core.services.stories_dialogue import Dialogues
from core.services.stories_render import StoryRender
from core.services.stories_retake import Retakes
from core.services.transcription import Transcriber
from core.services.tts_models import TtsModels
from core.services.voice_prompts import VoicePrompts
from core.services.whisper_models import WhisperModels, models_dir
from core.settings import Settings
from core.store.db import migrate, open_db
from core.tts.base import TTSProvider

if TYPE_CHECKING:
    from core.tts.manager import ProviderManager

log = get_logger("core")


def default_provider(settings: Settings) -> tuple[TTSProvider, ProviderManager | None]:
    """A fixed remote provider when `provider_url` is set; otherwise the ProviderManager's
    selected provider (local, remote or OpenAI, as chosen in the app)."""
    if settings.provider_url:
        from core.tts.remote_provider import RemoteProvider

        token = settings.provider_token or os.environ.get("VOICEBOX_PROVIDER_TOKEN", "")
        return RemoteProvider("remote", settings.provider_url, token), None
    from core.tts.manager import ManagerConfig, ProviderManager

    manager = ProviderManager(ManagerConfig.from_settings(settings))
    return manager.selected, manager


def active_kind(provider: TTSProvider, manager: ProviderManager | None) -> str:
    """The kind of the provider requests go to now (local, remote or openai)."""
    if manager is None:
        return provider.kind
    try:
        return str(manager.active().kind)
    except CoreError:
        return "local"


@dataclass
class Core:
    """The running core: its resources and the services built on them."""

    settings: Settings
    db: Engine
    files: FileStore
    events: EventBus
    transcriber: Transcriber
    provider: TTSProvider
    manager: ProviderManager | None
    planner: Planner
    providers: Providers | None
    tts_models: TtsModels
    presets: Presets
    aligner: Aligner
    stories: Stories
    story_render: StoryRender
    dialogues: Dialogues
    retakes: Retakes
    """The providers service; None when a fixed `provider_url` replaces the manager."""
    whisper_models: WhisperModels
    voice_prompts: VoicePrompts
    queue: GenerationQueue
    generations: Generations
    history: History
    profiles: Profiles
    speech: Speech

    @classmethod
    def open(cls, settings: Settings, provider: TTSProvider | None = None) -> Core:
        """Open the database (migrating it) and wire the services; no provider starts yet."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = open_db(settings.db_url)
        migrate(db)
        files = FileStore(Path(settings.data_dir))
        events = EventBus()
        transcriber = Transcriber(
            settings.whisper_model,
            settings.whisper_threads,
            settings.whisper_idle_s,
            models_dir(settings.data_dir),
        )
        manager = None
        if provider is None:
            provider, manager = default_provider(settings)
        selected = provider
        planner = Planner(provider, lambda: active_kind(selected, manager))
        voice_prompts = VoicePrompts(db, files)
        aligner = Aligner(db, files, events, transcriber)
        queue = GenerationQueue(
            db,
            files,
            events,
            provider,
            planner,
            voice_prompts,
            on_completed=aligner.completed,  # word timings for every take, in the background
        )
        aligner.watch(queue.pending)
        generations = Generations(events, queue, planner, settings.max_text_chars)
        speech = Speech(db, files, events, generations)
        stories = Stories(db, files)
        return cls(
            settings=settings,
            db=db,
            files=files,
            events=events,
            transcriber=transcriber,
            provider=provider,
            manager=manager,
            planner=planner,
            providers=Providers(manager) if manager is not None else None,
            tts_models=TtsModels(provider, manager, planner, db),
            presets=Presets(files, provider, planner),
            whisper_models=WhisperModels(settings, transcriber),
            voice_prompts=voice_prompts,
            queue=queue,
            generations=generations,
            history=History(files),
            profiles=Profiles(files, transcriber, settings.sample_min_s, settings.sample_max_s),
            speech=speech,
            aligner=aligner,
            stories=stories,
            story_render=StoryRender(db, files, events),
            dialogues=Dialogues(db, files, events, speech, stories),
            retakes=Retakes(db, files, planner, provider, voice_prompts, aligner),
        )

    def resume(self) -> None:
        """Crash recovery (call inside the event loop): fail what was running, requeue the rest."""
        swept = self.files.sweep_temp()
        queued = recover(self.db)
        for gen in queued:
            assert gen.id is not None
            self.queue.enqueue(gen.id)
        log.info(
            "core ready: %d queued generations resumed, %d temp files swept", len(queued), swept
        )

    def session(self) -> Session:
        """A session for callers outside a request (CLI, MCP, Wyoming)."""
        return Session(self.db, expire_on_commit=False)

    async def close(self) -> None:
        self.whisper_models.close()
        await self.aligner.close()
        await self.queue.close()
        await self.transcriber.close()
        await self.provider.stop()
        self.db.dispose()
