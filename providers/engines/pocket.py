"""Pocket TTS (Kyutai, `pocket-tts`): zero-shot voice cloning faster than real time on a CPU.

A ~100 M parameter model: a 6-layer transformer predicts continuous Mimi latents at 12.5 Hz
with a one-step flow head, and Mimi decodes them to 24 kHz audio. One checkpoint per language
(model sizes `english`, `french`, ... in `pocket_registry`). docs/engines/pocket-tts.md has the
dependency audit and the figures.

- Models: downloaded from the hub into `<data dir>/pocket-tts-<language>/` (weights and
  tokenizer at the revisions the library pins; `hub_fetch`), or a folder laid out the same way
  with its own `config.yaml` (what `pocket_random` writes for tests and the benchmark). The
  engine hands pocket-tts a config with local paths only: it never downloads on its own.
- Voice prompts: the clip's Mimi latents (`pocket_prompts`), replayed through the
  transformer for each request.
- Seeds: sampling noise comes from torch's global generator; chunk i of a long text uses
  seed + i. Upstream decodes "every frame queued" in its decoder thread, which makes float
  rounding depend on timing; one frame per decode call makes the same seed give the same
  audio bit for bit.

pocket_tts and torch are imported in `load` and the methods that need them.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from provider_sdk.audio import join_chunks
from provider_sdk.engine import AudioArray, ProgressCallback, ReferenceClip, SynthesisRequest
from provider_sdk.errors import (
    Conflict,
    ModelLoading,
    ModelUnavailable,
    Unprocessable,
    UnsupportedParameter,
)
from provider_sdk.models import Progress, VoicePrompt
from provider_sdk.text import split_text
from providers.engines.hub_fetch import HubFetcher
from providers.engines.pocket_prompts import decode_prompt, encode_prompt
from providers.engines.pocket_registry import ENGINE, REGISTRY, SAMPLE_RATE, hub_model
from providers.engines.qwen_prompts import combine_clips, prepare_clip

log = logging.getLogger(__name__)

MAX_CHUNK_CHARS = 250
"""Text per seeded chunk; pocket-tts splits further at sentences (50 tokens at most)."""
FOLDER_CONFIG = "config.yaml"


def resolved_config(folder: Path, model_size: str) -> dict[str, Any]:
    """The model's config with every file path made absolute inside `folder`: the folder's
    own `config.yaml` when it has one, else the packaged config of that language with the
    downloaded files in place of its `hf://` paths."""
    import yaml

    model = hub_model(model_size)
    own = folder / FOLDER_CONFIG
    if own.is_file():
        raw = yaml.safe_load(own.read_text(encoding="utf-8"))
        weights, tokenizer = raw["weights_path"], raw["flow_lm"]["lookup_table"]["tokenizer_path"]
    else:
        from providers.engines.pocket_registry import packaged_config

        raw = yaml.safe_load(packaged_config(model_size).read_text(encoding="utf-8"))
        weights, tokenizer = model.files[0].path, model.files[1].path
    for relative in (weights, tokenizer):
        path = (folder / str(relative)).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            raise ModelUnavailable(
                f"{folder} lacks {relative}; download {ENGINE}/{model_size} again "
                "(POST /tts/models/download)"
            )
    raw["weights_path"] = str(folder / str(weights))
    raw["flow_lm"]["lookup_table"]["tokenizer_path"] = str(folder / str(tokenizer))
    # Never fall back to the hub's weights without cloning: they could not clone.
    raw.pop("weights_path_without_voice_cloning", None)
    return dict(raw)


def _latent_dim(model: Any) -> int:
    mimi = model.config.mimi
    return int(mimi.inner_dim or mimi.seanet.dimension)


class PocketEngine:
    """The Pocket TTS engine; see the module docstring."""

    name = ENGINE
    display_name = "Pocket TTS"
    description = (
        "Voice cloning faster than real time on an ordinary CPU, one small model per language "
        "(English, French, German, Spanish, Italian, Portuguese); less natural than Qwen3-TTS."
    )
    registry = REGISTRY

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._fetcher = HubFetcher(self.data_dir)
        self._model: Any = None
        self._size: str | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def load(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            return
        self.unload()
        folder = self._fetcher.folder(hub_model(config.model_size))
        import yaml
        from pocket_tts import TTSModel

        raw = resolved_config(folder, config.model_size)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", suffix=".yaml", dir=self.data_dir, encoding="utf-8", delete=False
        ) as handle:
            yaml.safe_dump(raw, handle)
        try:
            model = TTSModel.load_model(config=handle.name)
        finally:
            Path(handle.name).unlink(missing_ok=True)
        model.max_decoder_frames_per_call = 1  # bit-identical audio for a seed (docstring)
        self._model, self._size = model, config.model_size

    def unload(self) -> None:
        if self._model is None:
            return
        self._model, self._size = None, None
        import gc

        gc.collect()

    def is_loaded(self, model_size: str | None = None) -> bool:
        return self._size is not None and model_size in (None, self._size)

    def loaded_model(self) -> str | None:
        return self._size

    def is_downloaded(self, model_size: str) -> bool:
        return self._fetcher.has(hub_model(self.registry.get(model_size).model_size))

    def _resident(self, model_size: str) -> Any:
        if self._size != model_size or self._model is None:
            raise ModelLoading(f"{ENGINE}/{model_size} is not loaded; load it first")
        return self._model

    # -- ManagedModels ---------------------------------------------------------------------

    def download(
        self, model_size: str, progress: ProgressCallback, cancel: threading.Event
    ) -> None:
        self._fetcher.fetch(hub_model(self.registry.get(model_size).model_size), progress, cancel)

    def delete(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            raise Conflict(f"{ENGINE}/{model_size} is loaded; unload it before deleting it")
        self._fetcher.delete(hub_model(config.model_size))

    def cancel_download(self) -> None:
        self._fetcher.cancel()

    def progress(self) -> Progress | None:
        return self._fetcher.progress()

    # -- voice prompts ---------------------------------------------------------------------

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        return self._prompt_from(prepare_clip(clip, SAMPLE_RATE), model_size)

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        return self._prompt_from(combine_clips(clips, SAMPLE_RATE), model_size)

    def _prompt_from(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        """The clip's Mimi latents. The transcript is not needed (Pocket TTS clones from
        the sound alone), so `reference_text` does not change the prompt."""
        model = self._resident(model_size)
        import torch
        from pocket_tts.data.audio_utils import end_on_pause

        with self._lock, torch.no_grad():
            audio = end_on_pause(torch.from_numpy(clip.audio)[None], SAMPLE_RATE)
            latents = model.mimi.encode_to_latent(audio.unsqueeze(0))
        return encode_prompt(ENGINE, model_size, latents[0].float().cpu().numpy())

    def _voice_state(self, model: Any, prompt: VoicePrompt, model_size: str) -> Any:
        """Upstream's voice state from the prompt's latents: what
        `TTSModel.get_state_for_audio_prompt` does after encoding (pocket-tts 4.0.1)."""
        import torch
        from pocket_tts.modules.stateful_module import init_states

        latents = decode_prompt(prompt, ENGINE, model_size, _latent_dim(model))
        flow_lm = model.flow_lm
        conditioning = torch.nn.functional.linear(
            torch.from_numpy(latents)[None], flow_lm.speaker_proj_weight
        )
        if flow_lm.insert_bos_before_voice:
            conditioning = torch.cat([flow_lm.bos_before_voice, conditioning], dim=1)
        state = init_states(flow_lm, batch_size=1, sequence_length=conditioning.shape[1])
        model._run_flow_lm_and_increment_step(model_state=state, audio_conditioning=conditioning)
        return state

    # -- synthesis -------------------------------------------------------------------------

    def _check(self, request: SynthesisRequest) -> tuple[VoicePrompt, list[str], int]:
        config = self.registry.get(request.model_size)
        name = f"{ENGINE}/{config.model_size}"
        if request.instruct:
            raise UnsupportedParameter(f"{name} does not take 'instruct'; remove it")
        if request.voice is not None:
            raise UnsupportedParameter(f"{name} has no preset voices; remove 'voice'")
        if request.voice_prompt is None:
            raise Unprocessable(
                f"{name} clones voices and needs a voice_prompt; create one with "
                "POST /tts/create_voice_prompt"
            )
        if request.language is not None and request.language.lower() not in config.languages:
            raise UnsupportedParameter(
                f"{name} speaks {', '.join(config.languages)}, not {request.language!r}; use "
                "the Pocket TTS model of that language"
            )
        chunks = split_text(request.text, MAX_CHUNK_CHARS)
        if not chunks:
            raise Unprocessable("text has nothing to speak; send some words")
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        return request.voice_prompt, chunks, seed

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        """The whole text: chunk i with seed + i, joined with fades and a short pause."""
        pieces = [np.concatenate(list(chunk)) for chunk in self._chunk_streams(request)]
        return join_chunks([p for p in pieces if p.size], SAMPLE_RATE), SAMPLE_RATE

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        """Pieces as Mimi decodes them, chunk by chunk, with the same seeds as `generate`:
        a chunk's first frame (80 ms) at once, for a short time to first audio, then frames
        gathered to ~0.5 s pieces."""
        streams = self._chunk_streams(request)

        def pieces() -> Iterator[AudioArray]:
            gap = np.zeros(int(SAMPLE_RATE * 0.08), dtype=np.float32)
            for index, chunk in enumerate(streams):
                if index:
                    yield gap
                buffer: list[AudioArray] = []
                for number, piece in enumerate(chunk):
                    buffer.append(piece)
                    if number == 0 or sum(p.size for p in buffer) >= SAMPLE_RATE // 2:
                        yield np.concatenate(buffer)
                        buffer = []
                if buffer:
                    yield np.concatenate(buffer)

        return pieces()

    def _chunk_streams(self, request: SynthesisRequest) -> Iterator[Iterator[AudioArray]]:
        """Checks the request now; then one generator of audio pieces per text chunk."""
        prompt, chunks, seed = self._check(request)
        model = self._resident(request.model_size)

        def chunk_stream(index: int, text: str) -> Iterator[AudioArray]:
            import torch

            with self._lock, torch.no_grad():
                torch.manual_seed(seed + index)
                state = self._voice_state(model, prompt, request.model_size)
                for piece in model.generate_audio_stream(state, text, copy_state=False):
                    yield piece.float().cpu().numpy().astype(np.float32)

        # Validate the prompt before the first piece is asked for (a 409 rather than a
        # broken stream).
        decode_prompt(prompt, ENGINE, request.model_size, _latent_dim(model))
        return (chunk_stream(i, text) for i, text in enumerate(chunks))


def create_engine(data_dir: Path) -> PocketEngine:
    """Catalog factory: the engine keeping its models under `data_dir`."""
    return PocketEngine(data_dir)
