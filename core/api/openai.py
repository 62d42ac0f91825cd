"""OpenAI-compatible endpoints: /v1/audio/speech, /v1/audio/transcriptions, /v1/models.

`voice` is a profile's name (or id). `model` is an engine name, or one of OpenAI's model names
(tts-1, tts-1-hd, gpt-4o-mini-tts), which mean "the profile's default engine"."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlmodel import Session

from core.api.deps import get_core, read_upload
from core.api.schemas import SpeechBody
from core.audio.formats import MEDIA_TYPES
from core.errors import CoreError, ValidationFailed
from core.services import speech
from core.services.context import Core
from core.services.profiles import find_profile

router = APIRouter(prefix="/v1", tags=["openai"])
OPENAI_TTS_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
OPENAI_STT_MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")


@router.get("/models", response_model=None)
async def models(core: Core = Depends(get_core)) -> dict[str, Any]:
    now = int(time.time())
    names = [*OPENAI_TTS_MODELS, *OPENAI_STT_MODELS]
    with contextlib.suppress(CoreError):
        names += list(await core.providers.engines())
    return {
        "object": "list",
        "data": [
            {"id": n, "object": "model", "created": now, "owned_by": "voicebox"} for n in names
        ],
    }


@router.post("/audio/speech", response_model=None)
async def audio_speech(body: SpeechBody, core: Core = Depends(get_core)) -> Response:
    from core.audio.encode import available_formats

    fmt = body.response_format
    if fmt not in available_formats():
        raise ValidationFailed(
            f"response_format {fmt!r} is not available; use one of "
            f"{', '.join(available_formats())}",
            field="response_format",
        )
    voice = body.voice if isinstance(body.voice, str) else body.voice.get("id", "")
    with Session(core.engine) as session:
        profile = find_profile(session, voice)
    engine = None if body.model in OPENAI_TTS_MODELS else body.model
    assert profile.id is not None
    audio = await speech.speak(
        core,
        profile.id,
        body.input,
        engine=engine,
        instruct=body.instructions,
        speed=body.speed,
        fmt=fmt,
    )
    return Response(audio, media_type=MEDIA_TYPES[fmt])


@router.post("/audio/transcriptions", response_model=None)
async def audio_transcriptions(
    file: UploadFile = File(),
    model: str = Form(default="whisper-1"),
    language: str | None = Form(default=None),
    response_format: str = Form(default="json"),
    prompt: str | None = Form(default=None),
    temperature: float | None = Form(default=None),
    core: Core = Depends(get_core),
) -> Response:
    if response_format not in ("json", "text", "verbose_json"):
        raise ValidationFailed(
            "response_format must be json, text or verbose_json", field="response_format"
        )
    data = await read_upload(core, file)
    result = await core.transcriber.transcribe(data, language or None)
    if response_format == "text":
        return PlainTextResponse(result.text)
    if response_format == "json":
        return JSONResponse({"text": result.text})
    segments = [
        {"id": i, "start": s.start, "end": s.end, "text": s.text}
        for i, s in enumerate(result.segments)
    ]
    words = [
        {"word": w.word, "start": w.start, "end": w.end} for s in result.segments for w in s.words
    ]
    payload = {
        "task": "transcribe",
        "language": result.language,
        "duration": result.duration,
        "text": result.text,
        "segments": segments,
        "words": words,
    }
    return Response(json.dumps(payload), media_type="application/json")
