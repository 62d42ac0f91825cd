"""Pauses in generation text: the parser, and the silence in real Piper speech (the requested
length within 10 ms); malformed tags and other SSML are a 422 naming the position."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from core.services.pauses import PauseTagError, Pieces, has_pauses, parse
from tests.core.conftest import CoreServer
from tests.core.test_generation import preset


def test_parse_pause_tags_and_ssml_breaks() -> None:
    text = 'One. [pause 1.5s] Two. <break time="700ms"/> Three [PAUSE .25] [pause 250ms]'
    assert parse(text) == Pieces(0.0, [("One.", 1.5), ("Two.", 0.7), ("Three", 0.5)])
    assert parse("[pause 2] Hi <break time='1s' />") == Pieces(2.0, [("Hi", 1.0)])
    assert parse("a < b, and c > d") == Pieces(0.0, [("a < b, and c > d", 0.0)])
    assert not has_pauses("a < b, and c > d") and has_pauses("x [pause 1s]")


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("Hi [pause 1.5x] there", 4, "[pause 1.5x]"),
        ("Hi [pause] there", 4, "not understood"),
        ("Hello [pause 2s", 7, "not understood"),
        ('Go <break time="fast"/> now', 4, "not understood"),
        ("Go <break/> now", 4, "not understood"),
        ('Say <prosody rate="slow">this</prosody>', 5, "Other SSML is not supported"),
        ("Wait [pause 90s] ok", 6, "at most 60 s"),
    ],
)
def test_bad_tags_name_their_position(text: str, position: int, words: str) -> None:
    with pytest.raises(PauseTagError) as caught:
        parse(text)
    assert f"character {position}" in caught.value.message and words in caught.value.message


def test_only_pauses_is_refused() -> None:
    with pytest.raises(PauseTagError, match="only pauses"):
        parse("[pause 1s] <break time='2s'/>")


def _quiet_runs(samples: np.ndarray, rate: int) -> list[float]:
    """Lengths (s) of the runs more than 40 dB below the peak, longest first."""
    quiet = np.abs(samples) <= np.abs(samples).max() * 10 ** (-40 / 20)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    runs = (edges[1::2] - edges[::2]) / rate
    return sorted(runs.tolist(), reverse=True)


@pytest.mark.slow
def test_piper_speech_has_the_exact_pause(core_server: CoreServer) -> None:
    profile = preset(core_server)
    body = {
        "profile_id": profile,
        "text": 'The harbour is quiet. [pause 1.5s] The boats are in. <break time="800ms"/> Sleep.',
    }
    response = core_server.http.post("/generate", json=body)
    assert response.status_code == 202, response.text
    done = core_server.wait(response.json()["generations"][0]["id"])
    assert done["status"] == "completed", done
    audio, rate = sf.read(io.BytesIO(core_server.http.get(done["audio_url"]).content))
    longest, second = _quiet_runs(np.asarray(audio), rate)[:2]
    assert abs(longest - 1.5) <= 0.010, longest
    assert abs(second - 0.8) <= 0.010, second


@pytest.mark.slow
def test_bad_tags_are_422_over_the_api_and_openai(core_server: CoreServer) -> None:
    profile = preset(core_server)
    bad = core_server.http.post(
        "/generate", json={"profile_id": profile, "text": "Hello [pause 2q] world"}
    )
    assert bad.status_code == 422
    assert (
        "character 7" in bad.json()["error"]["message"] and bad.json()["error"]["param"] == "text"
    )
    speech = core_server.http.post(
        "/v1/audio/speech",
        json={"model": "tts-1", "voice": "Joe", "input": "Hi <emphasis>you</emphasis>"},
    )
    assert speech.status_code == 422 and "character 4" in speech.json()["error"]["message"]
    assert core_server.http.get("/history").json()["total"] == 0  # nothing half-written
