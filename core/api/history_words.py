"""/history/{id}/words and /history/{id}/captions: a take's word timings and its captions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from core.api.deps import AlignerDep, Id, SessionDep
from core.api.schemas import MAX_ID
from core.api.stories import WordOut
from core.services import history_words as svc

router = APIRouter(tags=["generations"])
Version = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="the take's version (default: the current)")
]


@router.get("/history/{generation_id}/words", response_model=list[WordOut])
async def take_words(
    generation_id: Id, version: Version = None, *, session: SessionDep, aligner: AlignerDep
) -> list[WordOut]:
    """Word timings of a completed take (aligned now when the background run has not yet)."""
    words = await svc.take_words(session, aligner, generation_id, version)
    return [WordOut(word=w.word, start=w.start, end=w.end) for w in words]


@router.get("/history/{generation_id}/captions", response_class=PlainTextResponse)
async def take_captions(
    generation_id: Id,
    format: Literal["srt", "vtt"] = "srt",
    version: Version = None,
    *,
    session: SessionDep,
    aligner: AlignerDep,
) -> PlainTextResponse:
    """Captions of a completed take, as SRT or WebVTT (times from the start of the take)."""
    text = await svc.take_captions(session, aligner, generation_id, format, version)
    media = "text/vtt" if format == "vtt" else "application/x-subrip"
    name = f"generation-{generation_id}.{format}"
    return PlainTextResponse(
        text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
