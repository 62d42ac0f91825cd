"""What routers depend on: the request's database session, the services (built once in
`core.services.context`), row ids, bounded uploads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request, UploadFile
from sqlmodel import Session

from core.api.schemas import MAX_ID
from core.audio.files import FileStore
from core.errors import ProviderUnavailable, TooLarge
from core.services.alignment import Aligner
from core.services.context import Core
from core.services.events import EventBus
from core.services.generation import Generations
from core.services.history import History
from core.services.planning import Planner
from core.services.presets import Presets
from core.services.profiles import Profiles
from core.services.providers import Providers
from core.services.speech import Speech
from core.services.stories import Stories
from core.services.stories_dialogue import Dialogues
from core.services.stories_render import StoryRender
from core.services.stories_retake import Retakes
from core.services.transcription import Transcriber
from core.services.tts_models import TtsModels
from core.services.whisper_models import WhisperModels
from core.settings import Settings
from core.tts.base import TTSProvider

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id (1 to 2^63-1)")]
"""Every integer id in a path: one beyond the database's 64-bit range is a 422, never a 500."""


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


CoreDep = Annotated[Core, Depends(get_core)]


def get_session(core: CoreDep) -> Iterator[Session]:
    """The request's one database session (closed when the response has been sent)."""
    with Session(core.db, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_settings(core: CoreDep) -> Settings:
    return core.settings


def get_files(core: CoreDep) -> FileStore:
    return core.files


def get_events(core: CoreDep) -> EventBus:
    return core.events


def get_provider(core: CoreDep) -> TTSProvider:
    return core.provider


def get_transcriber(core: CoreDep) -> Transcriber:
    return core.transcriber


def get_generations(core: CoreDep) -> Generations:
    return core.generations


def get_history(core: CoreDep) -> History:
    return core.history


def get_planner(core: CoreDep) -> Planner:
    return core.planner


def get_providers(core: CoreDep) -> Providers:
    """The providers service; only a core that manages its providers (no fixed
    `provider_url`) has one."""
    if core.providers is None:
        raise ProviderUnavailable("the provider manager is not running")
    return core.providers


def get_tts_models(core: CoreDep) -> TtsModels:
    return core.tts_models


def get_presets(core: CoreDep) -> Presets:
    return core.presets


def get_profiles(core: CoreDep) -> Profiles:
    return core.profiles


def get_speech(core: CoreDep) -> Speech:
    return core.speech


def get_stories(core: CoreDep) -> Stories:
    return core.stories


def get_story_render(core: CoreDep) -> StoryRender:
    return core.story_render


def get_aligner(core: CoreDep) -> Aligner:
    return core.aligner


def get_retakes(core: CoreDep) -> Retakes:
    return core.retakes


def get_dialogues(core: CoreDep) -> Dialogues:
    return core.dialogues


def get_whisper_models(core: CoreDep) -> WhisperModels:
    return core.whisper_models


SettingsDep = Annotated[Settings, Depends(get_settings)]
FilesDep = Annotated[FileStore, Depends(get_files)]
EventsDep = Annotated[EventBus, Depends(get_events)]
ProviderDep = Annotated[TTSProvider, Depends(get_provider)]
TranscriberDep = Annotated[Transcriber, Depends(get_transcriber)]
GenerationsDep = Annotated[Generations, Depends(get_generations)]
HistoryDep = Annotated[History, Depends(get_history)]
PlannerDep = Annotated[Planner, Depends(get_planner)]
ProvidersDep = Annotated[Providers, Depends(get_providers)]
TtsModelsDep = Annotated[TtsModels, Depends(get_tts_models)]
PresetsDep = Annotated[Presets, Depends(get_presets)]
StoriesDep = Annotated[Stories, Depends(get_stories)]
StoryRenderDep = Annotated[StoryRender, Depends(get_story_render)]
AlignerDep = Annotated[Aligner, Depends(get_aligner)]
RetakesDep = Annotated[Retakes, Depends(get_retakes)]
DialoguesDep = Annotated[Dialogues, Depends(get_dialogues)]
ProfilesDep = Annotated[Profiles, Depends(get_profiles)]
SpeechDep = Annotated[Speech, Depends(get_speech)]
WhisperModelsDep = Annotated[WhisperModels, Depends(get_whisper_models)]


async def read_upload(settings: Settings, upload: UploadFile) -> bytes:
    limit = settings.max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            f"the upload is larger than {settings.max_upload_mb:g} MB; send a shorter clip",
            field="file",
        )
    return data
