"""The engine protocol every TTS engine satisfies, and the model-config registry.

An engine is plain synchronous Python: the provider server calls it from a worker thread, one
call at a time. Heavy libraries (torch, onnxruntime, mlx) are imported inside `load`, never at
module import, so `--version --json` and `describe` stay instant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from provider_sdk.errors import UnknownModel
from provider_sdk.models import Capabilities, ModelInfo, PresetVoice, Progress, VoicePrompt

AudioArray = npt.NDArray[np.float32]
ProgressCallback = Callable[[Progress], None]
"""Called from the downloading thread with the bytes so far (stage `downloading`)."""


@dataclass(frozen=True)
class ModelConfig:
    """One model an engine can run; the registry entry that drives dispatch."""

    name: str
    display_name: str
    engine: str
    model_size: str
    hub_repo_id: str | None
    size_mb: int
    languages: tuple[str, ...]
    sample_rate: int
    capabilities: Capabilities
    needs_trim: bool = False
    preset_voices: tuple[PresetVoice, ...] = ()
    packaged: bool = False
    """Ships with the provider (installed with it): never downloaded or deleted, even by an
    engine that manages its other models."""

    def info(
        self, *, downloaded: bool, managed: bool = False, local_dir: str | None = None
    ) -> ModelInfo:
        return ModelInfo(
            model_size=self.model_size,
            display_name=self.display_name,
            hub_repo_id=self.hub_repo_id,
            size_mb=self.size_mb,
            languages=list(self.languages),
            sample_rate=self.sample_rate,
            capabilities=self.capabilities,
            preset_voices=list(self.preset_voices),
            downloaded=downloaded,
            managed=managed,
            local_dir=local_dir,
        )


@dataclass
class ModelRegistry:
    """Model configs of one engine, keyed by model size, in declaration order."""

    engine: str
    configs: dict[str, ModelConfig] = field(default_factory=dict)

    @classmethod
    def of(cls, engine: str, configs: Iterable[ModelConfig]) -> ModelRegistry:
        registry = cls(engine)
        for config in configs:
            registry.register(config)
        return registry

    def register(self, config: ModelConfig) -> None:
        if config.engine != self.engine:
            raise ValueError(f"{config.name} belongs to engine {config.engine}, not {self.engine}")
        if config.model_size in self.configs:
            raise ValueError(f"duplicate model size {config.model_size!r} for {self.engine}")
        self.configs[config.model_size] = config

    @property
    def sizes(self) -> list[str]:
        return list(self.configs)

    @property
    def default(self) -> ModelConfig:
        return next(iter(self.configs.values()))

    def get(self, model_size: str | None) -> ModelConfig:
        if model_size is None:
            return self.default
        try:
            return self.configs[model_size]
        except KeyError:
            raise UnknownModel(
                f"engine {self.engine!r} has no model size {model_size!r}; "
                f"available: {', '.join(self.sizes)}"
            ) from None


@dataclass(frozen=True)
class ReferenceClip:
    """One reference recording for cloning: mono float32 samples, their rate, a transcript."""

    audio: AudioArray
    sample_rate: int
    text: str | None


@dataclass(frozen=True)
class SynthesisRequest:
    """What an engine is asked to speak; already validated against the spec's limits."""

    text: str
    model_size: str
    voice_prompt: VoicePrompt | None = None
    voice: str | None = None
    language: str | None = None
    seed: int | None = None
    instruct: str | None = None


@runtime_checkable
class Engine(Protocol):
    """What the provider server needs from an engine. It may also set `description` (one or
    two plain sentences: what it is for, its quality/speed trade-off), shown in describe();
    an engine without it is described with an empty one."""

    name: str
    display_name: str
    registry: ModelRegistry

    def load(self, model_size: str) -> None:
        """Make `model_size` resident (downloading it if needed); unload any other model."""

    def unload(self) -> None:
        """Free the resident model and its memory; a no-op when none is loaded."""

    def is_loaded(self, model_size: str | None = None) -> bool:
        """Whether a model (that model, when given) is resident right now."""

    def loaded_model(self) -> str | None:
        """The resident model size, or None."""

    def is_downloaded(self, model_size: str) -> bool:
        """Whether the model's files are on disk (always True for packaged models)."""

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        """A portable prompt from one clip; raises CannotClone on preset-only engines."""

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        """One prompt from several clips of the same voice."""

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        """Synthesize the whole text: mono float32 samples in [-1, 1] and their rate."""


@runtime_checkable
class StreamingEngine(Engine, Protocol):
    """An engine that can yield audio progressively (advertised as capability `streaming`)."""

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        """Yield successive pieces of mono float32 audio at the model's sample rate."""


@runtime_checkable
class ManagedModels(Protocol):
    """Optional: an engine whose models are downloaded into the provider's data dir and can be
    fetched ahead of time and deleted (served as POST /tts/models/download and /delete).

    Engines without it have packaged models: a download is a no-op, a delete is refused.
    Both methods are blocking and run in a worker thread; the server never calls `delete` on a
    resident model (it unloads it first)."""

    def download(
        self, model_size: str, progress: ProgressCallback, cancel: threading.Event
    ) -> None:
        """Fetch the model's files (resuming partial ones), calling `progress` at least every
        second; stop with `DownloadCancelled` soon after `cancel` is set; `DownloadRunning`
        when a download is already running; `ModelUnavailable` when they cannot be had."""

    def delete(self, model_size: str) -> None:
        """Remove the model's folder under the provider's data dir, and nothing else.
        `ModelNotDownloaded` when there is none; `Conflict` when it is downloading or lives in
        a folder the user manages."""
