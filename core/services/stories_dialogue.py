"""A story from a dialogue script: one track per speaker, one clip per line, each line one
generation through the normal queue (cancellable and regenerable on its own). When every line
has finished, the clips are laid out in script order: each take's edge silence is trimmed (the
trims are clip settings, the take is untouched) and each line starts the chosen pause after
the one before."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

from core.errors import ValidationFailed
from core.logging import get_logger
from core.services.dialogue import parse_script, speakers
from core.services.generation import GenerateParams, get_generation
from core.services.profiles import find_profile
from core.store.models import GenerationStatus, Story, StoryClip

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.audio.files import FileStore
    from core.services.events import EventBus
    from core.services.speech import Speech
    from core.services.stories import Stories


log = get_logger("stories")
MAX_PAUSE_S = 60.0
_layouts: set[asyncio.Task[None]] = set()


@dataclass
class DialogueRequest:
    script: str
    voices: dict[str, str]
    """Speaker (a name, or the number of `[1]:` lines) → profile name or id."""
    name: str = "Dialogue"
    pause: float = 0.4
    sample_rate: int = 24_000
    engine: str | None = None
    model_size: str | None = None
    language: str | None = None
    seed: int | None = None


@dataclass
class Planned:
    clip_id: int
    generation_id: int
    pause_before: float


@dataclass
class Dialogue:
    story: Story
    lines: list[Planned] = field(default_factory=list)


def _edges(data: bytes) -> tuple[float, float, float]:
    """(leading silence, trailing silence, duration) of a take, in seconds."""
    import soundfile as sf

    from core.services.pauses import loud_span

    samples, rate = sf.read(io.BytesIO(data), dtype="float32")
    first, last = loud_span(samples)
    if last == 0:
        return 0.0, 0.0, samples.size / rate
    return first / rate, (samples.size - last) / rate, samples.size / rate


class Dialogues:
    """Stories made from a script: one generation per line, laid out when all are done."""

    def __init__(
        self, db: Engine, files: FileStore, events: EventBus, speech: Speech, stories: Stories
    ) -> None:
        self.db = db
        self.files = files
        self.events = events
        self.speech = speech
        self.stories = stories

    def _profiles(self, request: DialogueRequest, names: list[str]) -> dict[str, int]:
        missing = [s for s in names if s not in request.voices]
        if missing:
            raise ValidationFailed(
                f"no voice for {', '.join(repr(s) for s in missing)}; map every speaker to a "
                "profile (voices: {speaker: profile})",
                field="voices",
            )
        with Session(self.db) as session:
            return {s: find_profile(session, request.voices[s]).id or 0 for s in names}

    async def create(self, request: DialogueRequest, *, background: bool = True) -> Dialogue:
        """Make the story and queue one generation per line; with `background`, a task lays the
        story out once every line is done (else the caller runs `wait_all` and `layout`)."""
        if not 0 <= request.pause <= MAX_PAUSE_S:
            raise ValidationFailed(f"pause must be 0-{MAX_PAUSE_S:g} s", field="pause")
        lines = parse_script(request.script)
        names = speakers(lines)
        profiles = self._profiles(request, names)
        story = self.stories.create_story(request.name, request.sample_rate)
        assert story.id is not None
        tracks = {s: self.stories.add_track(story.id, s).id or 0 for s in names}
        made = Dialogue(story)
        with Session(self.db, expire_on_commit=False) as session:
            pending: list[tuple[StoryClip, int, float]] = []
            for index, line in enumerate(lines):
                [gen] = await self.speech.submit(
                    GenerateParams(
                        profile_id=profiles[line.speaker],
                        text=line.text,
                        language=request.language,
                        seed=request.seed,
                        engine=request.engine,
                        model_size=request.model_size,
                        source="story",
                    )
                )
                assert gen.id is not None
                pause = 0.0 if index == 0 else line.pause_before
                pause = request.pause if pause is None else pause
                clip = StoryClip(
                    track_id=tracks[line.speaker], generation_id=gen.id, label=line.text
                )
                session.add(clip)
                pending.append((clip, gen.id, pause))
            session.commit()
            made.lines = [Planned(c.id or 0, g, p) for c, g, p in pending]
        if background:
            task = asyncio.get_running_loop().create_task(self.layout_when_done(made))
            _layouts.add(task)
            task.add_done_callback(_layouts.discard)
        return made

    async def wait_all(self, dialogue: Dialogue, timeout: float = 3600.0) -> None:
        for line in dialogue.lines:
            await self.speech.wait_for(line.generation_id, timeout)

    async def layout_when_done(self, dialogue: Dialogue) -> None:
        try:
            await self.wait_all(dialogue)
            await asyncio.to_thread(self.layout, dialogue)
        except Exception:
            log.exception("laying out story %s failed", dialogue.story.id)
            return
        self.events.publish({"type": "story", "story_id": dialogue.story.id, "state": "laid_out"})

    def layout(self, dialogue: Dialogue) -> None:
        """Place the lines one after another (failed or cancelled lines take no time)."""
        cursor = 0.0
        with Session(self.db) as session:
            for line in dialogue.lines:
                clip = session.get(StoryClip, line.clip_id)
                gen = get_generation(session, line.generation_id)
                if clip is None:
                    continue  # removed by the user meanwhile
                cursor += line.pause_before
                clip.start = round(cursor, 6)
                if gen.status == GenerationStatus.completed and gen.audio_path:
                    lead, tail, duration = _edges(self.files.read(gen.audio_path))
                    clip.trim_start, clip.trim_end = round(lead, 6), round(tail, 6)
                    cursor += duration - lead - tail
                session.add(clip)
            session.commit()
