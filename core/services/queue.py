"""The generation queue: one worker, one generation at a time, on the active provider. It runs
outside any request, so it holds the database handle and opens short sessions.

Status moves queued → loading_model → generating → completed | failed | cancelled; every change
is stored first, then published as an event."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.audio.files import FileStore
from core.errors import CoreError
from core.logging import get_logger
from core.services import pauses
from core.services.events import EventBus
from core.services.generation import publish
from core.services.planning import Planner
from core.services.voice_prompts import VoicePrompts
from core.store.models import Generation, GenerationStatus, GenerationVersion, Profile
from core.text import speakable, without_controls
from provider_sdk.errors import ProviderError, ProviderUnreachable
from provider_sdk.models import GenerateRequest

if TYPE_CHECKING:
    from core.tts.base import TTSProvider

log = get_logger("queue")
INTERRUPTED = "interrupted: Voicebox was shut down while this was generating; generate it again"


def _now() -> datetime:
    return datetime.now(UTC)


class JobFailed(Exception):
    pass


def _join_wavs(pieces: list[bytes]) -> bytes:
    """Streamed pieces as one 16-bit WAV (the pieces share one sample rate)."""
    import numpy as np
    import soundfile as sf

    parts = [sf.read(io.BytesIO(wav), dtype="int16", always_2d=True) for wav in pieces]
    rates = {rate for _, rate in parts}
    if len(rates) != 1:
        raise JobFailed(f"the streamed pieces disagree on their sample rate: {sorted(rates)}")
    buffer = io.BytesIO()
    sf.write(
        buffer, np.concatenate([data for data, _ in parts]), rates.pop(), "PCM_16", format="WAV"
    )
    return buffer.getvalue()


class GenerationQueue:
    def __init__(
        self,
        db: Engine,
        files: FileStore,
        events: EventBus,
        provider: TTSProvider,
        planner: Planner,
        voice_prompts: VoicePrompts,
        on_completed: Callable[[int], None] = lambda _generation_id: None,
    ) -> None:
        """`on_completed(generation_id)` runs after a take is stored (word timings for
        stories are scheduled there)."""
        self.db = db
        self.files = files
        self.events = events
        self.provider = provider
        self.planner = planner
        self.voice_prompts = voice_prompts
        self.on_completed = on_completed
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._worker_task: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._enqueued_at: dict[int, float] = {}
        self._closing = False

    def enqueue(self, generation_id: int) -> None:
        if self._worker_task is None:
            self._worker_task = asyncio.get_running_loop().create_task(
                self._worker(), name="generation-queue"
            )
        self._enqueued_at[generation_id] = time.monotonic()
        self._queue.put_nowait(generation_id)

    def pending(self) -> int:
        return self._queue.qsize() + len(self._running)

    def cancel_running(self, generation_id: int) -> None:
        task = self._running.get(generation_id)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Stop the workers; a generation still running is failed as interrupted (it can be
        generated again), never left looking as if the user had cancelled it."""
        self._closing = True
        tasks = [*self._running.values(), *([self._worker_task] if self._worker_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._worker_task = None

    async def _worker(self) -> None:
        while True:
            generation_id = await self._queue.get()
            job = asyncio.get_running_loop().create_task(self._run(generation_id))
            self._running[generation_id] = job
            try:
                await asyncio.wait({job})
                if not job.cancelled() and job.exception() is not None:
                    log.error("generation %d crashed: %r", generation_id, job.exception())
            finally:
                self._running.pop(generation_id, None)
                self._enqueued_at.pop(generation_id, None)

    def _update(self, generation_id: int, **fields: Any) -> Generation | None:
        with Session(self.db, expire_on_commit=False) as session:
            gen = session.get(Generation, generation_id)
            if gen is None:
                return None
            if gen.status == GenerationStatus.cancelled and fields.get("status") not in (
                None,
                GenerationStatus.queued,
            ):
                return None  # a cancel won the race: keep it cancelled
            for key, value in fields.items():
                setattr(gen, key, value)
            session.add(gen)
            session.commit()
        publish(self.events, gen)
        return gen

    async def _run(self, generation_id: int) -> None:
        with Session(self.db, expire_on_commit=False) as session:
            gen = session.get(Generation, generation_id)
            profile = session.get(Profile, gen.profile_id) if gen and gen.profile_id else None
        if gen is None or gen.status != GenerationStatus.queued:
            return  # cancelled or deleted while waiting
        waited = (time.monotonic() - self._enqueued_at.get(generation_id, time.monotonic())) * 1e3
        self._update(
            generation_id,
            status=GenerationStatus.loading_model,
            started_at=_now(),
            queue_wait_ms=round(waited, 1),
        )
        try:
            if profile is None:
                raise JobFailed("the voice profile was deleted before this generation ran")
            await self._synthesize(gen, profile)
        except asyncio.CancelledError:
            if self._closing:
                self._update(
                    generation_id,
                    status=GenerationStatus.failed,
                    error=INTERRUPTED,
                    error_code="interrupted",
                    completed_at=_now(),
                )
            else:
                self._update(
                    generation_id,
                    status=GenerationStatus.cancelled,
                    error_code="cancelled",
                    completed_at=_now(),
                )
            raise
        except (CoreError, ProviderError, JobFailed) as exc:
            self._update(
                generation_id,
                status=GenerationStatus.failed,
                error=self._reason(gen, exc),
                error_code=getattr(exc, "code", "failed"),
                completed_at=_now(),
            )
        except Exception:
            log.exception("generation %d failed unexpectedly", generation_id)
            self._update(
                generation_id,
                status=GenerationStatus.failed,
                error="something went wrong while generating (details in the core log); retry it",
                error_code="internal_error",
                completed_at=_now(),
            )

    def _reason(self, gen: Generation, exc: Exception) -> str:
        message = getattr(exc, "message", None) or str(exc)
        if isinstance(exc, ProviderUnreachable):
            return f"the {gen.provider} provider stopped or could not be reached: {message}"
        if isinstance(exc, ProviderError):
            return f"the {gen.provider} provider refused it: {message}"  # code: error_code
        return message

    async def _synthesize(self, gen: Generation, profile: Profile) -> None:
        assert gen.id is not None and profile.id is not None
        plan = await self.planner.plan(profile, gen.engine, gen.model_size, gen.instruct)
        provider = self.provider
        await provider.start()
        prompt = None
        started = time.perf_counter()
        if plan.clone:
            prompt, _ = await self.voice_prompts.voice_prompt_for(
                provider, profile.id, plan.engine, plan.model_size
            )
        prompt_ms = (time.perf_counter() - started) * 1e3
        if (
            self._update(gen.id, status=GenerationStatus.generating, prompt_ms=round(prompt_ms, 1))
            is None
        ):
            return
        request = GenerateRequest(
            text=speakable(gen.text),
            engine=plan.engine,
            model_size=plan.model_size,
            voice_prompt=prompt,
            voice=plan.voice,
            language=gen.language,
            seed=gen.seed,
            instruct=without_controls(plan.instruct, field="instruct") if plan.instruct else None,
        )
        started = time.perf_counter()
        if pauses.has_pauses(gen.text):  # spoken piece by piece, exact silences between
            wav = await pauses.synthesize(provider, request)
        elif await self._streams(provider, plan.engine, plan.model_size):
            wav = await self._stream(gen.id, provider, request, started)
        else:
            wav = (await provider.generate(request)).wav
        synth_ms = (time.perf_counter() - started) * 1e3
        version = gen.version_count + 1
        stored = await asyncio.to_thread(self._store_audio, gen, version, wav)
        duration, rate, final_path, raw_path = stored
        with Session(self.db) as session:
            session.add(
                GenerationVersion(
                    generation_id=gen.id,
                    version=version,
                    seed=gen.seed,
                    audio_path=final_path,
                    raw_path=raw_path,
                    duration=duration,
                    sample_rate=rate,
                )
            )
            session.commit()
        done = self._update(
            gen.id,
            status=GenerationStatus.completed,
            audio_path=final_path,
            duration=round(duration, 3),
            sample_rate=rate,
            version_count=version,
            synth_ms=round(synth_ms, 1),
            rtf=round(synth_ms / 1e3 / max(duration, 1e-3), 4),
            completed_at=_now(),
            error=None,
            error_code=None,
        )
        if done is None:
            self.files.delete(final_path, raw_path)
        else:
            self.on_completed(gen.id)

    @staticmethod
    async def _streams(provider: TTSProvider, engine: str, model_size: str) -> bool:
        """Whether this model advertises `capabilities.streaming`."""
        try:
            described = await provider.describe()
        except ProviderError:
            return False
        for info in described.engines:
            for model in info.models if info.name == engine else []:
                if model.model_size == model_size:
                    return model.capabilities.streaming
        return False

    async def _stream(
        self, generation_id: int, provider: TTSProvider, request: GenerateRequest, started: float
    ) -> bytes:
        """Publish each piece as it arrives (`audio_piece` events), then join them into one
        WAV for the usual post-processing and storage."""
        pieces: list[bytes] = []
        async with contextlib.aclosing(provider.stream(request)) as stream:
            async for piece in stream:
                pieces.append(piece.wav)
                self.events.publish(
                    {
                        "type": "audio_piece",
                        "generation_id": generation_id,
                        "index": piece.index,
                        "sample_rate": piece.sample_rate,
                        "elapsed_ms": round((time.perf_counter() - started) * 1e3, 1),
                        "audio": base64.b64encode(piece.wav).decode("ascii"),
                    }
                )
        if not pieces:
            raise JobFailed(f"the {provider.id} provider streamed no audio")
        return pieces[0] if len(pieces) == 1 else await asyncio.to_thread(_join_wavs, pieces)

    def _store_audio(
        self, gen: Generation, version: int, wav: bytes
    ) -> tuple[float, int, str, str | None]:
        import numpy as np
        import soundfile as sf

        from core.audio.encode import wav_bytes
        from core.audio.signal import normalize_loudness

        assert gen.id is not None
        samples, rate = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
        mono = samples.mean(axis=1).astype(np.float32)
        final_path, raw_path = self.files.generation_paths(gen.id, version)
        if gen.normalize:
            self.files.write(raw_path, wav)
            self.files.write(final_path, wav_bytes(normalize_loudness(mono), int(rate)))
            return mono.size / rate, int(rate), final_path, raw_path
        self.files.write(final_path, wav)
        return mono.size / rate, int(rate), final_path, None
