"""Qwen3-TTS on PyTorch through the `qwen-tts` package: voice cloning (Base), nine preset
speakers with style instructions (CustomVoice) and voices from a description (VoiceDesign).

Module map (each small; only this one is imported by the catalog, and it imports nothing
heavy at module level, so `--version --json` stays instant):

- qwen_registry: model sizes, hub repos, languages, preset speakers, capabilities
- qwen_download: local folder / data dir / hub download with progress, fast offline errors
- qwen_runtime:  device, dtype and attention choice; loading; freeing memory
- qwen_prompts:  portable voice prompts (safetensors), reference clip preparation
- qwen_fast, qwen_fast_loop: the decode loop (static KV caches, no per-frame `generate`)
- qwen_stream:   codes to audio, whole or in pieces while the loop runs (sliding window)
- qwen_compat:   the torchaudio/sox stand-ins that let `import qwen_tts` work
- qwen_random:   random-weight model folders for tests and the benchmark
- qwen_mlx, qwen_mlx_layout: the same models on Apple MLX through mlx-audio (mlx flavor)

Model folders: `$VOICEBOX_QWEN_MODEL_DIR/<repo name>` (air-gapped machines: copy the hub
repo's files there), else `<data dir>/<repo name>`, downloaded on first load.
Devices: `VOICEBOX_QWEN_DEVICE` overrides the automatic CUDA > MPS > CPU choice.

Long text is split at sentences, then clauses (`max_chunk_chars`); chunk i uses seed + i, and
chunks are joined with faded edges and a short pause. The same seed, text and prompt give
identical audio on the CPU.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from provider_sdk.audio import join_chunks, trim_trailing_silence
from provider_sdk.engine import (
    AudioArray,
    ModelConfig,
    ReferenceClip,
    SynthesisRequest,
)
from provider_sdk.errors import (
    CannotClone,
    ModelLoading,
    Unprocessable,
    UnsupportedParameter,
)
from provider_sdk.models import VoicePrompt
from provider_sdk.text import split_text
from providers.engines.qwen_download import FetchedModels, ModelFetcher
from providers.engines.qwen_prompts import (
    PromptData,
    check_embedding_size,
    combine_clips,
    decode_prompt,
    encode_prompt,
    prepare_clip,
)
from providers.engines.qwen_registry import (
    ENGINE,
    KIND_BY_SIZE,
    REGISTRY,
    SAMPLE_RATE,
    qwen_language,
)

log = logging.getLogger(__name__)

MAX_CHUNK_CHARS = 200
"""Longest text the model speaks in one generation; longer sentences split at clauses."""
FADE_MS = 10.0
GAP_MS = 80.0
"""Fade at chunk edges and pause between chunks: provider_sdk.audio.join_chunks' defaults."""


def check_request(config: ModelConfig, request: SynthesisRequest) -> ModelConfig:
    """Refuse what `config`'s model cannot honour. The server checks too; engines used directly
    (and the MLX engine, which shares this) get the same answers."""
    caps, name = config.capabilities, f"{config.engine}/{config.model_size}"
    if request.instruct and not (caps.instruct or caps.design):
        raise UnsupportedParameter(
            f"{name} does not take 'instruct'; remove it, or use 1.7B-CustomVoice (style) or "
            "1.7B-VoiceDesign (a voice from a description)"
        )
    if request.voice_prompt is not None and not caps.clone:
        raise CannotClone(f"{name} cannot clone; remove voice_prompt or use 0.6B or 1.7B")
    if request.voice is not None and not caps.preset:
        raise UnsupportedParameter(f"{name} has no preset voices; remove 'voice'")
    if caps.clone and request.voice_prompt is None:
        raise Unprocessable(
            f"{name} needs a voice_prompt; create one with POST /tts/create_voice_prompt"
        )
    if caps.design and not request.instruct:
        raise Unprocessable(f"{name} designs a voice from a description: put it in 'instruct'")
    if request.voice is not None:
        ids = [v.id for v in config.preset_voices]
        if request.voice.lower() not in ids:
            raise Unprocessable(f"voice {request.voice!r} is not a preset of {name}: {ids}")
    return config


class QwenEngine(FetchedModels):
    """The Qwen3-TTS engine (PyTorch); see the module docstring."""

    name = ENGINE
    display_name = "Qwen3-TTS"
    description = (
        "Voice cloning, nine preset speakers and voice design in ten languages: the best "
        "quality here, but large and slow without a GPU."
    )
    registry = REGISTRY

    def __init__(self, data_dir: Path, *, max_chunk_chars: int = MAX_CHUNK_CHARS) -> None:
        self.data_dir = Path(data_dir)
        self.max_chunk_chars = max_chunk_chars
        self._model: Any = None
        self._size: str | None = None
        self._placement: Any = None
        self._fetcher = ModelFetcher(ENGINE, self.data_dir)
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def load(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            return
        self.unload()
        folder = self.model_folder(config)
        from providers.engines.qwen_runtime import choose_placement, load_model

        self._placement = choose_placement()
        model = load_model(folder, self._placement)
        kind = KIND_BY_SIZE[config.model_size]
        if model.model.tts_model_type != kind:
            raise Unprocessable(
                f"the folder {folder} holds a {model.model.tts_model_type} model, but "
                f"{ENGINE}/{config.model_size} is a {kind} model; fix the folder's contents"
            )
        self._model, self._size = model, config.model_size

    def model_folder(self, config: ModelConfig) -> Path:
        """The model's folder on disk, downloading it first when needed."""
        return self._fetcher.folder(config.model_size, config.hub_repo_id)

    def unload(self) -> None:
        if self._model is None:
            return
        self._model, self._size = None, None
        from providers.engines.qwen_runtime import free_memory

        free_memory()

    def is_loaded(self, model_size: str | None = None) -> bool:
        return self._size is not None and (model_size is None or self._size == model_size)

    def loaded_model(self) -> str | None:
        return self._size

    def is_downloaded(self, model_size: str) -> bool:
        return self._fetcher.has(self.registry.get(model_size).hub_repo_id)

    def _resident(self, model_size: str) -> Any:
        if self._size != model_size or self._model is None:
            raise ModelLoading(f"{ENGINE}/{model_size} is not loaded; load it first")
        return self._model

    # -- voice prompts ---------------------------------------------------------------------

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        return self._prompt_from(prepare_clip(clip, SAMPLE_RATE), model_size)

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        return self._prompt_from(combine_clips(clips, SAMPLE_RATE), model_size)

    def _prompt_from(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        config = self.registry.get(model_size)
        if not config.capabilities.clone:
            raise CannotClone(
                f"{ENGINE}/{model_size} cannot clone voices; use model size 0.6B or 1.7B "
                "(Base), or pick a preset voice"
            )
        model = self._resident(model_size)
        import torch

        with self._lock, torch.inference_mode():
            # Upstream workaround: hand qwen_tts float32 at 24 kHz. Otherwise it resamples with
            # librosa, which can return float64, and `extract_speaker_embedding` builds float64
            # mels from it that clash with float32/bf16 weights.
            # x-vector-only mode when there is no transcript; in-context mode otherwise.
            items = model.create_voice_clone_prompt(
                ref_audio=(clip.audio, clip.sample_rate),
                ref_text=clip.text,
                x_vector_only_mode=clip.text is None,
            )
        item = items[0]
        code = None if item.ref_code is None else item.ref_code.detach().cpu().numpy()
        data = PromptData(
            speaker_embedding=item.ref_spk_embedding.detach().float().cpu().numpy(),
            ref_code=None if code is None else code.astype(np.int64),
            ref_text=clip.text,
        )
        return encode_prompt(ENGINE, model_size, data)

    def _clone_items(self, prompt: VoicePrompt, model_size: str) -> list[Any]:
        model = self._resident(model_size)
        data = decode_prompt(prompt, ENGINE, model_size)
        check_embedding_size(
            data, int(model.model.config.talker_config.hidden_size), ENGINE, model_size
        )
        import torch

        from providers.engines.qwen_compat import import_qwen_tts

        item_cls = import_qwen_tts().VoiceClonePromptItem
        device = model.device
        code = None if data.ref_code is None else torch.from_numpy(data.ref_code).to(device)
        embedding = torch.from_numpy(data.speaker_embedding).to(
            device=device, dtype=model.model.dtype
        )
        return [
            item_cls(
                ref_code=code,
                ref_spk_embedding=embedding,
                x_vector_only_mode=code is None,
                icl_mode=code is not None,
                ref_text=data.ref_text,
            )
        ]

    # -- synthesis -------------------------------------------------------------------------

    def _check(self, request: SynthesisRequest) -> ModelConfig:
        return check_request(self.registry.get(request.model_size), request)

    def _chunk_call(self, request: SynthesisRequest) -> tuple[Callable[[str], Any], Any]:
        """A function text -> qwen_tts (wavs, rate) for the request's model kind, and the
        reference codes an in-context clone prepends (None otherwise)."""
        model = self._resident(request.model_size)
        kind = KIND_BY_SIZE[request.model_size]
        language = qwen_language(request.language)
        if kind == "base":
            assert request.voice_prompt is not None
            items = self._clone_items(request.voice_prompt, request.model_size)
            return (
                lambda text: model.generate_voice_clone(
                    text=text, language=language, voice_clone_prompt=items
                ),
                items[0].ref_code,
            )
        if kind == "custom_voice":
            speaker = request.voice or self.registry.get(request.model_size).preset_voices[0].id
            return (
                lambda text: model.generate_custom_voice(
                    text=text, speaker=speaker, language=language, instruct=request.instruct
                ),
                None,
            )
        return (
            lambda text: model.generate_voice_design(
                text=text, instruct=request.instruct or "", language=language
            ),
            None,
        )

    def _chunks(self, request: SynthesisRequest) -> tuple[list[str], int]:
        chunks = split_text(request.text, self.max_chunk_chars)
        if not chunks:
            raise Unprocessable("text has nothing to speak; send some words")
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        return chunks, seed

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        """The whole text: chunk i generated with seed + i, trimmed, joined with fades."""
        config = self._check(request)
        chunks, seed = self._chunks(request)
        call, ref_code = self._chunk_call(request)
        import torch

        from providers.engines.qwen_stream import decode_whole

        pieces = []
        for index, chunk in enumerate(chunks):
            frames, guard = self._frames(call, chunk, seed + index)
            with guard, torch.inference_mode():
                audio = decode_whole(self._model, torch.stack(list(frames)), ref_code)
            if config.needs_trim:
                audio = trim_trailing_silence(audio, SAMPLE_RATE)
            pieces.append(audio)
        return join_chunks(pieces, SAMPLE_RATE), SAMPLE_RATE

    def _frames(
        self, call: Callable[[str], Any], chunk: str, seed: int
    ) -> tuple[Iterator[Any], AbstractContextManager[Any]]:
        """The chunk's frames (prompt captured under the lock), and what to hold while reading
        them: the lock for the engine's own loop, nothing for the shared batch
        (`VOICEBOX_QWEN_BATCH`), whose thread steps every request's frames together."""
        import torch

        from providers.engines.qwen_fast_loop import run_codes
        from providers.engines.qwen_fast_serve import batch_slots
        from providers.engines.qwen_runtime import seed_everything

        with self._lock, torch.inference_mode():
            seed_everything(seed)
            frames = run_codes(self._model, partial(call, chunk), seed)
        return frames, (nullcontext() if batch_slots() else self._lock)

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        """Pieces as the codes come (qwen_stream): the first after FIRST_FRAMES frames, then
        about every second, so every sentence gives at least one piece. Same seeds, fades and
        pauses as `generate`; trailing silence is not trimmed (pieces are sent before the end
        of a sentence is known)."""
        self._check(request)
        chunks, seed = self._chunks(request)
        call, ref_code = self._chunk_call(request)
        return self._stream(chunks, seed, call, ref_code)

    def _stream(
        self, chunks: list[str], seed: int, call: Callable[[str], Any], ref_code: Any
    ) -> Iterator[AudioArray]:
        import torch

        from providers.engines.qwen_stream import stream_chunk

        model = self._model
        fade = int(SAMPLE_RATE * FADE_MS / 1000)
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        gap = np.zeros(int(SAMPLE_RATE * GAP_MS / 1000), dtype=np.float32)
        for index, chunk in enumerate(chunks):
            # The last `fade` samples of each piece are held back, so the chunk's end can be
            # faded out once it is known (no click into the pause).
            tail = np.zeros(0, dtype=np.float32)
            first = True
            frames, guard = self._frames(call, chunk, seed + index)
            with guard, torch.inference_mode():
                for piece in stream_chunk(model, frames, ref_code=ref_code):
                    audio = np.concatenate([tail, piece])
                    if first:
                        n = min(fade, audio.size)
                        audio[:n] *= ramp[:n]
                        audio = np.concatenate([gap, audio]) if index else audio
                        first = False
                    audio, tail = audio[:-fade], audio[-fade:]
                    if audio.size:
                        yield audio
            if tail.size:
                yield tail * ramp[::-1][-tail.size :]


def create_engine(data_dir: Path) -> QwenEngine:
    """Catalog factory: the engine keeping its models under `data_dir`."""
    return QwenEngine(data_dir)
