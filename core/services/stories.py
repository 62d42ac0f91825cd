"""Stories: tracks and clips on a timeline. Deleting a story never touches the generations it
uses; a generation a story uses cannot be deleted (see `ensure_unused`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from core.errors import ConflictError, NotFoundError, ValidationFailed
from core.store.models import (
    Generation,
    GenerationVersion,
    Story,
    StoryClip,
    StoryTrack,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.audio.files import FileStore


MIN_RATE, MAX_RATE = 8_000, 96_000
CLIP_FIELDS = "start trim_start trim_end gain_db fade_in fade_out muted label version".split()  # noqa: SIM905


@dataclass
class StoryState:
    story: Story
    tracks: list[StoryTrack]
    clips: list[StoryClip]


def _now() -> datetime:
    return datetime.now(UTC)


def _check_rate(rate: int) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValidationFailed(
            f"sample_rate {rate} is out of range; use {MIN_RATE}-{MAX_RATE} Hz (24000 or 48000)",
            field="sample_rate",
        )


def get_story(session: Session, story_id: int) -> Story:
    story = session.get(Story, story_id)
    if story is None:
        raise NotFoundError(
            f"story {story_id} does not exist; list stories with GET /stories", field="story_id"
        )
    return story


def _touch(session: Session, story_id: int) -> None:
    story = get_story(session, story_id)
    story.updated_at = _now()
    session.add(story)


def load(session: Session, story_id: int) -> StoryState:
    story = get_story(session, story_id)
    tracks = list(
        session.exec(
            select(StoryTrack)
            .where(StoryTrack.story_id == story_id)
            .order_by(col(StoryTrack.position), col(StoryTrack.id))
        )
    )
    ids = [t.id for t in tracks]
    clips = list(
        session.exec(
            select(StoryClip)
            .where(col(StoryClip.track_id).in_(ids))
            .order_by(col(StoryClip.start), col(StoryClip.id))
        )
    )
    return StoryState(story, tracks, clips)


def _track(session: Session, story_id: int, track_id: int) -> StoryTrack:
    track = session.get(StoryTrack, track_id)
    if track is None or track.story_id != story_id:
        raise NotFoundError(f"story {story_id} has no track {track_id}", field="track_id")
    return track


def _clip(session: Session, story_id: int, clip_id: int) -> StoryClip:
    clip = session.get(StoryClip, clip_id)
    track = session.get(StoryTrack, clip.track_id) if clip else None
    if clip is None or track is None or track.story_id != story_id:
        raise NotFoundError(f"story {story_id} has no clip {clip_id}", field="clip_id")
    return clip


def source_duration(session: Session, clip: StoryClip) -> float | None:
    """The length of the clip's take in seconds (None for an imported file or a take that is
    still being generated)."""
    if clip.generation_id is None:
        return None
    try:
        return _version(session, clip.generation_id, clip.version).duration
    except ConflictError:  # still generating
        return None


def _version(session: Session, generation_id: int, version: int | None) -> GenerationVersion:
    query = select(GenerationVersion).where(GenerationVersion.generation_id == generation_id)
    if version is not None:
        query = query.where(GenerationVersion.version == version)
    found = session.exec(query.order_by(col(GenerationVersion.version).desc())).first()
    if found is None:
        which = f"version {version}" if version is not None else "audio yet"
        raise ConflictError(
            f"generation {generation_id} has no {which}; wait for it to complete",
            field="version",
        )
    return found


def clip_version_id(session: Session, story_id: int, clip_id: int) -> int | None:
    """The generation version a clip plays (None for an imported file)."""
    clip = _clip(session, story_id, clip_id)
    if clip.generation_id is None:
        return None
    return _version(session, clip.generation_id, clip.version).id


def _check_clip(session: Session, clip: StoryClip, duration: float | None) -> None:
    for name in ("start", "trim_start", "trim_end", "fade_in", "fade_out"):
        if getattr(clip, name) < 0:
            raise ValidationFailed(f"{name} must be 0 or more (seconds)", field=name)
    if not -60.0 <= clip.gain_db <= 24.0:
        raise ValidationFailed("gain_db must be between -60 and +24 dB", field="gain_db")
    if duration is not None and clip.trim_start + clip.trim_end >= duration:
        raise ValidationFailed(
            f"trim_start + trim_end ({clip.trim_start + clip.trim_end:.3f} s) leaves nothing of "
            f"the {duration:.3f} s take; trim less",
            field="trim_end",
        )


def stories_using(session: Session, generation_id: int) -> list[Story]:
    return list(
        session.exec(
            select(Story)
            .join(StoryTrack, col(StoryTrack.story_id) == col(Story.id))
            .join(StoryClip, col(StoryClip.track_id) == col(StoryTrack.id))
            .where(StoryClip.generation_id == generation_id)
            .distinct()
        )
    )


def ensure_unused(session: Session, generation_id: int) -> None:
    """ConflictError naming the stories that use this generation (before deleting it)."""
    users = stories_using(session, generation_id)
    if users:
        names = ", ".join(f"{s.name!r} (story {s.id})" for s in users)
        raise ConflictError(
            f"generation {generation_id} is used by {names}; remove its clips from the story "
            "first, or delete the story",
            field="generation_id",
        )


class Stories:
    """Stories, their tracks and clips (each call in a session of its own)."""

    def __init__(self, db: Engine, files: FileStore) -> None:
        self.db = db
        self.files = files

    def list_stories(self) -> list[Story]:
        with Session(self.db) as session:
            return list(session.exec(select(Story).order_by(col(Story.updated_at).desc())))

    def create_story(self, name: str, sample_rate: int = 24_000) -> Story:
        _check_rate(sample_rate)
        with Session(self.db, expire_on_commit=False) as session:
            story = Story(name=name.strip() or "Untitled story", sample_rate=sample_rate)
            session.add(story)
            session.commit()
            return story

    def update_story(
        self, story_id: int, *, name: str | None = None, sample_rate: int | None = None
    ) -> Story:
        with Session(self.db, expire_on_commit=False) as session:
            story = get_story(session, story_id)
            if name is not None:
                story.name = name.strip() or story.name
            if sample_rate is not None:
                _check_rate(sample_rate)
                story.sample_rate = sample_rate
            story.updated_at = _now()
            session.add(story)
            session.commit()
            return story

    def delete_story(self, story_id: int) -> None:
        """Tracks and clips go with the story (and imported files); generations stay."""
        with Session(self.db) as session:
            session.delete(get_story(session, story_id))
            session.commit()
        self.files.delete_tree(f"audio/stories/{int(story_id)}")

    def duplicate_story(self, story_id: int) -> Story:
        with Session(self.db, expire_on_commit=False) as session:
            state = load(session, story_id)
            copy = Story(name=f"{state.story.name} (copy)", sample_rate=state.story.sample_rate)
            session.add(copy)
            session.flush()
            assert copy.id is not None
            for track in state.tracks:
                new_track = StoryTrack(
                    **track.model_dump(exclude={"id", "story_id"}), story_id=copy.id
                )
                session.add(new_track)
                session.flush()
                assert new_track.id is not None
                for clip in (c for c in state.clips if c.track_id == track.id):
                    data = clip.model_dump(exclude={"id", "track_id"})
                    if clip.audio_path:
                        data["audio_path"] = self._copy_import(clip.audio_path, copy.id)
                    session.add(StoryClip(**data, track_id=new_track.id))
            session.commit()
            return copy

    def _copy_import(self, path: str, story_id: int) -> str:
        name = path.rsplit("/", 1)[-1]
        target = f"audio/stories/{int(story_id)}/imports/{name}"
        self.files.write(target, self.files.read(path))
        return target

    def add_track(self, story_id: int, name: str = "") -> StoryTrack:
        with Session(self.db, expire_on_commit=False) as session:
            state = load(session, story_id)
            position = max((t.position for t in state.tracks), default=-1) + 1
            track = StoryTrack(
                story_id=story_id, name=name or f"Track {position + 1}", position=position
            )
            session.add(track)
            _touch(session, story_id)
            session.commit()
            return track

    def update_track(self, story_id: int, track_id: int, **fields: Any) -> StoryTrack:
        with Session(self.db, expire_on_commit=False) as session:
            track = _track(session, story_id, track_id)
            for key, value in fields.items():
                if value is not None:
                    setattr(track, key, value)
            session.add(track)
            _touch(session, story_id)
            session.commit()
            return track

    def delete_track(self, story_id: int, track_id: int) -> None:
        with Session(self.db) as session:
            session.delete(_track(session, story_id, track_id))
            _touch(session, story_id)
            session.commit()

    def add_clip(
        self, story_id: int, track_id: int, generation_id: int, **fields: Any
    ) -> StoryClip:
        with Session(self.db, expire_on_commit=False) as session:
            _track(session, story_id, track_id)
            gen = session.get(Generation, generation_id)
            if gen is None:
                raise NotFoundError(
                    f"generation {generation_id} does not exist", field="generation_id"
                )
            given = {k: v for k, v in fields.items() if v is not None}
            clip = StoryClip(
                track_id=track_id,
                generation_id=generation_id,
                **{"label": gen.text, **given},
            )
            duration = _version(session, generation_id, clip.version).duration
            _check_clip(session, clip, duration)
            session.add(clip)
            _touch(session, story_id)
            session.commit()
            return clip

    def add_imported_clip(
        self, story_id: int, track_id: int, wav: bytes, duration: float, label: str, start: float
    ) -> StoryClip:
        """A clip of an uploaded file (already decoded to WAV), stored under the story's folder."""
        with Session(self.db, expire_on_commit=False) as session:
            _track(session, story_id, track_id)
            clip = StoryClip(track_id=track_id, label=label, start=start)
            _check_clip(session, clip, duration)
            session.add(clip)
            session.flush()
            assert clip.id is not None
            clip.audio_path = self.files.write(
                f"audio/stories/{int(story_id)}/imports/{int(clip.id)}.wav", wav
            )
            session.add(clip)
            _touch(session, story_id)
            session.commit()
            return clip

    def update_clip(
        self, story_id: int, clip_id: int, *, track_id: int | None = None, **fields: Any
    ) -> StoryClip:
        with Session(self.db, expire_on_commit=False) as session:
            clip = _clip(session, story_id, clip_id)
            if track_id is not None:
                clip.track_id = _track(session, story_id, track_id).id or clip.track_id
            for key in CLIP_FIELDS:
                if fields.get(key) is not None:
                    setattr(clip, key, fields[key])
            _check_clip(session, clip, source_duration(session, clip))
            session.add(clip)
            _touch(session, story_id)
            session.commit()
            return clip

    def delete_clip(self, story_id: int, clip_id: int) -> None:
        with Session(self.db) as session:
            clip = _clip(session, story_id, clip_id)
            path = clip.audio_path
            session.delete(clip)
            _touch(session, story_id)
            session.commit()
        if path and not self._path_used(path):
            self.files.delete(path)

    def _path_used(self, path: str) -> bool:
        with Session(self.db) as session:
            return (
                session.exec(select(StoryClip.id).where(StoryClip.audio_path == path)).first()
                is not None
            )

    def duplicate_clip(self, story_id: int, clip_id: int) -> StoryClip:
        """A copy right after the original on the same track."""
        with Session(self.db, expire_on_commit=False) as session:
            clip = _clip(session, story_id, clip_id)
            length = self.clip_length(session, clip)
            copy = StoryClip(**clip.model_dump(exclude={"id"}))
            copy.start = clip.start + length
            session.add(copy)
            _touch(session, story_id)
            session.commit()
            return copy

    def clip_length(self, session: Session, clip: StoryClip) -> float:
        """Audible length in seconds (the take's length less the trims)."""
        duration = source_duration(session, clip)
        if duration is None and clip.audio_path:
            import soundfile as sf

            duration = float(sf.info(str(self.files.existing(clip.audio_path))).duration)
        if duration is None:
            raise ConflictError(
                f"clip {clip.id} has no audio yet (its take is still being generated)",
                field="clip_id",
            )
        return max(0.0, duration - clip.trim_start - clip.trim_end)

    def split_clip(self, story_id: int, clip_id: int, at: float) -> tuple[StoryClip, StoryClip]:
        """Split at timeline time `at`: the left part keeps the id, the right part is new."""
        with Session(self.db, expire_on_commit=False) as session:
            clip = _clip(session, story_id, clip_id)
            length = self.clip_length(session, clip)
            offset = at - clip.start
            if not 0 < offset < length:
                raise ValidationFailed(
                    f"split point {at:.3f} s is outside clip {clip_id} "
                    f"({clip.start:.3f}-{clip.start + length:.3f} s); move the playhead onto it",
                    field="at",
                )
            right = StoryClip(**clip.model_dump(exclude={"id"}))
            right.start = at
            right.trim_start = clip.trim_start + offset
            right.fade_in = 0.0
            clip.trim_end = clip.trim_end + (length - offset)
            clip.fade_out = 0.0
            session.add(clip)
            session.add(right)
            _touch(session, story_id)
            session.commit()
            return clip, right
