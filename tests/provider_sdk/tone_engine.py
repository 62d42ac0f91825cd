"""A tiny deterministic engine for testing the SDK in process: it "speaks" a tone whose
pitch comes from the reference clip. Real engines are tested in tests/providers/."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from provider_sdk.engine import (
    AudioArray,
    ModelConfig,
    ModelRegistry,
    ReferenceClip,
    SynthesisRequest,
)
from provider_sdk.models import Capabilities, PresetVoice, VoicePrompt
from provider_sdk.text import split_text

RATE = 16_000

REGISTRY = ModelRegistry.of(
    "tone",
    [
        ModelConfig(
            "tone-clone",
            "Tone clone",
            "tone",
            "clone",
            None,
            1,
            ("en", "de"),
            RATE,
            Capabilities(clone=True, streaming=True, reproducible=True),
        ),
        ModelConfig(
            "tone-preset",
            "Tone preset",
            "tone",
            "preset",
            None,
            1,
            ("en",),
            RATE,
            Capabilities(preset=True, instruct=True),
            preset_voices=(PresetVoice(id="a4", name="A4"),),
        ),
    ],
)


class ToneEngine:
    name = "tone"
    display_name = "Tone"
    description = "A sine tone per word: instant, for tests."
    registry = REGISTRY

    def __init__(self) -> None:
        self.size: str | None = None
        self.load_gate: threading.Event | None = None
        self.load_started = threading.Event()
        self.fail_with: BaseException | None = None
        self.loads = 0

    def load(self, model_size: str) -> None:
        self.load_started.set()
        if self.load_gate is not None:
            self.load_gate.wait(10)
        self.loads += 1
        self.size = model_size

    def unload(self) -> None:
        self.size = None

    def is_loaded(self, model_size: str | None = None) -> bool:
        return self.size is not None and model_size in (None, self.size)

    def loaded_model(self) -> str | None:
        return self.size

    def is_downloaded(self, model_size: str) -> bool:
        return True

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        spectrum = np.abs(np.fft.rfft(clip.audio))
        pitch = float(np.argmax(spectrum) * clip.sample_rate / clip.audio.size)
        buffer = io.BytesIO()
        np.savez(buffer, pitch=np.array([pitch]))
        return VoicePrompt(
            engine=self.name,
            model=model_size,
            format="npz",
            data=base64.b64encode(buffer.getvalue()).decode(),
        )

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        return self.create_voice_prompt(clips[0], model_size)

    def _pitch(self, request: SynthesisRequest) -> float:
        if request.voice_prompt is None:
            return 440.0
        data = np.load(io.BytesIO(base64.b64decode(request.voice_prompt.data)))
        return float(data["pitch"][0])

    def _tone(self, text: str, pitch: float, seed: int | None) -> AudioArray:
        t = np.arange(int(RATE * 0.05 * len(text))) / RATE
        noise = np.random.default_rng(seed).normal(0, 0.01, t.size)
        return (0.5 * np.sin(2 * np.pi * pitch * t) + noise).astype(np.float32)

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        if self.fail_with is not None:
            raise self.fail_with
        return np.concatenate(list(self.stream(request))), RATE

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        pitch = self._pitch(request)
        for index, chunk in enumerate(split_text(request.text, 40)):
            yield self._tone(chunk, pitch, None if request.seed is None else request.seed + index)
