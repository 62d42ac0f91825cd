"""Response shapes of the routes the UI uses most, declared in the OpenAPI schema so the UI's
generated types follow the core. Routes name them in `responses={200: ...}` (documentation
only: the handlers keep returning plain dicts, so no per-response validation cost); a test
validates real responses against these models, so they cannot drift."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from core.store.models import GenerationStatus, VoiceType
from provider_sdk.models import Capabilities, EngineInfo


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileOut(Out):
    id: int
    name: str
    description: str
    voice_type: VoiceType
    language: str
    preset_engine: str | None
    preset_voice: str | None
    default_engine: str | None
    created_at: datetime
    updated_at: datetime
    sample_count: int


class SampleOut(Out):
    id: int
    profile_id: int
    original_format: str
    reference_text: str
    duration: float
    sample_rate: int
    content_hash: str
    created_at: datetime
    audio_url: str


class GenerationOut(Out):
    id: int
    profile_id: int | None
    profile_name: str
    text: str
    language: str
    seed: int | None
    engine: str | None
    model_size: str | None
    provider: str
    source: str
    """Where the request came from: app, api, cli, mcp, wyoming or story."""
    instruct: str | None
    normalize: bool
    status: GenerationStatus
    error: str | None
    error_code: str | None
    group_id: str | None
    favourite: bool
    audio_url: str | None
    duration: float | None
    sample_rate: int | None
    version_count: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    queue_wait_ms: float | None
    prompt_ms: float | None
    synth_ms: float | None
    rtf: float | None
    retryable: bool
    """Whether a retry may succeed (false: the request itself is wrong for the model)."""


class GenerateOut(Out):
    group_id: str | None
    generations: list[GenerationOut]


class HistoryPage(Out):
    items: list[GenerationOut]
    total: int
    limit: int
    offset: int


class DescribedEngine(EngineInfo):
    provider: str
    """The provider that serves this engine."""


class DescribeOut(Out):
    provider: str | None
    """The active provider (resolved: Auto shows the local provider it stands for)."""
    engines: list[DescribedEngine]


class HealthOut(Out):
    status: str
    version: str
    data_dir: str
    queue: int
    transcriber_loaded: bool
    providers: list[dict[str, Any]]


def doc(model: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route whose `status` body is `model` (a model or `list[model]`)."""
    return {status: {"model": model, "description": "OK"}}


class WhisperModelOut(Out):
    name: str
    repo_id: str
    size_mb: int
    languages: str
    packaged: bool
    downloaded: bool
    downloading: bool
    active: bool


class WhisperModelList(Out):
    models: list[WhisperModelOut]
    active: str
    models_dir: str


class MeasuredSpeed(Out):
    rtf: float
    """The median real-time factor of the model's latest completed takes (at most 20):
    seconds of synthesis per second of audio, below 1 is faster than real time."""
    takes: int
    """How many takes the median is drawn from."""


class TtsModelOut(Out):
    model_size: str
    display_name: str
    size_mb: int
    languages: list[str]
    availability: Literal["downloadable", "packaged", "hosted"]
    """downloadable: the provider downloads and deletes it; packaged: it ships with the
    provider (never deleted); hosted: it runs on the provider's servers (OpenAI)."""
    downloaded: bool
    loaded: bool
    downloading: bool
    capabilities: Capabilities
    local_dir: str | None
    """Where the model's files can be copied by hand (a machine without internet); picked up
    without a restart. None: nothing to copy."""
    speed: MeasuredSpeed | None
    """How fast it has been on this machine; null until a generation with it has completed."""


class TtsEngineModels(Out):
    provider: str
    provider_kind: str
    name: str
    display_name: str
    description: str
    """What the engine is for (the provider's own words); empty when it says nothing."""
    default_model_size: str
    models: list[TtsModelOut]


class ModelRef(Out):
    engine: str
    model_size: str
    display_name: str
    size_mb: int
    downloaded: bool
    downloading: bool


class ForVoiceType(Out):
    """Per voice type, the model a new voice of that type uses by default on the active
    provider; null when it has none."""

    cloned: ModelRef | None
    designed: ModelRef | None
    preset: ModelRef | None


class UnavailableVoiceTypes(Out):
    """Per voice type, why the active provider cannot serve it (null when it can)."""

    cloned: str | None
    designed: str | None
    preset: str | None


class TtsModelList(Out):
    provider: str | None
    """The active provider (resolved), when the core manages providers."""
    engines: list[TtsEngineModels]
    for_voice_type: ForVoiceType
    unavailable: UnavailableVoiceTypes


class TtsDownloadCancelled(Out):
    engine: str
    model_size: str
    cancelled: bool


class TtsModelDeleted(Out):
    engine: str
    model_size: str
    deleted: bool
    unloaded: bool
    downloaded: bool
    message: str
