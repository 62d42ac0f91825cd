"""Voice profiles and their samples."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.errors import AudioRejected, ConflictError, NotFoundError, ValidationFailed
from core.store.models import Generation, Profile, ProfileSample, VoiceType

if TYPE_CHECKING:
    from core.audio.files import FileStore
    from core.audio.signal import Cleaned
    from core.services.transcription import Transcriber


def _now() -> datetime:
    return datetime.now(UTC)


def get_profile(session: Session, profile_id: int) -> Profile:
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise NotFoundError(
            f"profile {profile_id} does not exist; list profiles with GET /profiles",
            field="profile_id",
        )
    return profile


def find_profile(session: Session, ref: str) -> Profile:
    """A profile by exact name, else case-insensitive name, else numeric id."""
    profile = session.exec(select(Profile).where(Profile.name == ref)).first()
    if profile is None:
        profile = session.exec(
            select(Profile).where(func.lower(Profile.name) == ref.lower())
        ).first()
    if profile is None and ref.isascii() and ref.isdigit() and int(ref) <= 2**63 - 1:
        profile = session.get(Profile, int(ref))  # an id in the database's 64-bit range
    if profile is None:
        raise NotFoundError(
            f"no voice profile named {ref!r}; create it first or use one of the names from "
            "GET /profiles",
            field="voice",
        )
    return profile


def default_profile(session: Session) -> Profile | None:
    """The voice used when none is named: the profile used last, else the first preset
    profile (None when there is neither)."""
    last = session.exec(
        select(Generation.profile_id)
        .where(col(Generation.profile_id).is_not(None))
        .order_by(col(Generation.created_at).desc(), col(Generation.id).desc())
    ).first()
    if last is not None:
        profile = session.get(Profile, last)
        if profile is not None:
            return profile
    return session.exec(
        select(Profile).where(Profile.voice_type == VoiceType.preset).order_by(col(Profile.id))
    ).first()


def check_profile_fields(
    voice_type: str, preset_engine: str | None, preset_voice: str | None
) -> None:
    if voice_type == VoiceType.preset and not (preset_engine and preset_voice):
        raise ValidationFailed(
            "a preset profile needs preset_engine and preset_voice (see GET /presets)",
            field="preset_voice",
        )


def _save(session: Session, profile: Profile) -> Profile:
    """Validate and commit a new or changed profile; a taken name is a 409 on `name`."""
    check_profile_fields(profile.voice_type, profile.preset_engine, profile.preset_voice)
    name = profile.name  # read now: a rollback expires the object back to its stored name
    session.add(profile)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(
            f"a profile named {name!r} already exists; pick another name",
            field="name",
        ) from None
    session.refresh(profile)
    return profile


def create_profile(session: Session, **fields: object) -> Profile:
    return _save(session, Profile(**fields))  # type: ignore[arg-type]


def update_profile(session: Session, profile_id: int, **fields: object) -> Profile:
    profile = get_profile(session, profile_id)
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.updated_at = _now()
    return _save(session, profile)


def list_samples(session: Session, profile_id: int) -> list[ProfileSample]:
    get_profile(session, profile_id)
    return list(
        session.exec(
            select(ProfileSample)
            .where(ProfileSample.profile_id == profile_id)
            .order_by(col(ProfileSample.id))
        )
    )


def get_sample(session: Session, profile_id: int, sample_id: int) -> ProfileSample:
    sample = session.get(ProfileSample, sample_id)
    if sample is None or sample.profile_id != profile_id:
        raise NotFoundError(
            f"sample {sample_id} does not exist in profile {profile_id}", field="sample_id"
        )
    return sample


def update_sample(session: Session, profile_id: int, sample_id: int, text: str) -> ProfileSample:
    sample = get_sample(session, profile_id, sample_id)
    sample.reference_text = text.strip()
    session.add(sample)
    session.commit()
    session.refresh(sample)
    return sample


class Profiles:
    """Removing profiles and adding or removing their samples: the work that touches audio
    files (in the caller's session). Plain reads and edits are the functions above."""

    def __init__(
        self, files: FileStore, transcriber: Transcriber, sample_min_s: float, sample_max_s: float
    ) -> None:
        self.files = files
        self.transcriber = transcriber
        self.sample_min_s = sample_min_s
        self.sample_max_s = sample_max_s

    def delete_profile(self, session: Session, profile_id: int) -> None:
        profile = get_profile(session, profile_id)
        session.delete(profile)
        session.commit()
        self.files.delete_tree(f"audio/profiles/{int(profile_id)}")

    def prepare_sample(self, data: bytes) -> tuple[Cleaned, str]:
        """Decode, validate and clean an upload (blocking: call in a worker thread)."""
        from core.audio.decode import decode
        from core.audio.signal import too_long_message, validate_and_clean

        decoded = decode(data, max_seconds=self.sample_max_s + 30)
        if decoded.too_long:
            raise AudioRejected(
                too_long_message(None, self.sample_min_s, self.sample_max_s), field="audio"
            )
        cleaned = validate_and_clean(
            decoded.samples,
            decoded.native_rate,
            min_s=self.sample_min_s,
            max_s=self.sample_max_s,
            clipped=decoded.clipped,
        )
        return cleaned, decoded.format

    async def add_sample(
        self,
        session: Session,
        profile_id: int,
        data: bytes,
        reference_text: str | None,
        *,
        transcribe: bool = False,
    ) -> ProfileSample:
        """Validate first, then write the files and the row together; nothing is left
        half-written on any failure."""
        from core.audio.encode import wav_bytes

        profile = get_profile(session, profile_id)
        if profile.voice_type != VoiceType.cloned:
            raise ValidationFailed(
                f"profile {profile.name!r} is a {profile.voice_type} voice; samples belong to "
                "cloned profiles",
                field="profile_id",
            )
        session.commit()  # end the read while the upload is decoded
        cleaned, fmt = await asyncio.to_thread(self.prepare_sample, data)
        wav = await asyncio.to_thread(wav_bytes, cleaned.samples, cleaned.sample_rate)
        text = (reference_text or "").strip()
        if not text and transcribe:
            text = (await self.transcriber.transcribe(wav)).text
        return await asyncio.to_thread(
            self._store_sample, session, profile_id, data, fmt, wav, cleaned, text
        )

    def _store_sample(
        self,
        session: Session,
        profile_id: int,
        original: bytes,
        fmt: str,
        wav: bytes,
        cleaned: Cleaned,
        text: str,
    ) -> ProfileSample:
        digest = hashlib.sha256(wav).hexdigest()
        sample = ProfileSample(
            profile_id=profile_id,
            audio_path="",
            original_path="",
            original_format=fmt,
            reference_text=text,
            duration=round(cleaned.duration, 3),
            sample_rate=cleaned.sample_rate,
            content_hash=digest,
        )
        session.add(sample)
        session.flush()
        assert sample.id is not None
        cleaned_path, original_path = self.files.sample_paths(profile_id, sample.id, fmt)
        try:
            self.files.write(original_path, original)
            self.files.write(cleaned_path, wav)
            sample.audio_path, sample.original_path = cleaned_path, original_path
            session.add(sample)
            session.commit()
        except BaseException:
            session.rollback()
            self.files.delete(cleaned_path, original_path)
            raise
        session.refresh(sample)
        return sample

    def delete_sample(self, session: Session, profile_id: int, sample_id: int) -> None:
        sample = get_sample(session, profile_id, sample_id)
        paths = (sample.audio_path, sample.original_path)
        session.delete(sample)
        session.commit()
        self.files.delete(*paths)
