"""Word timings for generated speech: the packaged Whisper model transcribes the take with
word timestamps, and the known text is aligned to the recognised words (difflib over
normalised words), so the stored words are the words that were asked for, with times from the
audio. Runs off the request path, one take at a time (the transcriber's lock), for every
completed take; the result is stored with the generation version."""

from __future__ import annotations

import asyncio
import difflib
import json
import re
import time
from collections import deque
from collections.abc import Callable
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
LEAD_MARGIN_S = 0.01
SNAP_WINDOW_S = 0.6
"""How far a word's start may move onto an onset the audio shows (Whisper's word times drift by
up to a few hundred milliseconds)."""
ONSET_QUIET_S = 0.04
"""The quiet that must come before a sound for it to count as a word's onset: longer than the
closure of a stop consonant inside a word."""
BUSY_CHECK_S = 0.25
"""How often the background worker looks again at a busy generation queue (at the least)."""
MIN_UNHEARD_S = 0.08
"""The least time per word a gap must offer for words Whisper did not hear to sit in it."""
UNMATCHED_WORD_S = 0.3
UNUSED_ONSET_S = 0.35
"""What leaving a word on Whisper's time, or an onset without a word, costs in the matching
(in seconds of moved start)."""


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def spoken_words(text: str) -> list[str]:
    """The words of a generation's text, without its pause tags."""
    return [w for text_piece, _ in pauses.parse(text).pieces for w in _WORD.findall(text_piece)]


def _spread(words: list[str], start: float, end: float) -> list[TimedWord]:
    """`words` one after another over [start, end], each a share by its character length."""
    weights = [max(len(w), 1) for w in words]
    out, cursor = [], start
    for word, weight in zip(words, weights, strict=True):
        length = (end - start) * weight / sum(weights)
        out.append(TimedWord(word, cursor, cursor + length))
        cursor += length
    return out


def align(known: list[str], heard: list[TimedWord]) -> list[TimedWord]:
    """Times for the `known` words from the `heard` ones: equal (or one-for-one misheard) words
    take their times, an uneven run of replaced words shares its span by character length.
    Words not heard fill the gap between their neighbours; with no gap (Whisper heard "right
    up" as "right") they share the previous word's span, or the next one's at the start, so
    every word of the text keeps a length of its own and reaches the captions."""
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
            out[k0:k1] = _spread(known[k0:k1], heard[h0].start, heard[h1 - 1].end)
    index = 0
    while index < len(out):
        if out[index] is not None:
            index += 1
            continue
        last = index  # the run of words not heard: known[index:last]
        while last < len(out) and out[last] is None:
            last += 1
        prev, nxt = (out[index - 1] if index else None), (out[last] if last < len(out) else None)
        before = prev.end if prev else 0.0
        after = nxt.start if nxt else before
        if after - before >= MIN_UNHEARD_S * (last - index):
            out[index:last] = _spread(known[index:last], before, after)
        elif prev is not None:
            out[index - 1 : last] = _spread(
                known[index - 1 : last], prev.start, max(prev.end, after)
            )
        elif nxt is not None:
            out[index : last + 1] = _spread(known[index : last + 1], before, nxt.end)
        else:  # nothing heard at all
            out[index:last] = [TimedWord(w, 0.0, 0.0) for w in known[index:last]]
        index = last
    return [TimedWord(w.word, round(w.start, 3), round(w.end, 3)) for w in out if w is not None]


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
    words = snap_to_onsets(align(spoken_words(text), heard), onsets(samples, WHISPER_RATE))
    return within(words, samples.size / WHISPER_RATE)


def within(words: list[TimedWord], duration: float) -> list[TimedWord]:
    """Words held inside the audio (Whisper's times may run past its end)."""
    end = round(duration, 3)
    return [TimedWord(w.word, min(w.start, end), min(w.end, end)) for w in words]


def onsets(samples: Samples, rate: int) -> list[float]:
    """Seconds where sound starts after at least `ONSET_QUIET_S` of quiet (40 dB below the
    peak, as `pauses.loud_span`), and the first sound."""
    import numpy as np

    level = np.abs(samples)
    if samples.size == 0 or float(level.max()) == 0.0:
        return []
    loud = np.flatnonzero(level > level.max() * 10 ** (-pauses.EDGE_DB_BELOW_PEAK / 20))
    after_quiet = loud[1:][np.diff(loud) > ONSET_QUIET_S * rate]
    return [float(i) / rate for i in (loud[0], *after_quiet)]


def snap_to_onsets(words: list[TimedWord], starts: list[float]) -> list[TimedWord]:
    """Move word starts onto the onsets the audio shows. Words and onsets are matched in order
    (an edit-distance alignment: moving a start costs its distance, within `SNAP_WINDOW_S`;
    leaving a word unmatched or an onset unused costs a fixed amount), so one word that Whisper
    placed late cannot take the next word's onset. Speech without pauses between its words has
    few onsets, and its words keep Whisper's times."""
    n, m = len(words), len(starts)
    inf = float("inf")
    # cost[i][j]: best cost of the first i words against the first j onsets.
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    step: list[list[str]] = [[""] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if i < n and here + UNMATCHED_WORD_S < cost[i + 1][j]:
                cost[i + 1][j], step[i + 1][j] = here + UNMATCHED_WORD_S, "word"
            if j < m and here + UNUSED_ONSET_S < cost[i][j + 1]:
                cost[i][j + 1], step[i][j + 1] = here + UNUSED_ONSET_S, "onset"
            if i < n and j < m:
                moved = abs(starts[j] - words[i].start)
                # Never onto a burst in the word's second half (the release of a final stop
                # such as the "p" of "up" follows a short silence, but is not where it starts).
                inside = starts[j] <= (words[i].start + words[i].end) / 2
                if moved <= SNAP_WINDOW_S and inside and here + moved < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], step[i + 1][j + 1] = here + moved, "match"
    matched: dict[int, float] = {}
    i, j = n, m
    while i or j:
        kind = step[i][j]
        if kind == "match":
            matched[i - 1] = starts[j - 1]
        i, j = (i - 1, j - 1) if kind == "match" else (i - 1, j) if kind == "word" else (i, j - 1)
    starts_out: list[float] = []
    floor = -1.0  # starts never go backwards
    for index, word in enumerate(words):
        floor = matched.get(index, max(word.start, floor))
        starts_out.append(floor)
    out: list[TimedWord] = []
    for index, (word, start) in enumerate(zip(words, starts_out, strict=True)):
        # A moved word keeps its length, and no word runs into the next one.
        end = start + max(0.0, word.end - word.start)
        if index + 1 < len(starts_out):
            end = min(end, starts_out[index + 1])
        out.append(TimedWord(word.word, round(start, 3), round(max(end, start), 3)))
    return out


class Aligner:
    """Aligns takes off the request path and stores their words; publishes `words`.

    Every completed take is aligned (`completed`, the queue's hook). A take that a story uses is
    aligned at once (`schedule`): the story's captions wait for it. Any other take goes into a
    first-in-first-out backlog that one idle-priority worker drains, one take at a time, and
    only once the generation queue has had no work for `idle_s` seconds, so aligning never
    competes with generating for the CPU; whatever it has not reached is aligned on demand
    (`align_version`). The worker exists only while the backlog has takes; `close` (the core's
    shutdown) cancels it and every alignment still running, so nothing is left half-stored."""

    IDLE_S = 2.0

    def __init__(
        self,
        db: Engine,
        files: FileStore,
        events: EventBus,
        transcriber: Transcriber,
        *,
        idle_s: float = IDLE_S,
    ) -> None:
        self.db = db
        self.files = files
        self.events = events
        self.transcriber = transcriber
        self.idle_s = idle_s
        self._busy: Callable[[], int] = lambda: 0
        self._backlog: deque[int] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._last_busy = time.monotonic()
        self._running: dict[int, asyncio.Task[list[TimedWord] | None]] = {}
        self._scheduled: set[asyncio.Task[None]] = set()
        self._closed = False

    def watch(self, busy: Callable[[], int]) -> None:
        """`busy()`: how many generations are queued or running (the background worker waits
        while there are any)."""
        self._busy = busy

    async def align_version(self, version_id: int) -> list[TimedWord] | None:
        """The words of one stored take: stored ones are returned as they are; otherwise the
        take is aligned now (once: callers asking meanwhile share that run)."""
        with Session(self.db) as session:
            stored = session.exec(
                select(VersionWords).where(VersionWords.version_id == version_id)
            ).first()
            if stored is not None:
                return [TimedWord(**w) for w in json.loads(stored.words)]
        task = self._running.get(version_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._align(version_id))
            self._running[version_id] = task
            task.add_done_callback(self._finished)
        # A caller that goes away (a closed request) does not cancel the shared run.
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[list[TimedWord] | None]) -> None:
        for version_id, running in list(self._running.items()):
            if running is task:
                del self._running[version_id]
        if not task.cancelled():
            task.exception()  # retrieved: a caller that went away does not leave it unseen

    async def _align(self, version_id: int) -> list[TimedWord] | None:
        from core.audio.decode import decode
        from core.services.transcription import WHISPER_RATE

        with Session(self.db) as session:
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

    def completed(self, generation_id: int) -> None:
        """The queue's hook for a stored take: align it now when a story uses it, else in the
        background once the queue is idle."""
        if self._closed:
            return
        with Session(self.db) as session:
            in_story = session.exec(
                select(StoryClip.id).where(StoryClip.generation_id == generation_id)
            ).first()
            version_id = _latest_version(session, generation_id)
        if version_id is None:
            return
        if in_story is not None:
            self._start(generation_id, version_id)
            return
        self._last_busy = time.monotonic()
        self._backlog.append(version_id)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(
                self._drain(), name="word-alignment"
            )

    def schedule(self, generation_id: int) -> None:
        """Align the generation's latest take now, in the background (from inside the event
        loop): a story is about to show it."""
        with Session(self.db) as session:
            version_id = _latest_version(session, generation_id)
        if version_id is not None:
            self._start(generation_id, version_id)

    def _start(self, generation_id: int, version_id: int) -> None:
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._quietly(generation_id, version_id))
        self._scheduled.add(task)
        task.add_done_callback(self._scheduled.discard)

    async def _quietly(self, generation_id: int, version_id: int) -> None:
        try:
            await self.align_version(version_id)
        except Exception as exc:  # a take that cannot be aligned keeps clip-level captions
            log.warning("aligning words of generation %d failed: %r", generation_id, exc)

    async def _drain(self) -> None:
        """The idle-priority worker: one take at a time, each after the queue has rested."""
        while self._backlog:
            await self._until_idle()
            version_id = self._backlog.popleft()
            with Session(self.db) as session:
                version = session.get(GenerationVersion, version_id)
            if version is not None:
                await self._quietly(version.generation_id, version_id)

    async def _until_idle(self) -> None:
        while True:
            now = time.monotonic()
            if self._busy():
                self._last_busy = now
            elif now >= self._last_busy + self.idle_s:
                return
            await asyncio.sleep(max(self._last_busy + self.idle_s - now, BUSY_CHECK_S))

    def backlog(self) -> list[int]:
        """The version ids still waiting for the background worker, oldest first."""
        return list(self._backlog)

    async def close(self) -> None:
        """Cancel the worker and every alignment still running (the core is shutting down);
        takes completed after this are left for on-demand alignment."""
        self._closed = True
        tasks = [*self._scheduled, *self._running.values()]
        if self._worker is not None:
            tasks.append(self._worker)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._worker = None
        self._backlog.clear()
