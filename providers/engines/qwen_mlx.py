"""Qwen3-TTS on Apple MLX through `mlx-audio` (its `qwen3_tts` port): the mlx flavor's engine.

Fast on Apple Silicon (Metal); elsewhere MLX runs on its CPU backend (`mlx-cpu`), which is how
it is tested on Linux. Same model sizes, languages, presets and capabilities as the PyTorch
engine (`providers.engines.qwen_registry`), with MLX conversions of the checkpoints
(`mlx-community/Qwen3-TTS-12Hz-*-bf16`). Models come from the same places
(`VOICEBOX_QWEN_MODEL_DIR/<repo name>`, the data dir, or a hub download; see qwen_download).

Voice prompts: mlx-audio computes the reference codes and speaker embedding inside each
generate call from the reference audio (it has no API taking precomputed ones), so a
`qwen-mlx` prompt carries the prepared reference clip (24 kHz, normalized, at most 30 s,
float16) and its transcript in a safetensors blob. It is portable between mlx providers and
refused (409) by the PyTorch `qwen` engine, whose prompts hold codes and an x-vector instead.

mlx and mlx_audio are imported inside the methods only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import secrets
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from provider_sdk.audio import join_chunks, trim_trailing_silence
from provider_sdk.engine import (
    AudioArray,
    ModelRegistry,
    ReferenceClip,
    SynthesisRequest,
)
from provider_sdk.errors import (
    CannotClone,
    InvalidRequest,
    ModelLoading,
    Unprocessable,
    VoicePromptMismatch,
)
from provider_sdk.models import VoicePrompt
from provider_sdk.text import split_text
from providers.engines.qwen import MAX_CHUNK_CHARS, check_request
from providers.engines.qwen_download import FetchedModels, ModelFetcher
from providers.engines.qwen_mlx_layout import MLX_LAYOUT_MARKER
from providers.engines.qwen_prompts import blob_metadata, combine_clips, prepare_clip
from providers.engines.qwen_registry import CONFIGS, KIND_BY_SIZE, SAMPLE_RATE, qwen_language

ENGINE = "qwen-mlx"
STREAM_INTERVAL_S = 0.5
"""Seconds of audio per streamed piece within a sentence (mlx-audio decodes partial codes)."""

REGISTRY = ModelRegistry.of(
    ENGINE,
    [
        replace(
            config,
            engine=ENGINE,
            name=f"{config.name}-mlx",
            hub_repo_id=f"mlx-community/{config.name}-bf16",
            display_name=f"{config.display_name} [MLX]",
        )
        for config in CONFIGS
    ],
)


@contextlib.contextmanager
def _trusted_mlx_layout(folder: Path) -> Iterator[None]:
    """For folders flagged by `qwen_random.convert_for_mlx`, skip mlx-audio's guess of the
    conv weight layout (`check_array_shape_qwen3` decides from shapes alone and is wrong for
    small channel counts): those weights are stored in MLX layout already."""
    if not (folder / MLX_LAYOUT_MARKER).is_file():
        yield
        return
    from mlx_audio.tts.models.qwen3_tts import qwen3_tts

    original = qwen3_tts.check_array_shape_qwen3
    qwen3_tts.check_array_shape_qwen3 = lambda arr: True
    try:
        yield
    finally:
        qwen3_tts.check_array_shape_qwen3 = original


class QwenMlxEngine(FetchedModels):
    """Qwen3-TTS on MLX; see the module docstring."""

    name = ENGINE
    display_name = "Qwen3-TTS (MLX)"
    description = (
        "Qwen3-TTS on Apple Silicon: voice cloning, preset speakers and voice design in ten "
        "languages, the best quality here, accelerated by the Mac's GPU."
    )
    registry = REGISTRY

    def __init__(self, data_dir: Path, *, max_chunk_chars: int = MAX_CHUNK_CHARS) -> None:
        self.data_dir = Path(data_dir)
        self.max_chunk_chars = max_chunk_chars
        self._model: Any = None
        self._size: str | None = None
        self._fetcher = ModelFetcher(ENGINE, self.data_dir)

    def load(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            return
        self.unload()
        folder = self._fetcher.folder(config.model_size, config.hub_repo_id)
        from mlx_audio.tts.utils import load

        # mlx-audio prints progress on stdout, which carries the provider's handshake.
        with _trusted_mlx_layout(folder), contextlib.redirect_stdout(sys.stderr):
            model = load(str(folder))
        kind = getattr(model.config, "tts_model_type", "base")
        if kind != KIND_BY_SIZE[config.model_size]:
            raise Unprocessable(f"{folder} holds a {kind} model, not {config.model_size}")
        self._model, self._size = model, config.model_size

    def unload(self) -> None:
        if self._model is None:
            return
        self._model, self._size = None, None
        import gc

        import mlx.core as mx

        gc.collect()
        mx.clear_cache()

    def is_loaded(self, model_size: str | None = None) -> bool:
        return self._size is not None and (model_size is None or self._size == model_size)

    def loaded_model(self) -> str | None:
        return self._size

    def is_downloaded(self, model_size: str) -> bool:
        return self._fetcher.has(self.registry.get(model_size).hub_repo_id)

    # -- voice prompts: the prepared reference clip itself ----------------------------------

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        return self._encode(prepare_clip(clip, SAMPLE_RATE), model_size)

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        return self._encode(combine_clips(clips, SAMPLE_RATE), model_size)

    def _encode(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        if not self.registry.get(model_size).capabilities.clone:
            raise CannotClone(f"{ENGINE}/{model_size} cannot clone voices; use 0.6B or 1.7B")
        from safetensors.numpy import save

        metadata = {"engine": ENGINE, "model": model_size, "ref_text": clip.text or ""}
        blob = save({"ref_audio": clip.audio.astype(np.float16)}, metadata=metadata)
        return VoicePrompt(
            engine=ENGINE,
            model=model_size,
            format="safetensors",
            data=base64.b64encode(blob).decode(),
        )

    def _decode(self, prompt: VoicePrompt, model_size: str) -> tuple[AudioArray, str | None]:
        if prompt.engine != ENGINE or prompt.model != model_size:
            raise VoicePromptMismatch(
                f"voice_prompt was made by {prompt.engine}/{prompt.model} but this request uses "
                f"{ENGINE}/{model_size}; create a new voice prompt with {ENGINE}/{model_size}"
            )
        from safetensors import SafetensorError
        from safetensors.numpy import load

        try:
            blob = base64.b64decode(prompt.data, validate=True)
            audio = load(blob)["ref_audio"].astype(np.float32)
            meta = blob_metadata(blob)
        except (binascii.Error, SafetensorError, KeyError, ValueError) as exc:
            raise InvalidRequest(
                f"voice_prompt.data is not a {ENGINE} voice prompt ({exc}); create it again"
            ) from None
        if meta.get("engine") != ENGINE or meta.get("model") != model_size:
            raise VoicePromptMismatch(
                f"voice_prompt's data belongs to {meta.get('engine')}/"
                f"{meta.get('model')}, not {ENGINE}/{model_size}"
            )
        return audio, meta.get("ref_text") or None

    # -- synthesis --------------------------------------------------------------------------

    def _resident(self, model_size: str) -> Any:
        if self._size != model_size or self._model is None:
            raise ModelLoading(f"{ENGINE}/{model_size} is not loaded; load it first")
        return self._model

    def _pieces(
        self, request: SynthesisRequest, *, stream: bool
    ) -> Iterator[tuple[int, AudioArray]]:
        """(chunk index, audio) for each piece mlx-audio yields; chunk i is seeded seed + i."""
        config = check_request(self.registry.get(request.model_size), request)
        model = self._resident(request.model_size)
        import mlx.core as mx

        kwargs: dict[str, Any] = {"lang_code": qwen_language(request.language)}
        kind = KIND_BY_SIZE[config.model_size]
        if kind == "base":
            assert request.voice_prompt is not None
            audio, text = self._decode(request.voice_prompt, config.model_size)
            kwargs.update(ref_audio=mx.array(audio), ref_text=text)
        elif kind == "custom_voice":
            kwargs.update(
                voice=request.voice or config.preset_voices[0].id, instruct=request.instruct or None
            )
        else:
            kwargs.update(instruct=request.instruct)
        chunks = split_text(request.text, self.max_chunk_chars)
        if not chunks:
            raise Unprocessable("text has nothing to speak; send some words")
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        for index, chunk in enumerate(chunks):
            mx.random.seed(seed + index)
            # split_pattern="": we split the text ourselves (sentence, then clause).
            results = model.generate(
                text=chunk,
                split_pattern="",
                stream=stream,
                streaming_interval=STREAM_INTERVAL_S,
                **kwargs,
            )
            for result in results:
                yield index, np.asarray(result.audio, dtype=np.float32).reshape(-1)

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        chunks: dict[int, list[AudioArray]] = {}
        for index, piece in self._pieces(request, stream=False):
            chunks.setdefault(index, []).append(piece)
        audio = [trim_trailing_silence(np.concatenate(p), SAMPLE_RATE) for p in chunks.values()]
        return join_chunks(audio, SAMPLE_RATE), SAMPLE_RATE

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        """Several pieces per sentence (every STREAM_INTERVAL_S of audio, decoded from partial
        codes by mlx-audio), with the same pause between sentences as `generate`."""
        check_request(self.registry.get(request.model_size), request)
        return self._stream(request)

    def _stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        gap = np.zeros(int(SAMPLE_RATE * 0.08), dtype=np.float32)
        current = 0
        for index, piece in self._pieces(request, stream=True):
            if index != current:
                current = index
                piece = np.concatenate([gap, piece])
            yield piece


def create_engine(data_dir: Path) -> QwenMlxEngine:
    """Catalog factory: the engine keeping its models under `data_dir`."""
    return QwenMlxEngine(data_dir)
