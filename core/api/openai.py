"""The OpenAI-compatible API under /v1: speech (core.api.openai_speech), transcription and
translation (core.api.openai_transcribe), models and voices (core.api.openai_discovery)."""

from __future__ import annotations

from fastapi import APIRouter

from core.api.openai_discovery import router as discovery_router
from core.api.openai_speech import router as speech_router
from core.api.openai_transcribe import router as transcribe_router

router = APIRouter()
for part in (discovery_router, speech_router, transcribe_router):
    router.include_router(part)
