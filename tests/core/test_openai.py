"""The official `openai` SDK pointed at the core: speech, transcription, models.

Piper (the only engine with real weights offline) speaks preset voices only, and here the Qwen
engine that clones has no weights: speech in a cloned profile's name must fail fast with a
clear, typed error, never a 500 or a hang. test_clone.py gives Qwen a tiny random-weight model
and clones for real (docs/core.md)."""

from __future__ import annotations

import io

import openai
import pytest
import soundfile as sf

from tests.core import media
from tests.core.conftest import CoreServer
from tests.core.test_generation import preset


@pytest.fixture
def client(core_server: CoreServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{core_server.url}/v1", api_key="local", max_retries=0)


def test_speech_then_transcription_round_trip(core_server: CoreServer, client: openai.OpenAI):
    preset(core_server, "Joe")
    text = "Seven bright lanterns glow over the quiet harbour."
    speech = client.audio.speech.create(
        model="tts-1", voice="Joe", input=text, response_format="wav"
    )
    audio, rate = sf.read(io.BytesIO(speech.content), dtype="float32")
    assert rate == 22_050 and 1.5 < audio.size / rate < 10
    mp3 = client.audio.speech.create(
        model="piper", voice="joe", input="Short one.", response_format="mp3", speed=1.25
    )
    assert mp3.content[:3] == b"ID3" or mp3.content[:2] in (b"\xff\xfb", b"\xff\xf3")
    transcript = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", speech.content)
    )
    words = {w.strip(".,").lower() for w in transcript.text.split()}
    assert {"seven", "lanterns", "harbour"} & words, transcript.text
    verbose = client.audio.transcriptions.create(
        model="whisper-1",
        file=("speech.wav", speech.content),
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert verbose.words and verbose.words[0].start >= 0
    models = {m.id for m in client.models.list()}
    assert {"tts-1", "whisper-1", "piper"} <= models
    history = core_server.http.get("/history", params={"q": "lantern"}).json()
    assert history["total"] == 1


def test_cloned_profile_and_bad_requests_fail_clearly(
    core_server: CoreServer, client: openai.OpenAI
) -> None:
    made = core_server.http.post("/profiles", json={"name": "Ada"}).json()
    sample = media.wav(media.voice_like(3.0), 44_100)
    added = core_server.http.post(
        f"/profiles/{made['id']}/samples",
        files={"audio": ("a.wav", sample)},
        data={"reference_text": "a"},
    )
    assert added.status_code == 201
    with pytest.raises(openai.APIStatusError) as cloned:
        client.audio.speech.create(model="tts-1", voice="Ada", input="Hello from a clone.")
    # The planner's 409 passes through /v1 unchanged, in the OpenAI error shape.
    assert cloned.value.status_code == 409
    error = cloned.value.body
    assert isinstance(error, dict) and error["code"] == "model_not_downloaded"
    assert error["model"]["engine"] == "qwen" and "download" in error["message"].lower()
    with pytest.raises(openai.NotFoundError) as unknown:
        client.audio.speech.create(model="tts-1", voice="Nobody", input="Hi")
    assert "no voice profile named 'Nobody'" in str(unknown.value)
    with pytest.raises(openai.UnprocessableEntityError) as fmt:
        client.audio.speech.create(model="tts-1", voice="Ada", input="Hi", response_format="xyz")  # type: ignore[arg-type]
    assert "response_format" in str(fmt.value)
    with pytest.raises(openai.UnprocessableEntityError):
        client.audio.speech.create(model="tts-1", voice="Ada", input="")
    with pytest.raises(openai.UnprocessableEntityError) as not_audio:
        client.audio.transcriptions.create(model="whisper-1", file=("x.wav", b"not audio"))
    assert "not audio" in str(not_audio.value)
