"""/models/whisper: list, download (server-sent progress), delete, make active. A thin router
over `core.services.whisper_models`; names are checked against its fixed registry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from core.api.deps import WhisperModelsDep
from core.api.responses import WhisperModelList, doc
from core.services.whisper_models import NAME_PATTERN, Download

router = APIRouter(prefix="/models/whisper", tags=["models"])
ModelName = Annotated[str, Path(pattern=NAME_PATTERN, description="a registry name, e.g. base.en")]
PROGRESS_EVERY_S = 0.5


class ActiveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, description="a downloaded (or the packaged) model")


@router.get("", response_model=None, responses=doc(WhisperModelList))
async def list_models(whisper_models: WhisperModelsDep) -> dict[str, Any]:
    return whisper_models.overview()


async def _events(download: Download) -> AsyncIterator[dict[str, Any]]:
    """`progress` every half second, then `done` or `error`. A client closing the stream
    cancels the download (it stops before the next file; partial files are kept)."""
    try:
        while not download.finished.is_set():
            yield {"event": "progress", "data": json.dumps(download.progress())}
            await asyncio.to_thread(download.finished.wait, PROGRESS_EVERY_S)
        if download.error is not None:
            body = {"name": download.spec.name, "code": download.error.code}
            body["message"] = download.error.message
            yield {"event": "error", "data": json.dumps(body)}
        elif download.cancel.is_set():
            body = {"name": download.spec.name, "code": "cancelled", "message": "cancelled"}
            yield {"event": "error", "data": json.dumps(body)}
        else:
            yield {"event": "progress", "data": json.dumps(download.progress())}
            yield {"event": "done", "data": json.dumps({"name": download.spec.name})}
    finally:
        download.cancel.set()


@router.post("/{name}/download")
async def download(name: ModelName, whisper_models: WhisperModelsDep) -> EventSourceResponse:
    """Streams `progress` ({downloaded_bytes, total_bytes, file}), then `done` or `error`.
    Offline or an unreachable hub answers 503 at once, before any stream starts."""
    prepared = await asyncio.to_thread(whisper_models.prepare_download, name)
    whisper_models.start(prepared)
    return EventSourceResponse(_events(prepared))


@router.delete("/{name}", status_code=204)
async def delete(name: ModelName, whisper_models: WhisperModelsDep) -> None:
    await asyncio.to_thread(whisper_models.delete, name)


@router.put("/active", response_model=None, responses=doc(WhisperModelList))
async def activate(body: ActiveBody, whisper_models: WhisperModelsDep) -> dict[str, Any]:
    whisper_models.activate(body.name)
    return whisper_models.overview()
