"""Creating, cancelling, retrying and regenerating generations, and start-up recovery."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update

from core.errors import ConflictError, NotFoundError, ValidationFailed
from core.services import pauses
from core.services.profiles import get_profile
from core.store.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Generation,
    GenerationStatus,
    Profile,
    ProfileSample,
    VoiceType,
)
from core.text import speakable, without_controls
from core.tts.guidance import PURPOSE_BY_VOICE_TYPE

if TYPE_CHECKING:
    from core.services.events import EventBus
    from core.services.planning import Planner

MAX_VARIATIONS = 10
SEED_MAX = 2**32 - 1


@dataclass
class GenerateParams:
    profile_id: int
    text: str
    language: str | None = None
    seed: int | None = None
    engine: str | None = None
    model_size: str | None = None
    instruct: str | None = None
    normalize: bool = True
    variations: int = 1
    source: str = "app"
    """Where the request came from (app, api, cli, mcp, wyoming, story), shown in History."""


def new_seed() -> int:
    return secrets.randbelow(2**31)


NOT_RETRYABLE = frozenset(
    {
        "validation_error",
        "invalid_request",
        "unsupported_parameter",
        "unsupported_language",
        "cannot_clone",
        "capability_unavailable",
        "invalid_audio",
        "unknown_engine",
        "unknown_model",
        "voice_prompt_mismatch",
        "not_found",
        "payload_too_large",
    }
)
"""Failures a retry cannot mend (the request itself is wrong for the model). Everything else
(an interruption, a provider crash, out of memory, a model not downloaded yet) may succeed."""


def retryable(gen: Generation) -> bool:
    """Whether a retry may succeed: only failed or cancelled generations are retried."""
    if gen.status not in (GenerationStatus.failed, GenerationStatus.cancelled):
        return False
    return gen.error_code not in NOT_RETRYABLE


def as_dict(gen: Generation) -> dict[str, Any]:
    data = gen.model_dump(mode="json")
    data["audio_url"] = f"/generations/{gen.id}/audio" if gen.audio_path else None
    data["retryable"] = retryable(gen)
    data.pop("audio_path", None)
    return data


def publish(events: EventBus, gen: Generation) -> None:
    events.publish({"type": "generation", "generation": as_dict(gen)})


class Queue(Protocol):
    """What submitting needs of the queue (the queue itself imports this module)."""

    def enqueue(self, generation_id: int) -> None: ...

    def cancel_running(self, generation_id: int) -> None: ...


class Generations:
    """Submitting, cancelling and rerunning generations (in the caller's session); the queue
    runs them."""

    def __init__(
        self, events: EventBus, queue: Queue, planner: Planner, max_text_chars: int
    ) -> None:
        self.events = events
        self.queue = queue
        self.planner = planner
        self.max_text_chars = max_text_chars

    async def submit(self, session: Session, params: GenerateParams) -> list[Generation]:
        text = speakable(params.text)
        pauses.parse(text)  # a malformed pause tag is a 422 naming its position
        instruct = params.instruct
        if instruct is not None:
            instruct = without_controls(instruct, field="instruct").strip() or None
        if len(text) > self.max_text_chars:
            raise ValidationFailed(
                f"text is {len(text)} characters; the limit is {self.max_text_chars}. "
                "Split it into shorter pieces",
                field="text",
            )
        if not 1 <= params.variations <= MAX_VARIATIONS:
            raise ValidationFailed(f"variations must be 1-{MAX_VARIATIONS}", field="variations")
        profile = get_profile(session, params.profile_id)
        if (
            profile.voice_type == VoiceType.cloned
            and not session.exec(
                select(ProfileSample.id).where(ProfileSample.profile_id == profile.id)
            ).first()
        ):
            raise ValidationFailed(
                f"profile {profile.name!r} has no voice samples yet; add a 2-30 s recording "
                "of the voice to it first",
                field="profile_id",
            )
        session.commit()  # end the read before asking the provider
        plan = await self.planner.plan(profile, params.engine, params.model_size, instruct)
        language = plan.language(params.language, profile.language)
        base_seed = params.seed if params.seed is not None else new_seed()
        group = str(uuid.uuid4()) if params.variations > 1 else None
        created: list[Generation] = []
        for index in range(params.variations):
            gen = Generation(
                profile_id=profile.id,
                profile_name=profile.name,
                text=text,
                language=language,
                seed=(base_seed + index) % (SEED_MAX + 1) if plan.reproducible else None,
                engine=plan.engine,
                model_size=plan.model_size,
                provider=plan.provider_id,
                instruct=instruct,
                normalize=params.normalize,
                group_id=group,
                source=params.source,
            )
            session.add(gen)
            created.append(gen)
        session.commit()
        for gen in created:
            session.refresh(gen)
            assert gen.id is not None
            publish(self.events, gen)
            self.queue.enqueue(gen.id)
        return created

    async def cancel(self, session: Session, generation_id: int) -> Generation:
        gen = get_generation(session, generation_id)
        if gen.status in FINAL_STATUSES:
            raise ConflictError(
                f"generation {generation_id} is already {gen.status}; nothing to cancel"
            )
        gen.status = GenerationStatus.cancelled
        gen.error = "cancelled by the user"
        gen.error_code = "cancelled"
        gen.completed_at = datetime.now(UTC)
        session.add(gen)
        session.commit()
        session.refresh(gen)
        self.queue.cancel_running(generation_id)
        publish(self.events, gen)
        return gen

    async def requeue(
        self, session: Session, generation_id: int, *, new_seed_value: bool
    ) -> Generation:
        """Retry (same seed; failed or cancelled ones) or regenerate (new seed; a new version).
        Its model must still be on this machine (409 `model_not_downloaded` otherwise)."""
        stored = get_generation(session, generation_id)
        owner = session.get(Profile, stored.profile_id) if stored.profile_id else None
        where = (stored.engine, stored.model_size)
        final = stored.status in FINAL_STATUSES
        session.commit()  # end the read before asking the provider
        if owner is not None and final:
            purpose = PURPOSE_BY_VOICE_TYPE.get(owner.voice_type, "speak")
            await self.planner.check_model(*where, purpose)
        gen = get_generation(session, generation_id)
        session.refresh(gen)
        if gen.status not in FINAL_STATUSES:
            raise ConflictError(
                f"generation {generation_id} is still {gen.status}; wait for it or cancel it"
            )
        if not new_seed_value and gen.status == GenerationStatus.completed:
            raise ConflictError(
                f"generation {generation_id} completed; use regenerate for a new take"
            )
        if gen.profile_id is None:
            raise ConflictError("the profile of this generation was deleted; it cannot rerun")
        if new_seed_value and gen.seed is not None:
            gen.seed = new_seed()
        gen.status = GenerationStatus.queued
        gen.error = gen.error_code = None
        gen.started_at = gen.completed_at = None
        session.add(gen)
        session.commit()
        session.refresh(gen)
        assert gen.id is not None
        publish(self.events, gen)
        self.queue.enqueue(gen.id)
        return gen


def get_generation(session: Session, generation_id: int) -> Generation:
    gen = session.get(Generation, generation_id)
    if gen is None:
        raise NotFoundError(f"generation {generation_id} does not exist", field="generation_id")
    return gen


def recover(db: Engine) -> list[Generation]:
    """At start: mark generations a crash left running as failed; return the queued ones (in
    order) so they can be queued again. Nothing else changes."""
    with Session(db, expire_on_commit=False) as session:
        session.exec(
            update(Generation)
            .where(col(Generation.status).in_([s.value for s in ACTIVE_STATUSES]))
            .values(
                status=GenerationStatus.failed,
                error="the core stopped while this generation was running; retry it",
                error_code="interrupted",
                completed_at=datetime.now(UTC),
            )
        )
        session.commit()
        return list(
            session.exec(
                select(Generation)
                .where(Generation.status == GenerationStatus.queued)
                .order_by(col(Generation.id))
            )
        )
