"""/transcribe: text and segments with word timestamps."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from core.api.deps import get_core, read_upload
from core.services.context import Core

router = APIRouter(tags=["transcription"])


@router.post("/transcribe", response_model=None)
async def transcribe(
    file: UploadFile = File(description="any audio or video file"),
    language: str | None = Form(default=None, max_length=16),
    core: Core = Depends(get_core),
) -> dict[str, Any]:
    data = await read_upload(core, file)
    return asdict(await core.transcriber.transcribe(data, language or None))
