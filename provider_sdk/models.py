"""Pydantic models for every request and response of the provider spec (v1).

Every model forbids unknown fields, so a misspelt or unsupported parameter is refused with a
422 that names it instead of being silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_TEXT_CHARS = 20_000
"""Longest text one generate request may carry."""

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Largest request body (audio uploads included) a provider accepts."""

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
]


class SpecModel(BaseModel):
    """Base of every spec model: unknown fields are an error, never ignored."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class ErrorBody(SpecModel):
    code: str = Field(description="Stable machine-readable code, e.g. 'unknown_engine'.")
    message: str = Field(description="What was wrong and what to do, for a person.")


class ErrorEnvelope(SpecModel):
    error: ErrorBody


class HealthState(StrEnum):
    healthy = "healthy"
    loading = "loading"
    error = "error"


class HealthResponse(SpecModel):
    status: HealthState
    provider: str
    version: str
    spec_version: str
    model: str | None = Field(default=None, description="Loaded model, 'engine/size'.")
    device: str


class Progress(SpecModel):
    """Progress of a long operation (a model download or load)."""

    stage: Literal["downloading", "loading"]
    engine: str
    model_size: str
    downloaded_bytes: int = 0
    total_bytes: int | None = None
    message: str = ""


class StatusResponse(SpecModel):
    model_loaded: bool
    engine: str | None = None
    model_size: str | None = None
    available_sizes: list[str] = Field(default_factory=list)
    gpu_available: bool = False
    vram_used_mb: float | None = None
    progress: Progress | None = None


class Capabilities(SpecModel):
    clone: bool = False
    preset: bool = False
    design: bool = False
    instruct: bool = False
    streaming: bool = False
    reproducible: bool = False
    """The same seed, text and voice give the same audio; without it `seed` is refused."""


class PresetVoice(SpecModel):
    id: str
    name: str
    language: str | None = None
    description: str = ""


class ModelInfo(SpecModel):
    model_size: str
    display_name: str
    hub_repo_id: str | None = None
    size_mb: int
    languages: list[str]
    sample_rate: int
    capabilities: Capabilities
    preset_voices: list[PresetVoice] = Field(default_factory=list)
    downloaded: bool = False
    managed: bool = Field(
        default=False,
        description="The provider downloads and deletes this model on request "
        "(POST /tts/models/download, /tts/models/delete); false: it ships with the provider.",
    )
    local_dir: str | None = Field(
        default=None,
        description="Where this model's files can be copied by hand (a machine without "
        "internet); the provider picks them up without a restart. None: nothing to copy.",
    )


class EngineInfo(SpecModel):
    name: str
    display_name: str
    description: str = Field(
        default="",
        description="One or two plain sentences for a person choosing an engine: what it is "
        "for and its quality/speed trade-off. Optional; empty when the provider says nothing.",
    )
    default_model_size: str
    models: list[ModelInfo]


class DescribeResponse(SpecModel):
    provider: str
    version: str
    spec_version: str
    engines: list[EngineInfo]


class VoicePrompt(SpecModel):
    """A portable voice prompt: any provider with the same engine and model accepts it."""

    engine: str
    model: str = Field(description="The model size the prompt was made with.")
    format: Literal["safetensors", "npz"]
    data: str = Field(description="Base64 of the serialized prompt tensors.")


class CreateVoicePromptResponse(SpecModel):
    voice_prompt: VoicePrompt
    was_cached: bool


class GenerateRequest(SpecModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
    engine: Identifier | None = Field(default=None, description="Default: the first engine.")
    model_size: Identifier | None = Field(default=None, description="Default: engine default.")
    voice_prompt: VoicePrompt | None = Field(default=None, description="For cloned voices.")
    voice: str | None = Field(default=None, description="Preset voice id, for preset engines.")
    language: str | None = Field(default=None, description="Language code, e.g. 'en'.")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    instruct: str | None = Field(default=None, max_length=2000)


class LoadRequest(SpecModel):
    """Extension: make a model resident ahead of the first generate."""

    engine: Identifier | None = None
    model_size: Identifier | None = None


class GenerateResponse(SpecModel):
    audio: str = Field(description="Base64 of a 16-bit PCM WAV file.")
    sample_rate: int
    duration: float


class ModelRequest(SpecModel):
    """Extension: which model to download or delete (both fields are required)."""

    engine: Identifier
    model_size: Identifier


class ModelDownloadProgress(SpecModel):
    """One NDJSON line of POST /tts/models/download while the files arrive."""

    event: Literal["progress"] = "progress"
    engine: str
    model_size: str
    downloaded_bytes: int = 0
    total_bytes: int | None = None
    message: str = ""


class ModelDownloadDone(SpecModel):
    """The last NDJSON line of a download that succeeded (or had nothing to do)."""

    event: Literal["done"] = "done"
    engine: str
    model_size: str
    downloaded: bool = True
    packaged: bool = Field(
        default=False, description="The model ships with the provider; nothing was downloaded."
    )
    already: bool = Field(default=False, description="The files were on disk already.")
    message: str = ""


class ModelDeleteResponse(SpecModel):
    """Extension: the answer of POST /tts/models/delete."""

    engine: str
    model_size: str
    deleted: bool
    unloaded: bool = Field(default=False, description="The model was resident and was unloaded.")
    downloaded: bool = Field(
        default=False, description="Still available after the delete (e.g. a folder the user set)."
    )
    message: str = ""


@dataclass(frozen=True)
class StreamPiece:
    """One piece of streamed audio as a client receives it: a WAV file of its own."""

    index: int
    sample_rate: int
    wav: bytes
