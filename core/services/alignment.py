"""Word timings for generated speech: the packaged Whisper model transcribes the take with
word timestamps, and the known text is aligned to the recognised words (difflib over
normalised words), so the stored words are the words that were asked for, with times from the
audio. Runs off the request path, one take at a time (the transcriber's lock), for every take
a story uses; the result is stored with the generation version."""

from __future__ import annotations

import asyncio
import difflib
import json
import re
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from core.logging import get_logger
from core.services import pauses
from core.services.stories_captions import TimedWord
from core.store.models import Generation, GenerationVersion, StoryClip, VersionWords

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.audio.decode import Samples
    from core.audio.files import FileStore
    from core.services.events import EventBus
    from core.services.transcription import Transcriber, Transcript

log = get_logger("alignment")
_WORD = re.compile(r"\S+")
_tasks: set[asyncio.Task[None]] = set()
LEAD_MARGIN_S = 0.01


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def spoken_words(text: str) -> list[str]:
    """The words of a generation's text, without its pause tags."""
    return [w for text_piece, _ in pauses.parse(text).pieces for w in _WORD.findall(text_piece)]


def align(known: list[str], heard: list[TimedWord]) -> list[TimedWord]:
    """Times for the `known` words from the `heard` ones: equal (or one-for-one misheard) words
    take their times, an uneven run of replaced words shares its span by character length,
    missing words sit between their neighbours."""
    out: list[TimedWord | None] = [None] * len(known)
    matcher = difflib.SequenceMatcher(
        None, [_norm(w) for w in known], [_norm(w.word) for w in heard], autojunk=False
    )
    for tag, k0, k1, h0, h1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and k1 - k0 == h1 - h0):
            for offset in range(k1 - k0):
                h = heard[h0 + offset]
                out[k0 + offset] = TimedWord(known[k0 + offset], h.start, h.end)
        elif tag == "replace":
            start, end = heard[h0].start, heard[h1 - 1].end
            weights = [max(len(w), 1) for w in known[k0:k1]]
            cursor = start
            for index, weight in enumerate(weights):
                length = (end - start) * weight / sum(weights)
                out[k0 + index] = TimedWord(known[k0 + index], cursor, cursor + length)
                cursor += length
    timed: list[TimedWord] = []
    for index, word in enumerate(out):
        if word is None:  # not heard: between the previous word's end and the next start
            before = timed[-1].end if timed else 0.0
            after = next((w.start for w in out[index + 1 :] if w is not None), before)
            word = TimedWord(known[index], before, max(before, after))
        timed.append(TimedWord(word.word, round(word.start, 3), round(word.end, 3)))
    return timed


def heard_words(transcript: Transcript) -> list[TimedWord]:
    return [TimedWord(w.word, w.start, w.end) for s in transcript.segments for w in s.words]


def _latest_version(session: Session, generation_id: int) -> int | None:
    return session.exec(
        select(GenerationVersion.id)
        .where(GenerationVersion.generation_id == generation_id)
        .order_by(col(GenerationVersion.version).desc())
    ).first()


async def align_samples(transcriber: Transcriber, samples: Samples, text: str) -> list[TimedWord]:
    """Word timings of 16 kHz mono `samples` that say `text`. Leading silence is cut before
    transcribing (Whisper puts the first word at the start of its window) and added back."""
    from core.services.transcription import WHISPER_RATE

    first, _ = pauses.loud_span(samples)
    offset = max(0, first - int(LEAD_MARGIN_S * WHISPER_RATE))
    transcript = await transcriber.transcribe_array(samples[offset:], None)
    shift = offset / WHISPER_RATE
    heard = [TimedWord(w.word, w.start + shift, w.end + shift) for w in heard_words(transcript)]
    return align(spoken_words(text), heard)


class Aligner:
    """Aligns takes (off the request path) and stores their words; publishes `words`."""

    def __init__(
        self, db: Engine, files: FileStore, events: EventBus, transcriber: Transcriber
    ) -> None:
        self.db = db
        self.files = files
        self.events = events
        self.transcriber = transcriber

    async def align_version(self, version_id: int) -> list[TimedWord] | None:
        """Align one stored take (once: a stored result is returned as it is)."""
        from core.audio.decode import decode
        from core.services.transcription import WHISPER_RATE

        with Session(self.db) as session:
            stored = session.exec(
                select(VersionWords).where(VersionWords.version_id == version_id)
            ).first()
            if stored is not None:
                return [TimedWord(**w) for w in json.loads(stored.words)]
            version = session.get(GenerationVersion, version_id)
            gen = session.get(Generation, version.generation_id) if version else None
        if version is None or gen is None:
            return None
        data = self.files.read(version.audio_path)
        samples = (await asyncio.to_thread(decode, data, rate=WHISPER_RATE)).samples
        words = await align_samples(self.transcriber, samples, gen.text)
        with Session(self.db) as session:
            if session.get(GenerationVersion, version_id) is None:
                return words  # deleted meanwhile
            if not session.exec(
                select(VersionWords.id).where(VersionWords.version_id == version_id)
            ).first():
                payload = [{"word": w.word, "start": w.start, "end": w.end} for w in words]
                session.add(VersionWords(version_id=version_id, words=json.dumps(payload)))
                session.commit()
        self.events.publish({"type": "words", "generation_id": gen.id, "version_id": version_id})
        return words

    def schedule(self, generation_id: int, *, only_in_stories: bool = False) -> None:
        """Align the generation's latest take in the background (from inside the event loop)."""
        with Session(self.db) as session:
            if (
                only_in_stories
                and not session.exec(
                    select(StoryClip.id).where(StoryClip.generation_id == generation_id)
                ).first()
            ):
                return
            version_id = _latest_version(session, generation_id)
        if version_id is None:
            return

        async def run() -> None:
            try:
                await self.align_version(version_id)
            except Exception as exc:  # a take that cannot be aligned keeps clip-level captions
                log.warning("aligning words of generation %d failed: %r", generation_id, exc)

        task = asyncio.get_running_loop().create_task(run())
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
