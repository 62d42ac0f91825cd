"""POST /v1/audio/transcriptions and /v1/audio/translations (OpenAI's multipart forms).

Formats: json, text, srt, vtt, verbose_json (segments, and words when `timestamp_granularities`
asks for them). Translation is Whisper's translate task (speech in any language to English
text); it needs a multilingual Whisper model."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from core.api.deps import SettingsDep, TranscriberDep, read_upload
from core.errors import ConflictError
from core.services.transcription import Decoding, Transcript

router = APIRouter(prefix="/v1", tags=["openai"])
TranscriptFormat = Literal["json", "text", "srt", "vtt", "verbose_json"]
Granularity = Literal["word", "segment"]
MULTILINGUAL_SUGGESTION = "large-v3-turbo"


class MultilingualModelNeeded(ConflictError):
    code = "multilingual_model_required"


def _clock(seconds: float, separator: str) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def subtitles(result: Transcript, fmt: Literal["srt", "vtt"]) -> str:
    """SubRip or WebVTT cues, one per Whisper segment."""
    separator = "," if fmt == "srt" else "."
    cues = []
    for index, seg in enumerate(result.segments, start=1):
        timing = f"{_clock(seg.start, separator)} --> {_clock(seg.end, separator)}"
        cues.append(
            f"{index}\n{timing}\n{seg.text}\n" if fmt == "srt" else f"{timing}\n{seg.text}\n"
        )
    body = "\n".join(cues)
    return body if fmt == "srt" else f"WEBVTT\n\n{body}"


def _respond(
    result: Transcript, fmt: TranscriptFormat, task: str, granularities: list[Granularity]
) -> Response:
    if fmt == "text":
        return PlainTextResponse(result.text)
    if fmt in ("srt", "vtt"):
        media = "application/x-subrip" if fmt == "srt" else "text/vtt"
        return PlainTextResponse(subtitles(result, fmt), media_type=media)
    if fmt == "json":
        return JSONResponse({"text": result.text})
    payload: dict[str, Any] = {
        "task": task,
        "language": result.language,
        "duration": result.duration,
        "text": result.text,
    }
    if "segment" in granularities or not granularities:
        payload["segments"] = [
            {"id": i, "start": s.start, "end": s.end, "text": s.text}
            for i, s in enumerate(result.segments)
        ]
    if "word" in granularities:
        payload["words"] = [
            {"word": w.word, "start": w.start, "end": w.end}
            for s in result.segments
            for w in s.words
        ]
    return JSONResponse(payload)


Prompt = Annotated[str | None, Form(max_length=2000, description="spelling and style hints")]
Temperature = Annotated[float, Form(ge=0.0, le=1.0)]


@router.post("/audio/transcriptions", response_model=None)
async def audio_transcriptions(
    file: UploadFile = File(),
    model: str = Form(default="whisper-1", max_length=64),
    language: str | None = Form(default=None, max_length=16),
    response_format: TranscriptFormat = Form(default="json"),
    prompt: Prompt = None,
    temperature: Temperature = 0.0,
    granularities: list[Granularity] | None = Form(default=None, alias="timestamp_granularities[]"),
    *,
    settings: SettingsDep,
    transcriber: TranscriberDep,
) -> Response:
    data = await read_upload(settings, file)
    decoding = Decoding(prompt=prompt, temperature=temperature)
    result = await transcriber.transcribe(data, language or None, decoding)
    return _respond(result, response_format, "transcribe", granularities or [])


@router.post("/audio/translations", response_model=None)
async def audio_translations(
    file: UploadFile = File(),
    model: str = Form(default="whisper-1", max_length=64),
    response_format: TranscriptFormat = Form(default="json"),
    prompt: Prompt = None,
    temperature: Temperature = 0.0,
    *,
    settings: SettingsDep,
    transcriber: TranscriberDep,
) -> Response:
    active = transcriber.model_name
    if active.endswith(".en"):
        raise MultilingualModelNeeded(
            f"translation needs a multilingual Whisper model; the active one, {active}, is "
            f"English-only. Download and activate one such as {MULTILINGUAL_SUGGESTION} "
            f"(Settings → Transcription, or POST /models/whisper/{MULTILINGUAL_SUGGESTION}/"
            "download then PUT /models/whisper/active)",
            field="model",
        )
    data = await read_upload(settings, file)
    decoding = Decoding(task="translate", prompt=prompt, temperature=temperature)
    result = await transcriber.transcribe(data, None, decoding)
    return _respond(result, response_format, "translate", ["segment"])
