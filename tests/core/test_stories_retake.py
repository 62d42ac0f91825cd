"""Word-level re-takes: the sentence around the chosen words is spoken again and spliced in;
outside the crossfades every sample of the old take is unchanged, and the old version stays
selectable."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import soundfile as sf

from core.errors import ValidationFailed
from core.services.stories_captions import TimedWord as W
from core.services.stories_retake import CROSSFADE_S, sentence_span, splice
from tests.core.conftest import CoreServer
from tests.core.test_generation import preset

WORDS = [
    W("The", 0.0, 0.2),
    W("cat", 0.2, 0.5),
    W("sat.", 0.5, 0.8),
    W("A", 1.0, 1.1),
    W("dog", 1.1, 1.4),
    W("ran.", 1.4, 1.8),
    W("Birds", 2.0, 2.3),
    W("sing.", 2.3, 2.6),
]


def test_sentence_span_and_splice() -> None:
    span = sentence_span(WORDS, 4, 4, 3.0)
    assert (span.first, span.last, span.start, span.end, span.text(WORDS)) == (
        3,
        5,
        0.9,
        1.9,
        "A dog ran.",
    )
    assert sentence_span(WORDS, 0, 0, 3.0).start == 0.0
    assert sentence_span(WORDS, 7, 7, 3.0).end == 3.0
    assert sentence_span(WORDS, 2, 3, 3.0).text(WORDS) == "The cat sat. A dog ran."
    with pytest.raises(ValidationFailed, match="first_word <= last_word"):
        sentence_span(WORDS, 5, 4, 3.0)
    rate = 1000
    old = np.linspace(-0.5, 0.5, 3000, dtype=np.float32)
    new = np.full(700, 0.25, np.float32)
    out = splice(old, new, rate, 0.9, 1.9)
    n = round(CROSSFADE_S * rate)
    assert out.size == 3000 - 1000 + 700 - 2 * n  # each crossfade overlaps n samples
    np.testing.assert_array_equal(out[: 900 - n], old[: 900 - n])
    np.testing.assert_array_equal(out[-(3000 - 1900 - n) :], old[1900 + n :])
    np.testing.assert_array_equal(out[900 : 900 + 700 - 2 * n], new[n:-n])
    assert np.all(np.diff(out[900 - n : 900]) != 0)  # a real crossfade, not a jump
    # A sentence that ends the take: its end time, rounded, may fall a sample past the audio.
    whole = splice(old, new, rate, 0.0, (old.size + 1.4) / rate)
    np.testing.assert_array_equal(whole, new)
    tail = splice(old, new, rate, 2.5, 3.0004)
    np.testing.assert_array_equal(tail[: 2500 - n], old[: 2500 - n])
    assert tail.size == 2500 + 700 - n


@pytest.mark.slow
def test_retake_changes_only_the_sentence(core_server: CoreServer) -> None:
    http = core_server.http
    profile = preset(core_server)
    text = "The cat sat on the mat. A brown dog ran in the park. Birds sing at dawn."
    response = http.post("/generate", json={"profile_id": profile, "text": text})
    take = core_server.wait(response.json()["generations"][0]["id"])
    sid = http.post("/stories", json={"name": "Retake", "sample_rate": 22050}).json()["id"]
    track = http.post(f"/stories/{sid}/tracks", json={}).json()["id"]
    clip = http.post(
        f"/stories/{sid}/clips", json={"track_id": track, "generation_id": take["id"]}
    ).json()
    words = http.get(f"/stories/{sid}/clips/{clip['id']}/words").json()
    dog = next(i for i, w in enumerate(words) if w["word"] == "dog")
    bad = http.post(
        f"/stories/{sid}/clips/{clip['id']}/retake", json={"first_word": 99, "last_word": 99}
    )
    assert bad.status_code == 422 and "last_word" in bad.json()["error"]["message"]

    done = http.post(
        f"/stories/{sid}/clips/{clip['id']}/retake", json={"first_word": dog, "last_word": dog}
    )
    assert done.status_code == 200, done.text
    assert done.json()["version"] == 2
    gid = take["id"]
    old, rate = sf.read(io.BytesIO(http.get(f"/generations/{gid}/audio?version=1").content))
    new, _ = sf.read(io.BytesIO(http.get(f"/generations/{gid}/audio?version=2").content))
    first = max(i for i in range(1, dog + 1) if words[i - 1]["word"].endswith("."))  # "A"
    assert words[first]["word"] == "A"
    cut_start = (words[first - 1]["end"] + words[first]["start"]) / 2
    after = next(i for i in range(dog, len(words)) if words[i]["word"].endswith("."))
    cut_end = (words[after]["end"] + words[after + 1]["start"]) / 2
    n = round(CROSSFADE_S * rate)
    a, b = round(cut_start * rate) - n, round(cut_end * rate) + n
    np.testing.assert_array_equal(new[:a], old[:a])  # everything before the sentence
    np.testing.assert_array_equal(new[new.size - (old.size - b) :], old[b:])  # and after it
    assert not np.array_equal(new[a : new.size - (old.size - b)], old[a:b])
    # The clip plays the new version; the old one stays selectable.
    assert (
        http.get(clip["audio_url"]).content
        == http.get(f"/generations/{gid}/audio?version=2").content
    )
    back = http.patch(f"/stories/{sid}/clips/{clip['id']}", json={"version": 1}).json()
    assert back["version"] == 1
    deadline = time.monotonic() + 60  # the new version gets its own word timings
    while True:
        http.patch(f"/stories/{sid}/clips/{clip['id']}", json={"version": 2})
        again = http.get(f"/stories/{sid}/clips/{clip['id']}/words").json()
        if [w["word"] for w in again] == [w["word"] for w in words]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
