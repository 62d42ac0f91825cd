"""/transcribe: text and segments with word timestamps."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, File, Form, UploadFile

from core.api.deps import SettingsDep, TranscriberDep, read_upload

router = APIRouter(tags=["transcription"])


@router.post("/transcribe", response_model=None)
async def transcribe(
    file: UploadFile = File(description="any audio or video file"),
    language: str | None = Form(default=None, max_length=16),
    *,
    settings: SettingsDep,
    transcriber: TranscriberDep,
) -> dict[str, Any]:
    data = await read_upload(settings, file)
    return asdict(await transcriber.transcribe(data, language or None))
