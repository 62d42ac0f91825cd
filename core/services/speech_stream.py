"""Speech that leaves as it is made: submit a generation, then encode each piece the provider
streams (the queue's `audio_piece` events) the moment it arrives.

`open_stream` submits before returning, so a bad request is still a clear 4xx before any byte
is sent. A model that does not stream gives its whole clip at the end, through the same
encoder. The generation lands in History as usual (not loudness-normalised: the stored clip is
exactly the streamed audio)."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from core.services.events import Event
from core.services.generation import GenerateParams, get_generation
from core.services.speech import Speech, failure
from core.store.models import FINAL_STATUSES, GenerationStatus

if TYPE_CHECKING:
    from core.audio.decode import Samples


@dataclass(frozen=True)
class SpeechRequest:
    profile_id: int
    text: str
    fmt: str
    speed: float = 1.0
    engine: str | None = None
    model_size: str | None = None
    instruct: str | None = None
    source: str = "api"
    seed: int | None = None
    whole: bool = False
    """Send one complete file when the generation is done instead of pieces as they come (a
    streamed FLAC cannot state its length, which some readers, libsndfile among them, need)."""


@dataclass
class SpeechStream:
    generation_id: int
    chunks: AsyncGenerator[bytes, None]
    """Encoded audio, in order; raises a CoreError when the generation fails."""


def _decode(wav: bytes, speed: float) -> tuple[Samples, int]:
    import soundfile as sf

    from core.audio.encode import time_stretch

    samples, rate = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    mono: Samples = samples.mean(axis=1)
    return time_stretch(mono, int(rate), speed), int(rate)


async def open_stream(speech: Speech, request: SpeechRequest) -> SpeechStream:
    """Submit the generation (CoreError for a bad request) and return its audio stream."""
    queue = speech.events.open()
    try:
        [gen] = await speech.submit(
            GenerateParams(
                profile_id=request.profile_id,
                text=request.text,
                engine=request.engine,
                model_size=request.model_size,
                instruct=request.instruct,
                seed=request.seed,
                normalize=False,
                source=request.source,
            )
        )
    except BaseException:
        speech.events.close(queue)
        raise
    assert gen.id is not None
    return SpeechStream(gen.id, _chunks(speech, queue, gen.id, request))


async def _chunks(
    speech: Speech, queue: asyncio.Queue[Event], generation_id: int, request: SpeechRequest
) -> AsyncGenerator[bytes, None]:
    from core.audio.encode import StreamEncoder

    encoder: StreamEncoder | None = None
    try:
        while True:
            event = await queue.get()
            if (
                event.get("type") == "audio_piece"
                and event.get("generation_id") == generation_id
                and not request.whole
            ):
                wav = base64.b64decode(event["audio"])
                samples, rate = await asyncio.to_thread(_decode, wav, request.speed)
                encoder = encoder or StreamEncoder(request.fmt, rate)
                data = await asyncio.to_thread(encoder.feed, samples)
                if data:
                    yield data
            elif (
                event.get("type") == "generation"
                and event["generation"].get("id") == generation_id
                and event["generation"].get("status") in FINAL_STATUSES
            ):
                break
    finally:
        speech.events.close(queue)
    with Session(speech.db) as session:
        done = get_generation(session, generation_id)
    if done.status != GenerationStatus.completed or not done.audio_path:
        raise failure(done.status, done.error_code, done.error)
    if request.whole:
        from core.audio.encode import encode

        samples, rate = await asyncio.to_thread(
            _decode, speech.files.read(done.audio_path), request.speed
        )
        yield await asyncio.to_thread(encode, samples, rate, request.fmt)
        return
    if encoder is None:  # a model that does not stream: its whole clip, once
        samples, rate = await asyncio.to_thread(
            _decode, speech.files.read(done.audio_path), request.speed
        )
        encoder = StreamEncoder(request.fmt, rate)
        yield await asyncio.to_thread(encoder.feed, samples)
    tail = await asyncio.to_thread(encoder.finish)
    if tail:
        yield tail
