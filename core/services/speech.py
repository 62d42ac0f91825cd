"""Speech in one call (OpenAI API, CLI, MCP): submit a generation, wait for it, return encoded
audio. The wait outlasts any request, so this service holds the database handle and opens
short sessions."""

from __future__ import annotations

import asyncio
import io

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.audio.files import FileStore
from core.errors import CoreError
from core.services.events import EventBus
from core.services.generation import GenerateParams, Generations, get_generation
from core.store.models import FINAL_STATUSES, Generation, GenerationStatus


class SpeechFailed(CoreError):
    status = 502
    code = "generation_failed"


class SpeechRefused(SpeechFailed):
    status = 422


class SpeechUnavailable(SpeechFailed):
    status = 503


REFUSALS = frozenset(
    {
        "invalid_request",
        "not_found",
        "unknown_engine",
        "unknown_model",
        "conflict",
        "voice_prompt_mismatch",
        "validation_error",
        "cannot_clone",
        "unsupported_parameter",
        "invalid_audio",
    }
)
UNAVAILABLE = frozenset(
    {"model_loading", "model_unavailable", "unreachable", "out_of_memory", "provider_unavailable"}
)


def failure(status: str, code: str | None, error: str | None) -> SpeechFailed:
    message = f"the generation {status}: {error or 'no audio'}"
    if code in REFUSALS:
        return SpeechRefused(message)
    if code in UNAVAILABLE:
        return SpeechUnavailable(message)
    return SpeechFailed(message)


class Speech:
    def __init__(
        self, db: Engine, files: FileStore, events: EventBus, generations: Generations
    ) -> None:
        self.db = db
        self.files = files
        self.events = events
        self.generations = generations

    async def submit(self, params: GenerateParams) -> list[Generation]:
        """Submit in a session of its own (the caller is not a request)."""
        with Session(self.db, expire_on_commit=False) as session:
            return await self.generations.submit(session, params)

    async def wait_for(self, generation_id: int, timeout: float = 600.0) -> None:
        queue = self.events.open()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    with Session(self.db) as session:
                        if get_generation(session, generation_id).status in FINAL_STATUSES:
                            return
                    event = await queue.get()
                    while event.get("generation", {}).get("id") != generation_id:
                        event = await queue.get()
        finally:
            self.events.close(queue)

    async def speak(
        self,
        profile_id: int,
        text: str,
        *,
        engine: str | None = None,
        instruct: str | None = None,
        speed: float = 1.0,
        fmt: str = "wav",
        seed: int | None = None,
        source: str = "cli",
    ) -> bytes:
        """The whole clip, encoded; `speed` changes the tempo and keeps the pitch."""
        [gen] = await self.submit(
            GenerateParams(
                profile_id=profile_id,
                text=text,
                engine=engine,
                instruct=instruct,
                seed=seed,
                source=source,
            )
        )
        assert gen.id is not None
        await self.wait_for(gen.id)
        with Session(self.db) as session:
            done = get_generation(session, gen.id)
        if done.status != GenerationStatus.completed or not done.audio_path:
            raise failure(done.status, done.error_code, done.error)
        return await _convert(self.files.read(done.audio_path), speed, fmt)


async def _convert(data: bytes, speed: float, fmt: str) -> bytes:
    if fmt == "wav" and abs(speed - 1.0) < 1e-3:
        return data
    import soundfile as sf

    from core.audio.encode import encode, time_stretch

    def convert() -> bytes:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32")
        return encode(time_stretch(samples, int(rate), speed), int(rate), fmt)

    return await asyncio.to_thread(convert)
