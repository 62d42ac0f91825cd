"""Word timings: the known text aligned to Whisper's word timestamps. The truth is built for the
test: real Piper speech of each word, joined with known (seeded) gaps, so every word's start is
known to the sample; the aligned starts must fall within 150 ms of it."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from core.audio.decode import decode
from core.services.alignment import (
    align,
    align_samples,
    onsets,
    snap_to_onsets,
    spoken_words,
    within,
)
from core.services.stories_captions import TimedWord
from core.services.transcription import WHISPER_RATE, Transcriber
from tests.core.conftest import CoreServer
from tests.core.test_generation import preset

SENTENCE = "The quick brown fox jumps over the lazy dog near seven green hills."


def test_align_keeps_the_known_words() -> None:
    heard = [
        TimedWord("the", 0.0, 0.2),
        TimedWord("quick", 0.2, 0.5),
        TimedWord("brown", 0.5, 0.8),
        TimedWord("box", 0.8, 1.0),  # misheard one for one: "fox" takes its time
        TimedWord("jumps", 1.0, 1.3),
        TimedWord("over", 1.3, 1.5),
        TimedWord("a", 1.5, 1.6),
        TimedWord("lazy", 1.6, 1.9),
    ]
    known = ["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog."]
    words = align(known, heard)
    assert [w.word for w in words] == known
    assert [(w.start, w.end) for w in words[3:7]] == [
        (0.8, 1.0),
        (1.0, 1.3),
        (1.3, 1.5),
        (1.5, 1.6),
    ]
    # "dog." was not heard and nothing follows "lazy": the two share lazy's span by length.
    assert [(w.start, w.end) for w in words[7:]] == [(1.6, 1.75), (1.75, 1.9)]
    # Words not heard fill a gap when there is one, else take a share of a neighbour's span:
    # every word keeps a length, so none drops out of the captions.
    gap = align(["one", "two", "three"], [TimedWord("one", 0.0, 0.3), TimedWord("three", 0.6, 0.9)])
    assert [(w.start, w.end) for w in gap] == [(0.0, 0.3), (0.3, 0.6), (0.6, 0.9)]
    first = align(["Oh", "right"], [TimedWord("right", 0.0, 0.7)])
    assert [(w.start, w.end) for w in first] == [(0.0, 0.2), (0.2, 0.7)]
    tail = align(
        ["Coming", "right", "up."], [TimedWord("Coming", 0.1, 0.4), TimedWord("right", 0.4, 0.9)]
    )
    assert [w.word for w in tail] == ["Coming", "right", "up."]
    assert all(w.end > w.start for w in tail) and tail[-1].end == 0.9
    assert align(["lost"], []) == [TimedWord("lost", 0.0, 0.0)]
    split = align(
        ["twenty-one", "guns"],
        [TimedWord("twenty", 0.1, 0.4), TimedWord("one", 0.4, 0.6), TimedWord("guns", 0.7, 1)],
    )
    assert [(w.start, w.end) for w in split] == [(0.1, 0.6), (0.7, 1.0)]
    assert spoken_words("Hi [pause 1s] there, you.") == ["Hi", "there,", "you."]


def test_word_starts_snap_to_the_onsets_the_audio_shows() -> None:
    rate = 16_000
    t = np.arange(int(0.3 * rate)) / rate
    burst = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    quiet = np.zeros(int(0.1 * rate), np.float32)
    paused = np.concatenate([quiet, burst, quiet, burst, quiet])
    assert onsets(paused, rate) == pytest.approx([0.1, 0.5], abs=1 / rate)
    drifted = [TimedWord("one", 0.25, 0.4), TimedWord("two", 0.31, 0.8)]
    snapped = snap_to_onsets(drifted, onsets(paused, rate))
    # Moved words keep their length and never run into the next word.
    assert [(w.start, w.end) for w in snapped] == [(0.1, 0.25), (0.5, 0.99)]
    assert all(a.end <= b.start for a, b in itertools.pairwise(snapped))
    # Speech without quiet between its words shows no onsets to move to.
    steady = np.concatenate([quiet, burst, burst, quiet])
    assert snap_to_onsets(drifted, onsets(steady, rate)) == [
        TimedWord("one", 0.1, 0.25),
        TimedWord("two", 0.31, 0.8),
    ]


DATA = Path(__file__).parent / "data"


def test_word_starts_match_a_built_truth() -> None:
    """Real Piper speech of each word of a sentence, joined with known (seeded) gaps and stored
    with each word's first sample (`piper_words.*`, made once from the Piper provider: Piper
    cannot be seeded, so speech made afresh would differ from run to run)."""
    truth = json.loads((DATA / "piper_words.json").read_text())
    audio = (DATA / "piper_words.flac").read_bytes()
    samples = decode(audio, rate=WHISPER_RATE).samples
    words = asyncio.run(align_samples(Transcriber(), samples, truth["sentence"]))
    assert [w.word for w in words] == truth["sentence"].split()
    starts = [index / truth["rate"] for index in truth["word_starts"]]
    errors = [abs(w.start - t) for w, t in zip(words, starts, strict=True)]
    assert max(errors) <= 0.150, [round(e, 3) for e in errors]


def _cue_starts(srt: str) -> list[float]:
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d),(\d{3}) -->", srt)
    return [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in stamps]


@pytest.mark.slow
def test_story_clips_get_words_and_word_captions(core_server: CoreServer) -> None:
    http = core_server.http
    profile = preset(core_server)
    response = http.post(
        "/generate",
        json={"profile_id": profile, "text": "Seven bright lanterns glow over the quiet harbour."},
    )
    take = core_server.wait(response.json()["generations"][0]["id"])
    sid = http.post("/stories", json={"name": "Harbour"}).json()["id"]
    track = http.post(f"/stories/{sid}/tracks", json={}).json()["id"]
    clip = http.post(
        f"/stories/{sid}/clips",
        json={"track_id": track, "generation_id": take["id"], "start": 10.0},
    ).json()
    core_server.until(  # the background alignment stores them (a `words` event)
        lambda: "seven" in http.get(f"/stories/{sid}/captions").text.lower(),
        timeout=60,
        what="no word captions",
    )
    words = http.get(f"/stories/{sid}/clips/{clip['id']}/words").json()
    said = ["Seven", "bright", "lanterns", "glow", "over", "the", "quiet", "harbour."]
    assert [w["word"] for w in words] == said
    assert all(a["start"] <= b["start"] for a, b in itertools.pairwise(words))
    assert 0 <= words[0]["start"] < 0.5 and words[-1]["end"] <= take["duration"] + 0.05
    srt = http.get(f"/stories/{sid}/captions").text
    assert _cue_starts(srt)[0] == pytest.approx(10.0 + words[0]["start"], abs=0.002)
    cue_texts = [block.splitlines()[2] for block in srt.strip().split("\n\n")]
    assert " ".join(cue_texts) == " ".join(said) and len(cue_texts) == 2  # at most 7 words a cue
    vtt = http.get(f"/stories/{sid}/captions", params={"format": "vtt", "clip_id": clip["id"]})
    assert vtt.text.startswith("WEBVTT") and f"{words[0]['start']:06.3f}" in vtt.text


def test_a_burst_late_in_a_word_is_not_its_start_and_words_stay_in_the_audio() -> None:
    # "up.": Whisper hears 0.70-0.96; the "p" is released after a short closure at 0.913.
    words = [
        TimedWord("Coming", 0.0, 0.34),
        TimedWord("right", 0.34, 0.7),
        TimedWord("up.", 0.7, 0.96),
    ]
    snapped = snap_to_onsets(words, [0.03, 0.913])
    assert snapped[2].start == 0.7 and snapped[0].start == 0.03
    held = within([TimedWord("up.", 0.7, 1.2), TimedWord("late", 1.3, 1.5)], 0.9995)
    assert [(w.start, w.end) for w in held] == [(0.7, 1.0), (1.0, 1.0)]
