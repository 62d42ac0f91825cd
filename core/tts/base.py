"""The interface the core uses for every provider: local, remote or OpenAI.

The core never talks HTTP to a provider itself; it calls these methods. Errors come out as the
typed errors of `provider_sdk.errors` (a provider that cannot be reached raises
`ProviderUnreachable`)."""

from __future__ import annotations

import abc
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum

from provider_sdk.errors import Conflict
from provider_sdk.models import (
    DescribeResponse,
    GenerateRequest,
    HealthResponse,
    ModelDeleteResponse,
    ModelDownloadDone,
    ModelDownloadProgress,
    StreamPiece,
    VoicePrompt,
)

DownloadEvent = ModelDownloadProgress | ModelDownloadDone


class ProviderState(StrEnum):
    stopped = "stopped"
    starting = "starting"
    ready = "ready"
    busy = "busy"
    stopping = "stopping"
    failed = "failed"


@dataclass
class ReferenceSample:
    """One voice sample as the provider receives it: WAV bytes and its transcript."""

    wav: bytes
    reference_text: str


@dataclass
class Synthesis:
    wav: bytes
    sample_rate: int
    duration: float


@dataclass
class ModelsOverview:
    """What a provider says about its models now: a fresh describe (`downloaded` changes) and
    the resident model as (engine, model_size), when it says."""

    described: DescribeResponse
    loaded: tuple[str, str] | None = None


@dataclass
class ProviderInfo:
    id: str
    kind: str
    state: ProviderState
    error: str | None = None
    engines: list[str] = field(default_factory=list)
    pid: int | None = None
    url: str | None = None


class TTSProvider(abc.ABC):
    """A source of speech. Implementations must be safe to call from one asyncio loop."""

    id: str
    kind: str

    @abc.abstractmethod
    async def start(self) -> None:
        """Make the provider reachable (spawn it, connect to it); idempotent."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Release it (stop a spawned process); idempotent."""

    @abc.abstractmethod
    async def health(self) -> HealthResponse: ...

    @abc.abstractmethod
    async def describe(self) -> DescribeResponse:
        """Engines, models, capabilities and preset voices (cached by implementations)."""

    @abc.abstractmethod
    async def create_voice_prompt(
        self, samples: list[ReferenceSample], engine: str, model_size: str
    ) -> VoicePrompt: ...

    @abc.abstractmethod
    async def generate(self, request: GenerateRequest) -> Synthesis: ...

    async def stream(self, request: GenerateRequest) -> AsyncGenerator[StreamPiece, None]:
        """Audio pieces as the provider makes them (models with `capabilities.streaming`).
        The default: one piece, the whole `generate` answer."""
        result = await self.generate(request)
        yield StreamPiece(0, result.sample_rate, result.wav)

    @abc.abstractmethod
    def info(self) -> ProviderInfo: ...

    # -- model management (spec extension: POST /tts/models/download, /tts/models/delete) --

    async def model_overview(self) -> ModelsOverview:
        """Its models and the resident one. The default: `describe()`, nothing resident."""
        return ModelsOverview(await self.describe())

    def download_model(self, engine: str, model_size: str) -> AsyncIterator[DownloadEvent]:
        """Byte progress events, then one `done`. Closing the iterator early cancels the
        download. Errors (typed, from `provider_sdk.errors`) come on the first `anext` when the
        download cannot start. The default refuses: this provider does not manage models."""
        return refused_download(self._not_managed("download"))

    async def delete_model(self, engine: str, model_size: str) -> ModelDeleteResponse:
        """Delete a downloaded model's files (the provider unloads it first when resident).
        The default refuses: this provider does not manage models."""
        raise self._not_managed("delete")

    def _not_managed(self, verb: str) -> Conflict:
        return Conflict(f"the {self.id} provider cannot {verb} speech models on request")


async def refused_download(error: Exception) -> AsyncIterator[DownloadEvent]:
    """A download that fails with `error` on its first `anext`."""
    raise error
    yield  # an async generator: the error comes on the first `anext`
