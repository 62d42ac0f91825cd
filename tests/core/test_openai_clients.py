"""Request sequences of the clients people point at local speech servers, replayed against a
real core with the Piper provider; each must get audio it can play (decoded with FFmpeg and
transcribed back with Whisper).

The sequences follow each client's documented behaviour:
- Open WebUI (Audio settings, TTS engine "OpenAI", a custom API base URL): lists
  `{base}/audio/models` and `{base}/audio/voices` (reading `models[].id`, `voices[].id/name`),
  then POSTs `{base}/audio/speech` with model, input and voice, plus the "additional
  parameters" the admin configured merged into the body.
- SillyTavern ("OpenAI Compatible" TTS provider, a full endpoint URL): POSTs model "tts-1",
  voice, input, `response_format: "mp3"` and `speed`.
- Home Assistant's OpenAI TTS integration: `response_format: "opus"`, `instructions` (empty
  unless a prompt is configured) and a streamed response it plays as it arrives."""

from __future__ import annotations

import io
from typing import Any

import av
import pytest

from tests.core.conftest import CoreServer
from tests.core.test_generation import preset

KEY = "sk-local-test"
SENTENCE = "Seven bright lanterns glow over the quiet harbour."

Step = dict[str, Any]
OPEN_WEBUI: list[Step] = [
    {"method": "GET", "path": "/v1/audio/models", "expect": "models"},
    {"method": "GET", "path": "/v1/audio/voices", "expect": "voices"},
    {
        "method": "POST",
        "path": "/v1/audio/speech",
        "json": {
            "model": "tts-1",
            "input": SENTENCE,
            "voice": "alloy",
            "speed": 1.0,
            "response_format": "mp3",
            "split_on": "punctuation",
        },
        "expect": "audio",
    },
]
SILLYTAVERN: list[Step] = [
    {
        "method": "POST",
        "path": "/v1/audio/speech",
        "json": {
            "input": SENTENCE,
            "voice": "Joe",
            "model": "tts-1",
            "response_format": "mp3",
            "speed": 1.1,
        },
        "expect": "audio",
    }
]
HOME_ASSISTANT: list[Step] = [
    {
        "method": "POST",
        "path": "/v1/audio/speech",
        "json": {
            "model": "gpt-4o-mini-tts",
            "voice": "nova",
            "input": SENTENCE,
            "instructions": "",
            "response_format": "opus",
            "speed": 1.0,
            "stream_format": "audio",
        },
        "expect": "audio",
    },
    {
        "method": "POST",
        "path": "/v1/audio/speech",
        "json": {
            "model": "gpt-4o-mini-tts",
            "voice": "nova",
            "input": SENTENCE,
            "instructions": "Speak like a cheerful butler.",
            "response_format": "opus",
            "stream_format": "audio",
        },
        "expect": "instructions_refused",
    },
]


@pytest.fixture
def keyed_core(make_core: Any) -> CoreServer:
    server: CoreServer = make_core(api_key=KEY)
    preset(server, "Joe")
    return server


def decode(audio: bytes) -> float:
    """Seconds of audio FFmpeg decodes from `audio` (what a player would play)."""
    with av.open(io.BytesIO(audio)) as container:
        frames = list(container.decode(audio=0))
    return sum(f.samples for f in frames) / frames[0].sample_rate


def replay(core: CoreServer, steps: list[Step]) -> list[bytes]:
    played: list[bytes] = []
    for step in steps:
        response = core.http.request(step["method"], step["path"], json=step.get("json"))
        expect = step["expect"]
        if expect == "models":
            assert response.status_code == 200
            assert "tts-1" in [m["id"] for m in response.json()["models"]]
        elif expect == "voices":
            voices = {v["id"]: v["name"] for v in response.json()["voices"]}
            assert "Joe" in voices and "alloy" in voices
        elif expect == "audio":
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("audio/")
            assert decode(response.content) > 1.0
            played.append(response.content)
        else:
            assert response.status_code == 422, response.text
            assert response.json()["error"]["param"] == "instructions"
    return played


@pytest.mark.parametrize(
    "steps", [OPEN_WEBUI, SILLYTAVERN, HOME_ASSISTANT], ids=["open-webui", "sillytavern", "ha"]
)
def test_client_sequence_gets_playable_speech(keyed_core: CoreServer, steps: list[Step]) -> None:
    played = replay(keyed_core, steps)
    assert played
    for audio in played:
        transcript = keyed_core.http.post(
            "/v1/audio/transcriptions", files={"file": ("speech.bin", audio)}
        )
        assert transcript.status_code == 200, transcript.text
        words = {w.strip(".,").lower() for w in transcript.json()["text"].split()}
        assert {"lanterns", "harbour", "harbor", "seven"} & words, transcript.json()
    history = keyed_core.http.get("/history", params={"q": "lanterns"}).json()
    assert history["total"] == len(played)
    assert {row["source"] for row in history["items"]} == {"api"}


def test_without_the_key_every_openai_route_is_refused(keyed_core: CoreServer) -> None:
    import httpx

    for method, path in (
        ("GET", "/v1/models"),
        ("GET", "/v1/audio/voices"),
        ("POST", "/v1/audio/speech"),
        ("POST", "/v1/audio/transcriptions"),
        ("POST", "/v1/audio/translations"),
        ("GET", "/settings/openai-voices"),
        ("POST", "/mcp"),
    ):
        response = httpx.request(method, f"{keyed_core.url}{path}", trust_env=False)
        assert response.status_code == 401, (path, response.text)
        assert "API key" in response.json()["error"]["message"]
