"""SQLModel tables. Audio paths are stored relative to the data dir."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class VoiceType(StrEnum):
    cloned = "cloned"
    preset = "preset"
    designed = "designed"


class GenerationStatus(StrEnum):
    queued = "queued"
    loading_model = "loading_model"
    generating = "generating"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


ACTIVE_STATUSES = (GenerationStatus.loading_model, GenerationStatus.generating)
FINAL_STATUSES = (GenerationStatus.completed, GenerationStatus.failed, GenerationStatus.cancelled)


class Profile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    voice_type: str = Field(default=VoiceType.cloned, max_length=16)
    language: str = Field(default="en", max_length=16)
    preset_engine: str | None = Field(default=None, max_length=64)
    preset_voice: str | None = Field(default=None, max_length=128)
    default_engine: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProfileSample(SQLModel, table=True):
    __tablename__ = "profile_sample"
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(
        sa_column=Column(Integer, ForeignKey("profile.id", ondelete="CASCADE"), index=True)
    )
    audio_path: str = Field(max_length=255)
    original_path: str = Field(max_length=255)
    original_format: str = Field(max_length=16)
    reference_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    duration: float
    sample_rate: int
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class VoicePromptCache(SQLModel, table=True):
    __tablename__ = "voice_prompt_cache"
    id: int | None = Field(default=None, primary_key=True)
    cache_key: str = Field(max_length=64, unique=True, index=True)
    profile_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("profile.id", ondelete="CASCADE"), index=True),
    )
    engine: str = Field(max_length=64)
    model_size: str = Field(max_length=64)
    format: str = Field(max_length=16)
    data: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Generation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("profile.id", ondelete="SET NULL"), index=True),
    )
    profile_name: str = Field(default="", max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="en", max_length=16)
    seed: int | None = None
    """None for engines that are not reproducible (a seed would have no effect)."""
    engine: str | None = Field(default=None, max_length=64)
    model_size: str | None = Field(default=None, max_length=64)
    provider: str = Field(default="local", max_length=64)
    source: str = Field(default="app", max_length=16)
    instruct: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    normalize: bool = True
    status: str = Field(default=GenerationStatus.queued, max_length=16, index=True)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_code: str | None = Field(default=None, max_length=64)
    group_id: str | None = Field(default=None, max_length=36, index=True)
    favourite: bool = Field(default=False, index=True)
    audio_path: str | None = Field(default=None, max_length=255)
    duration: float | None = None
    sample_rate: int | None = None
    version_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    queue_wait_ms: float | None = None
    prompt_ms: float | None = None
    synth_ms: float | None = None
    rtf: float | None = None


class GenerationVersion(SQLModel, table=True):
    __tablename__ = "generation_version"
    id: int | None = Field(default=None, primary_key=True)
    generation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("generation.id", ondelete="CASCADE"), index=True)
    )
    version: int
    seed: int | None = None
    audio_path: str = Field(max_length=255)
    raw_path: str | None = Field(default=None, max_length=255)
    duration: float
    sample_rate: int
    created_at: datetime = Field(default_factory=utcnow)


class Story(SQLModel, table=True):
    """A multi-track piece: tracks hold clips placed on one timeline, rendered at `sample_rate`."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    sample_rate: int = 24_000
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StoryTrack(SQLModel, table=True):
    __tablename__ = "story_track"
    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(
        sa_column=Column(Integer, ForeignKey("story.id", ondelete="CASCADE"), index=True)
    )
    name: str = Field(default="", max_length=200)
    position: int = 0
    gain_db: float = 0.0
    muted: bool = False
    solo: bool = False


class StoryClip(SQLModel, table=True):
    """A take on a track: a generation version (`version` None = the generation's latest) or an
    imported file (`audio_path`). Times are seconds; `trim_start`/`trim_end` cut that much from
    each end of the source; fades are linear ramps inside the trimmed clip."""

    __tablename__ = "story_clip"
    id: int | None = Field(default=None, primary_key=True)
    track_id: int = Field(
        sa_column=Column(Integer, ForeignKey("story_track.id", ondelete="CASCADE"), index=True)
    )
    generation_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("generation.id", ondelete="RESTRICT"), index=True, nullable=True
        ),
    )
    version: int | None = None
    audio_path: str | None = Field(default=None, max_length=255)
    label: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    start: float = 0.0
    trim_start: float = 0.0
    trim_end: float = 0.0
    gain_db: float = 0.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    muted: bool = False


class VersionWords(SQLModel, table=True):
    """Word-level timestamps of one generation version (a JSON list of {word, start, end})."""

    __tablename__ = "version_words"
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("generation_version.id", ondelete="CASCADE"),
            unique=True,
            index=True,
        )
    )
    source: str = Field(default="whisper", max_length=16)
    words: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
