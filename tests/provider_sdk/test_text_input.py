"""Text that could break a provider: refused or cleaned before any engine sees it, and a
stream that always ends with `done` or `error` (in process, over ASGI)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from provider_sdk.engine import AudioArray, ReferenceClip, SynthesisRequest
from provider_sdk.errors import Unprocessable
from provider_sdk.models import VoicePrompt
from provider_sdk.text import speakable_text
from tests.provider_sdk.conftest import asgi_client
from tests.provider_sdk.tone_engine import ToneEngine

PRESET = {"engine": "tone", "model_size": "preset"}
CLONE = {
    "engine": "tone",
    "model_size": "clone",
    "voice_prompt": {"engine": "tone", "model": "clone", "format": "npz", "data": ""},
}


async def post_json(http: httpx.AsyncClient, path: str, body: dict) -> httpx.Response:
    """POST `body` as ASCII JSON: lone surrogates travel as `\\udXXX` escapes, as any JSON
    client may send them (httpx's own encoder refuses them)."""
    return await http.post(
        path, content=json.dumps(body), headers={"content-type": "application/json"}
    )


class RecordingEngine(ToneEngine):
    """Remembers every text it was asked to speak; can fail in the middle of a stream."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.fail_after_first: BaseException | None = None
        self.silent = False

    def generate(self, request: SynthesisRequest) -> tuple[AudioArray, int]:
        if self.silent:
            self.texts.append(request.text)
            return np.zeros(0, np.float32), 16_000
        return super().generate(request)  # through stream(), which records the text

    def stream(self, request: SynthesisRequest) -> Iterator[AudioArray]:
        self.texts.append(request.text)
        for index, piece in enumerate(super().stream(request)):
            if index == 1 and self.fail_after_first is not None:
                raise self.fail_after_first
            yield np.zeros(0, np.float32) if self.silent else piece


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Hello\x00world", "NUL character (U+0000) at position 5"),
        ("\x00", "NUL"),
        ("Hi \ud800 there", "unpaired UTF-16 surrogate"),
        ("\udfff", "surrogate"),
        ("...!?", "nothing to speak"),
        ("\u200b\u200c\ufeff", "nothing to speak"),
        ("  \t\n ", "nothing to speak"),
        ("\x07\x1b", "nothing to speak"),
        ("— “” ♪ 😀", "nothing to speak"),
    ],
)
async def test_unusable_text_is_422_naming_the_problem(text: str, says: str) -> None:
    engine = RecordingEngine()
    async with asgi_client([engine]) as http:
        for path, body in (("/tts/generate", PRESET), ("/tts/stream", CLONE)):
            response = await post_json(http, path, {**body, "text": text})
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["code"] == "validation_error"
            assert says in error["message"] and error["message"].startswith("text:")
    assert engine.texts == []  # nothing reached the engine


async def test_control_characters_are_spaces_and_real_text_is_kept() -> None:
    engine = RecordingEngine()
    async with asgi_client([engine]) as http:
        for text in ("Bell\x07and\x1bescape\x7f.", "Tab\tand\nnewline, 中文 ١٢٣ 👍🏽 e\u0301."):
            response = await http.post("/tts/generate", json={**PRESET, "text": text})
            assert response.status_code == 200, response.text
    assert engine.texts == [
        "Bell and escape .",
        "Tab\tand\nnewline, 中文 ١٢٣ 👍🏽 e\u0301.",
    ]


def test_speakable_text_directly() -> None:
    assert speakable_text("a\x0bb\x0cc\x85d") == "a b c d"
    assert speakable_text("ZWJ\u200dkept") == "ZWJ\u200dkept"
    with pytest.raises(Unprocessable, match="NUL"):
        speakable_text("a\x00")
    with pytest.raises(Unprocessable, match=r"surrogate \(U\+D800\) at position 3"):
        speakable_text("Hi \ud800 there")


async def test_an_engine_failing_mid_stream_ends_it_with_an_error_line() -> None:
    engine = RecordingEngine()
    engine.fail_after_first = ValueError("embedded null character")
    body = {
        "engine": "tone",
        "model_size": "clone",
        "text": "One. Two. Three.",
        "voice_prompt": await _prompt([engine]),
    }
    async with asgi_client([engine]) as http:
        response = await http.post("/tts/stream", json=body)
    assert response.status_code == 200
    events = [json.loads(line) for line in response.text.splitlines() if line]
    assert [e["event"] for e in events] == ["audio", "error"]
    assert events[-1]["error"]["code"] == "internal_error"
    assert "ValueError: embedded null character" in events[-1]["error"]["message"]
    assert "Traceback" not in response.text


async def test_a_model_that_speaks_nothing_is_422_not_an_empty_file() -> None:
    engine = RecordingEngine()
    engine.silent = True
    async with asgi_client([engine]) as http:
        response = await http.post("/tts/generate", json={**PRESET, "text": "Words."})
        assert response.status_code == 422
        assert "produced no audio" in response.json()["error"]["message"]
        body = {
            "engine": "tone",
            "model_size": "clone",
            "text": "Words.",
            "voice_prompt": await _prompt([engine], http),
        }
        response = await http.post("/tts/stream", json=body)
    events = [json.loads(line) for line in response.text.splitlines() if line]
    assert events[-1]["event"] == "error" and "produced no audio" in events[-1]["error"]["message"]


async def _prompt(engines: list[ToneEngine], http: httpx.AsyncClient | None = None) -> dict:
    from tests.provider_sdk.test_app import tone_wav

    async def make(client: httpx.AsyncClient) -> dict:
        response = await client.post(
            "/tts/create_voice_prompt",
            files={"audio": ("a.wav", tone_wav())},
            data={"engine": "tone", "model_size": "clone"},
        )
        assert response.status_code == 200, response.text
        prompt: dict = response.json()["voice_prompt"]
        return prompt

    if http is not None:
        return await make(http)
    async with asgi_client(engines) as client:
        return await make(client)


class PromptRecorder(ToneEngine):
    def __init__(self) -> None:
        super().__init__()
        self.transcripts: list[str | None] = []

    def create_voice_prompt(self, clip: ReferenceClip, model_size: str) -> VoicePrompt:
        self.transcripts.append(clip.text)
        return super().create_voice_prompt(clip, model_size)


async def test_reference_text_is_checked_like_text() -> None:
    from tests.provider_sdk.test_app import tone_wav

    engine = PromptRecorder()
    async with asgi_client([engine]) as http:

        async def upload(text: str) -> httpx.Response:
            return await http.post(
                "/tts/create_voice_prompt",
                files={"audio": ("a.wav", tone_wav())},
                data={"engine": "tone", "model_size": "clone", "reference_text": text},
            )

        refused = await upload("Hello\x00there")
        assert refused.status_code == 422
        assert refused.json()["error"]["message"].startswith("reference_text: contains a NUL")
        for text in ("Bell\x07 here.", "...", "  Plain words.  "):
            assert (await upload(text)).status_code == 200
    assert engine.transcripts == ["Bell  here.", None, "Plain words."]
