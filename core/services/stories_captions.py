"""Captions for clips and stories as SRT or WebVTT: word timings grouped into short cues (one
cue per clip when a take has no word timings yet), shifted by where each clip sits."""

from __future__ import annotations

from dataclasses import dataclass

MAX_WORDS = 7
MAX_CUE_S = 3.5
SENTENCE_END = (".", "!", "?", ";", ":")


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def group_words(words: list[TimedWord]) -> list[Cue]:
    """Up to MAX_WORDS words or MAX_CUE_S seconds per cue, breaking after a sentence end."""
    cues: list[Cue] = []
    current: list[TimedWord] = []
    for word in words:
        if current and (
            len(current) >= MAX_WORDS
            or word.end - current[0].start > MAX_CUE_S
            or current[-1].word.endswith(SENTENCE_END)
        ):
            cues.append(_cue(current))
            current = []
        current.append(word)
    if current:
        cues.append(_cue(current))
    return cues


def _cue(words: list[TimedWord]) -> Cue:
    return Cue(words[0].start, words[-1].end, " ".join(w.word for w in words))


def clip_words(
    words: list[TimedWord], *, start: float, trim_start: float, visible: float
) -> list[TimedWord]:
    """The words heard in a clip (those overlapping its trimmed range, clamped to it), placed
    on the timeline."""
    shift = start - trim_start
    end = trim_start + visible
    return [
        TimedWord(
            w.word,
            round(max(w.start, trim_start) + shift, 3),
            round(min(w.end, end) + shift, 3),
        )
        for w in words
        if w.end > trim_start and w.start < end
    ]


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n"
        for i, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: list[Cue]) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n" for c in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)


def render_captions(cues: list[Cue], fmt: str) -> str:
    return to_vtt(cues) if fmt == "vtt" else to_srt(cues)
