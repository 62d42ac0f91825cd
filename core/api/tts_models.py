"""/models/tts: the speech models of the active provider; download one ahead of its first use
(server-sent progress; closing the stream cancels it) and delete one. A thin router over
`core.services.tts_models`; engine and model size are checked against what the provider
describes, so a user's string never reaches a file path."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.background import BackgroundTask

from core.api.deps import TtsModelsDep
from core.api.responses import TtsDownloadCancelled, TtsModelDeleted, TtsModelList, doc

router = APIRouter(prefix="/models/tts", tags=["models"])
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
EngineName = Annotated[str, Path(pattern=IDENTIFIER, description="an engine, e.g. qwen")]
ModelSize = Annotated[str, Path(pattern=IDENTIFIER, description="a model size, e.g. 0.6B")]


Service = TtsModelsDep


@router.get("", response_model=None, responses=doc(TtsModelList))
async def list_models(service: Service) -> dict[str, Any]:
    """Per engine of the active provider(s): each model's size, whether it is downloaded,
    loaded or downloading, and whether it can be downloaded and deleted."""
    return await service.overview()


@router.post("/{engine}/{model_size}/download", response_model=None)
async def download(engine: EngineName, model_size: ModelSize, service: Service) -> Any:
    """Streams `progress` ({engine, model_size, downloaded_bytes, total_bytes, message}), then
    `done` or `error`. A request for a model that is already downloading joins that download
    (the latest progress at once, then the same events). A refusal that is known at once
    (offline hub, unknown model, hosted) is a 4xx/503 before any stream starts. Closing the
    stream leaves the download; when the last client has left it is cancelled (after the file
    being fetched; what was fetched is kept and a new one resumes)."""
    from sse_starlette.sse import EventSourceResponse  # start-up cost: loaded on first use

    shared, follower = await service.join(engine, model_size)

    async def stream() -> AsyncIterator[dict[str, str]]:
        try:
            while (item := await follower.get()) is not None:
                kind, data = item
                yield {"event": kind, "data": json.dumps(data)}
        finally:
            shared.leave(follower)

    return EventSourceResponse(stream(), background=BackgroundTask(shared.leave, follower))


@router.post(
    "/{engine}/{model_size}/cancel", response_model=None, responses=doc(TtsDownloadCancelled)
)
async def cancel(engine: EngineName, model_size: ModelSize, service: Service) -> dict[str, Any]:
    """Cancels a running download for every client following it (they get an `error` event
    with code `cancelled`). `cancelled: false` when none was running."""
    return service.cancel(engine, model_size)


@router.delete("/{engine}/{model_size}", response_model=None, responses=doc(TtsModelDeleted))
async def delete(engine: EngineName, model_size: ModelSize, service: Service) -> dict[str, Any]:
    """Removes the model's files from the provider (unloading it first when it is loaded).
    A packaged or hosted model is refused with 409 and the provider's reason."""
    return await service.delete(engine, model_size)
