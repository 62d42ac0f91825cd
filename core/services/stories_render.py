"""Rendering a story: its clips as one mix at the story's rate (core.audio.mix), encoded to
wav/mp3/flac/opus, and its captions with times shifted by the clip positions."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from core.audio.decode import Samples
from core.audio.mix import MixClip, db_to_gain, mix, resample, to_samples
from core.errors import NotFoundError, ValidationFailed
from core.services.stories import StoryState, _version, load
from core.services.stories_captions import (
    Cue,
    TimedWord,
    clip_words,
    group_words,
    render_captions,
)
from core.store.models import StoryClip, StoryTrack, VersionWords

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.audio.files import FileStore
    from core.services.events import EventBus


EXPORT_FORMATS = ("wav", "mp3", "flac", "opus")
CAPTION_FORMATS = ("srt", "vtt")


@dataclass
class Placed:
    """A clip with its source resolved: audio at the story rate and its word timings."""

    clip: StoryClip
    track: StoryTrack
    mix: MixClip
    words: list[TimedWord] | None


def audible(tracks: list[StoryTrack]) -> set[int | None]:
    """Soloed tracks when any is soloed, else every unmuted track."""
    solo = {t.id for t in tracks if t.solo}
    return solo or {t.id for t in tracks if not t.muted}


def _source(session: Session, clip: StoryClip) -> tuple[str, list[TimedWord] | None]:
    if clip.audio_path:
        return clip.audio_path, None
    assert clip.generation_id is not None
    version = _version(session, clip.generation_id, clip.version)
    stored = session.exec(select(VersionWords).where(VersionWords.version_id == version.id)).first()
    words = [TimedWord(**w) for w in json.loads(stored.words)] if stored else None
    return version.audio_path, words


def _check_format(fmt: str, allowed: tuple[str, ...], field: str) -> None:
    if fmt not in allowed:
        raise ValidationFailed(
            f"format {fmt!r} is not offered; use {', '.join(allowed)}", field=field
        )


def _cues(placed: list[Placed], rate: int) -> list[Cue]:
    cues: list[Cue] = []
    for item in placed:
        clip, seconds = item.clip, item.mix.length / rate
        if seconds <= 0:
            continue
        if item.words:
            words = clip_words(
                item.words, start=clip.start, trim_start=clip.trim_start, visible=seconds
            )
            cues.extend(group_words(words))
        elif clip.label.strip():
            cues.append(Cue(round(clip.start, 3), round(clip.start + seconds, 3), clip.label))
    return sorted(cues, key=lambda c: (c.start, c.end))


class StoryRender:
    """Mixing a story, exporting it and its captions."""

    def __init__(self, db: Engine, files: FileStore, events: EventBus) -> None:
        self.db = db
        self.files = files
        self.events = events

    def place(self, state: StoryState, *, only: int | None = None) -> list[Placed]:
        """Resolve the audible clips (or just clip `only`) of a loaded story."""
        import soundfile as sf

        rate = state.story.sample_rate
        keep = audible(state.tracks)
        tracks = {t.id: t for t in state.tracks}
        cache: dict[str, Samples] = {}
        placed: list[Placed] = []
        with Session(self.db) as session:
            for clip in state.clips:
                if only is not None and clip.id != only:
                    continue
                if only is None and (clip.muted or clip.track_id not in keep):
                    continue
                path, words = _source(session, clip)
                if path not in cache:
                    data, source_rate = sf.read(
                        io.BytesIO(self.files.read(path)), dtype="float32", always_2d=True
                    )
                    cache[path] = resample(data.mean(axis=1), int(source_rate), rate)
                track = tracks[clip.track_id]
                samples = cache[path]
                trim_start = min(to_samples(clip.trim_start, rate), samples.size)
                trim_end = min(to_samples(clip.trim_end, rate), samples.size - trim_start)
                mixed = MixClip(
                    samples=samples,
                    start=to_samples(clip.start, rate),
                    trim_start=trim_start,
                    trim_end=trim_end,
                    gain=db_to_gain(clip.gain_db + track.gain_db),
                    fade_in=to_samples(clip.fade_in, rate),
                    fade_out=to_samples(clip.fade_out, rate),
                )
                placed.append(Placed(clip, track, mixed, words))
        return placed

    def render_samples(
        self, story_id: int, progress: Callable[[float], None] | None = None
    ) -> tuple[Samples, int]:
        with Session(self.db) as session:
            state = load(session, story_id)
        placed = self.place(state)
        rate = state.story.sample_rate
        return mix([p.mix for p in placed], rate=rate, progress=progress), rate

    async def export_audio(self, story_id: int, fmt: str = "wav") -> bytes:
        """The story's mix, encoded; progress is published as `story_render` events (0-1)."""
        _check_format(fmt, EXPORT_FORMATS, "format")
        loop = asyncio.get_running_loop()

        def report(fraction: float) -> None:
            event = {"type": "story_render", "story_id": story_id, "progress": round(fraction, 3)}
            loop.call_soon_threadsafe(self.events.publish, event)

        def work() -> bytes:
            from core.audio.encode import encode

            samples, rate = self.render_samples(story_id, report)
            if samples.size == 0:
                raise ValidationFailed(
                    "the story has nothing to play; add clips or unmute a track", field="story_id"
                )
            return encode(samples, rate, fmt)

        return await asyncio.to_thread(work)

    def captions(self, story_id: int, fmt: str = "srt", clip_id: int | None = None) -> str:
        """Captions of the whole story (audible clips), or of one clip on its own (from 0 s)."""
        _check_format(fmt, CAPTION_FORMATS, "format")
        with Session(self.db) as session:
            state = load(session, story_id)
        if clip_id is not None and all(c.id != clip_id for c in state.clips):
            raise NotFoundError(f"story {story_id} has no clip {clip_id}", field="clip_id")
        placed = self.place(state, only=clip_id)
        if clip_id is not None:
            for item in placed:
                item.clip = item.clip.model_copy(update={"start": 0.0})
        return render_captions(_cues(placed, state.story.sample_rate), fmt)

    def source_wav(self, story_id: int, clip_id: int) -> bytes:
        """The stored WAV a clip plays from (its take, or its imported file)."""
        with Session(self.db) as session:
            state = load(session, story_id)
            clip = next((c for c in state.clips if c.id == clip_id), None)
            if clip is None:
                raise NotFoundError(f"story {story_id} has no clip {clip_id}", field="clip_id")
            path, _ = _source(session, clip)
        return self.files.read(path)
