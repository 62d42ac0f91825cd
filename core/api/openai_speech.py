"""POST /v1/audio/speech: OpenAI's speech endpoint, whole or streamed.

`model` is one of OpenAI's names (tts-1, tts-1-hd, gpt-4o-mini-tts: the profile's default
engine), an engine name, or `engine:model_size`. `voice` is a profile's name or id, one of
OpenAI's voice names (mapped in the settings), or `{"id": ...}`. As OpenAI's, the response
streams: `stream_format` "audio" (the default) sends chunked audio as it is made; "sse" sends
OpenAI's `speech.audio.delta` / `speech.audio.done` events. FLAC is the exception: without an
explicit `stream_format` it comes whole when done, since a streamed FLAC cannot state its
length and libsndfile (Python's soundfile) then refuses to read it."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from core.api.deps import PlannerDep, SessionDep, SettingsDep, SpeechDep
from core.audio.formats import MEDIA_TYPES, SPEED_RANGE
from core.errors import CoreError, ValidationFailed
from core.logging import get_logger
from core.services.openai_voices import resolve_voice
from core.services.planning import Planner
from core.services.speech_stream import SpeechRequest, open_stream

router = APIRouter(prefix="/v1", tags=["openai"])
log = get_logger("openai")
OPENAI_TTS_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
GENERATION_HEADER = "X-Generation-Id"


class VoiceRef(BaseModel):
    id: str = Field(min_length=1, max_length=100)


class SpeechBody(BaseModel):
    """OpenAI's body; unknown fields are ignored (clients merge their own extras in)."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(default="tts-1", min_length=1, max_length=129)
    input: str = Field(min_length=1)
    voice: str | VoiceRef | None = Field(default=None)
    response_format: SpeechFormat = "mp3"
    speed: float = Field(default=1.0, ge=SPEED_RANGE[0], le=SPEED_RANGE[1])
    instructions: str | None = Field(default=None, max_length=4096)
    stream_format: Literal["audio", "sse"] | None = None
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1, strict=True)
    """A Voicebox extension: the same seed repeats a take on reproducible engines."""


def engine_of(model: str) -> tuple[str | None, str | None]:
    """(engine, model size) for `model`; (None, None) for OpenAI's own model names."""
    if model in OPENAI_TTS_MODELS:
        return None, None
    engine, _, size = model.partition(":")
    return engine.strip() or None, size.strip() or None


async def _request(
    session: Session, planner: Planner, data_dir: Path, body: SpeechBody
) -> SpeechRequest:
    from core.audio.encode import available_formats

    if body.response_format not in available_formats():
        raise ValidationFailed(
            f"response_format {body.response_format!r} cannot be encoded on this machine; "
            f"use one of {', '.join(available_formats())}",
            field="response_format",
        )
    engine, size = engine_of(body.model)
    if engine is not None:
        engines = await planner.engines()
        if engine not in engines:
            raise ValidationFailed(
                f"model {body.model!r} is not available; use one of "
                f"{', '.join([*OPENAI_TTS_MODELS, *engines])} (GET /v1/models)",
                field="model",
            )
    voice = body.voice.id if isinstance(body.voice, VoiceRef) else body.voice
    profile = resolve_voice(session, data_dir, voice)
    assert profile.id is not None
    return SpeechRequest(
        profile_id=profile.id,
        text=body.input,
        fmt=body.response_format,
        speed=body.speed,
        engine=engine,
        model_size=size,
        instruct=body.instructions or None,
        seed=body.seed,
        # FLAC streams only when asked to: a streamed FLAC cannot state its length.
        whole=body.response_format == "flac" and body.stream_format is None,
    )


def _instructions_error(exc: ValidationFailed, request: SpeechRequest) -> CoreError:
    """The planner names `instruct`; an OpenAI client sent `instructions`."""
    if exc.field != "instruct":
        return exc
    return ValidationFailed(
        f"this voice's model ({request.engine or 'the default engine'}) does not take "
        "instructions; leave 'instructions' empty or choose a model that takes them "
        "(GET /v1/audio/models)",
        field="instructions",
    )


async def _sse(first: bytes, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """OpenAI's speech events: deltas of base64 audio, then done (or an error event)."""

    def delta(chunk: bytes) -> bytes:
        event = {"type": "speech.audio.delta", "audio": base64.b64encode(chunk).decode()}
        return f"data: {json.dumps(event)}\n\n".encode()

    if first:
        yield delta(first)
    try:
        async for chunk in chunks:
            yield delta(chunk)
    except CoreError as exc:
        error = {"type": "error", "error": {"code": exc.code, "message": exc.message}}
        yield f"data: {json.dumps(error)}\n\n".encode()
        return
    done = {"type": "speech.audio.done", "usage": {"input_tokens": 0, "output_tokens": 0}}
    yield f"data: {json.dumps(done)}\n\n".encode()


async def _audio(first: bytes, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Chunked audio; a failure after the first byte can only end the stream (and is logged)."""
    yield first
    try:
        async for chunk in chunks:
            yield chunk
    except CoreError as exc:
        log.warning("streamed speech ended early: %s", exc.message)


@router.post("/audio/speech", response_model=None)
async def audio_speech(
    body: SpeechBody,
    session: SessionDep,
    planner: PlannerDep,
    speech: SpeechDep,
    settings: SettingsDep,
) -> Response:
    """Streams, as OpenAI's endpoint does: the status and headers leave with the first piece
    of audio, so a generation that fails before any audio is still a clear error status."""
    request = await _request(session, planner, settings.data_dir, body)
    try:
        stream = await open_stream(speech, request)
    except ValidationFailed as exc:
        raise _instructions_error(exc, request) from None
    try:
        first = await anext(stream.chunks, b"")
    except ValidationFailed as exc:
        raise _instructions_error(exc, request) from None
    except BaseException:  # the client left, or the generation failed: stop listening
        await stream.chunks.aclose()
        raise
    headers = {GENERATION_HEADER: str(stream.generation_id), "Cache-Control": "no-store"}
    if body.stream_format == "sse":
        return StreamingResponse(
            _sse(first, stream.chunks), media_type="text/event-stream", headers=headers
        )
    return StreamingResponse(
        _audio(first, stream.chunks), media_type=MEDIA_TYPES[request.fmt], headers=headers
    )
