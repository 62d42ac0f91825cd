"""Word timings and captions of one take in History: the words stored with a generation
version (the background aligner stores them for every completed take), aligned now when it has
not reached that take yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from core.errors import ConflictError, NotFoundError
from core.services.generation import get_generation
from core.services.stories_captions import TimedWord, group_words, render_captions
from core.store.models import GenerationStatus, GenerationVersion

if TYPE_CHECKING:
    from core.services.alignment import Aligner


def version_id(session: Session, generation_id: int, version: int | None) -> int:
    """The id of the generation's take `version` (None: the current, newest one). 404 for an
    unknown generation or version, 409 while the generation has not completed."""
    gen = get_generation(session, generation_id)
    if gen.status != GenerationStatus.completed:
        raise ConflictError(
            f"generation {generation_id} is {gen.status}; its words can be read once it has "
            "completed"
        )
    query = select(GenerationVersion).where(GenerationVersion.generation_id == generation_id)
    if version is not None:
        query = query.where(GenerationVersion.version == version)
    found = session.exec(query.order_by(col(GenerationVersion.version).desc())).first()
    if found is None or found.id is None:
        raise NotFoundError(
            f"generation {generation_id} has no version {version}; see its versions at "
            f"/generations/{generation_id}/versions",
            field="version",
        )
    return found.id


async def take_words(
    session: Session, aligner: Aligner, generation_id: int, version: int | None = None
) -> list[TimedWord]:
    """The take's words with their times (seconds from the start of the take)."""
    words = await aligner.align_version(version_id(session, generation_id, version))
    if words is None:  # deleted while it was being aligned
        raise NotFoundError(f"generation {generation_id} does not exist", field="generation_id")
    return words


async def take_captions(
    session: Session, aligner: Aligner, generation_id: int, fmt: str, version: int | None = None
) -> str:
    """The take's captions as SRT or WebVTT (`fmt` "srt" or "vtt")."""
    words = await take_words(session, aligner, generation_id, version)
    return render_captions(group_words(words), fmt)
