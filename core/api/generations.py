"""/generate, /generations/{id}/…, /history and the event streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from core.api.deps import EventsDep, FilesDep, GenerationsDep, HistoryDep, Id, SessionDep
from core.api.responses import GenerateOut, GenerationOut, HistoryPage, doc
from core.api.schemas import MAX_ID, FavouriteBody, GenerateBody
from core.audio.formats import MEDIA_TYPES
from core.errors import ConflictError, NotFoundError
from core.services import generation as gen_svc
from core.services import history as hist
from core.services.events import Event, EventBus
from core.store.models import FINAL_STATUSES

router = APIRouter(tags=["generations"])


@router.post("/generate", status_code=202, response_model=None, responses=doc(GenerateOut, 202))
async def generate(
    body: GenerateBody, session: SessionDep, generations: GenerationsDep
) -> dict[str, Any]:
    created = await generations.submit(session, gen_svc.GenerateParams(**body.model_dump()))
    return {
        "group_id": created[0].group_id,
        "generations": [gen_svc.as_dict(g) for g in created],
    }


@router.get("/generations/{generation_id}", response_model=None, responses=doc(GenerationOut))
def get_generation(generation_id: Id, session: SessionDep) -> dict[str, Any]:
    return gen_svc.as_dict(gen_svc.get_generation(session, generation_id))


@router.post(
    "/generations/{generation_id}/cancel", response_model=None, responses=doc(GenerationOut)
)
async def cancel(
    generation_id: Id, session: SessionDep, generations: GenerationsDep
) -> dict[str, Any]:
    return gen_svc.as_dict(await generations.cancel(session, generation_id))


@router.post(
    "/generations/{generation_id}/retry",
    status_code=202,
    response_model=None,
    responses=doc(GenerationOut, 202),
)
async def retry(
    generation_id: Id, session: SessionDep, generations: GenerationsDep
) -> dict[str, Any]:
    return gen_svc.as_dict(await generations.requeue(session, generation_id, new_seed_value=False))


@router.post(
    "/generations/{generation_id}/regenerate",
    status_code=202,
    response_model=None,
    responses=doc(GenerationOut, 202),
)
async def regenerate(
    generation_id: Id, session: SessionDep, generations: GenerationsDep
) -> dict[str, Any]:
    return gen_svc.as_dict(await generations.requeue(session, generation_id, new_seed_value=True))


@router.delete("/generations/{generation_id}", status_code=204, response_model=None)
def delete(generation_id: Id, session: SessionDep, history: HistoryDep) -> Response:
    history.delete_generation(session, generation_id)
    return Response(status_code=204)


@router.post(
    "/generations/{generation_id}/favourite", response_model=None, responses=doc(GenerationOut)
)
def favourite(
    generation_id: Id, body: FavouriteBody, session: SessionDep, history: HistoryDep
) -> dict[str, Any]:
    return gen_svc.as_dict(history.set_favourite(session, generation_id, body.favourite))


@router.get("/generations/{generation_id}/versions", response_model=None)
def versions(generation_id: Id, session: SessionDep, history: HistoryDep) -> list[dict[str, Any]]:
    return [
        v.model_dump(mode="json", exclude={"audio_path", "raw_path"})
        for v in history.versions(session, generation_id)
    ]


@router.get("/generations/{generation_id}/audio", response_model=None)
def audio(
    generation_id: Id,
    format: str = Query(default="wav", pattern="^(wav|mp3|flac|ogg|opus|aac)$"),
    version: int | None = Query(default=None, ge=1, le=MAX_ID),
    *,
    session: SessionDep,
    history: HistoryDep,
    files: FilesDep,
) -> Response:
    gen = gen_svc.get_generation(session, generation_id)
    path = gen.audio_path
    if version is not None:
        match = [v for v in history.versions(session, generation_id) if v.version == version]
        if not match:
            raise NotFoundError(
                f"generation {generation_id} has no version {version}", field="version"
            )
        path = match[0].audio_path
    if not path:
        raise ConflictError(f"generation {generation_id} has no audio yet (it is {gen.status})")
    data = files.read(path)
    if format != "wav":
        import io

        import soundfile as sf

        from core.audio.encode import encode

        samples, rate = sf.read(io.BytesIO(data), dtype="float32")
        data = encode(samples, int(rate), format)
    ext = "ogg" if format == "opus" else format
    return Response(
        data,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="generation-{generation_id}.{ext}"'},
    )


@router.get("/history", response_model=None, responses=doc(HistoryPage))
def history(
    q: str | None = Query(default=None, max_length=500),
    profile_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    status: str | None = None,
    engine: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    favourite: bool | None = None,
    group_id: str | None = None,
    limit: int = 50,
    offset: int = Query(default=0, ge=0, le=MAX_ID),
    *,
    session: SessionDep,
    history_service: HistoryDep,
) -> JSONResponse:
    query = hist.HistoryQuery(
        q, profile_id, status, engine, since, until, favourite, group_id, limit, offset
    )
    rows, total = history_service.list_history(session, query)
    # Already JSON-ready: skip FastAPI's recursive encoder (it dominates large pages).
    return JSONResponse(
        {
            "items": [gen_svc.as_dict(g) for g in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


@router.get("/history/stats", response_model=None)
def stats(session: SessionDep, history: HistoryDep) -> dict[str, Any]:
    return history.stats(session)


async def _stream(
    events: EventBus,
    queue: asyncio.Queue[Event] | None,
    generation_id: int | None,
    current: dict[str, Any] | None,
) -> AsyncIterator[dict[str, str]]:
    """Events from `queue` (opened before `current` was read, so nothing falls between; None:
    a queue of its own, opened when the stream starts)."""
    if current is not None:
        yield {"event": "generation", "data": json.dumps(current)}
        if current["status"] in FINAL_STATUSES and queue is not None:
            events.close(queue)
            return
    async for event in events.subscribe(queue):
        gen = event.get("generation", {})
        owner = gen.get("id") if gen else event.get("generation_id")  # audio_piece events
        if generation_id is not None and owner != generation_id:
            continue
        yield {"event": event["type"], "data": json.dumps(gen or event)}
        if generation_id is not None and gen.get("status") in FINAL_STATUSES:
            return


@router.get("/events", response_model=None)
async def app_events(events: EventsDep) -> Any:
    from sse_starlette.sse import EventSourceResponse

    return EventSourceResponse(_stream(events, None, None, None), ping=15)


@router.get("/generations/{generation_id}/events", response_model=None)
async def generation_events(generation_id: Id, session: SessionDep, events: EventsDep) -> Any:
    from sse_starlette.sse import EventSourceResponse

    queue = events.open()
    try:
        current = gen_svc.as_dict(gen_svc.get_generation(session, generation_id))
    except BaseException:
        events.close(queue)
        raise
    return EventSourceResponse(_stream(events, queue, generation_id, current), ping=15)
