"""The provider app in process (ASGI: no port, no thread): statuses, messages and behaviour
the spec requires."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import threading
from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.provider_sdk.conftest import asgi_client
from tests.provider_sdk.tone_engine import ToneEngine


@pytest.fixture
def engine() -> ToneEngine:
    return ToneEngine()


@pytest.fixture
async def http(engine: ToneEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client([engine]) as client:
        yield client


def tone_wav(freq: float = 220.0, seconds: float = 2.0, rate: int = 16_000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    buffer = io.BytesIO()
    sf.write(buffer, (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate, format="WAV")
    return buffer.getvalue()


def error_of(response: httpx.Response) -> dict[str, str]:
    assert "Traceback" not in response.text
    return response.json()["error"]


async def test_wrong_token_is_401_and_right_token_works(http: httpx.AsyncClient) -> None:
    response = await http.get("/tts/health", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "wrong token" in error_of(response)["message"]
    assert (await http.get("/tts/health")).json()["provider"] == "test-provider"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": None}, "text"),
        ({"text": "hi", "seed": -1}, "seed"),
        ({"text": "hi", "seed": 1.5}, "seed"),
        ({"text": "hi", "voice_prompt": "abc"}, "voice_prompt"),
        ({"text": "hi", "engine": "../etc"}, "engine"),
        ({"text": "hi", "language": ["en"]}, "language"),
        ({}, "text"),
    ],
)
async def test_malformed_generate_names_the_field(
    http: httpx.AsyncClient, body: dict, field: str
) -> None:
    response = await http.post("/tts/generate", json=body)
    assert response.status_code == 422
    assert field in error_of(response)["message"]


async def make_prompt(http: httpx.AsyncClient, freq: float = 220.0) -> dict:
    response = await http.post(
        "/tts/create_voice_prompt",
        files={"audio": ("a.wav", tone_wav(freq))},
        data={"engine": "tone", "model_size": "clone"},
    )
    assert response.status_code == 200, response.text
    prompt: dict = response.json()["voice_prompt"]
    return prompt


async def test_clone_prompt_is_portable_and_mismatch_is_409(http: httpx.AsyncClient) -> None:
    upload = {
        "files": {"audio": ("a.wav", tone_wav(300))},
        "data": {"engine": "tone", "model_size": "clone", "reference_text": "hi"},
    }
    made = await http.post("/tts/create_voice_prompt", **upload)
    assert made.status_code == 200, made.text
    assert made.json()["was_cached"] is False
    again = await http.post("/tts/create_voice_prompt", **upload)
    assert again.json()["was_cached"] is True
    prompt = made.json()["voice_prompt"]
    body = {"text": "Hello.", "engine": "tone", "model_size": "clone", "voice_prompt": prompt}
    response = await http.post("/tts/generate", json=body, headers={"Accept": "audio/wav"})
    samples, rate = sf.read(io.BytesIO(response.content))
    peak = np.argmax(np.abs(np.fft.rfft(samples))) * rate / samples.size
    assert abs(peak - 300) < 5  # the prompt really carried the voice
    wrong = {**body, "voice_prompt": {**prompt, "model": "preset"}}
    response = await http.post("/tts/generate", json=wrong)
    assert response.status_code == 409
    assert "tone/preset" in error_of(response)["message"]


async def test_several_clips_and_mismatched_transcripts(http: httpx.AsyncClient) -> None:
    files = [("audio", ("a.wav", tone_wav(200))), ("audio", ("b.wav", tone_wav(200)))]
    response = await http.post(
        "/tts/create_voice_prompt",
        files=files,
        data={"engine": "tone", "model_size": "clone", "reference_text": ["one"]},
    )
    assert response.status_code == 422
    assert "reference_text" in error_of(response)["message"]
    response = await http.post(
        "/tts/create_voice_prompt", files=files, data={"engine": "tone", "model_size": "clone"}
    )
    assert response.status_code == 200


async def test_unsupported_parameters_are_refused_not_dropped(http: httpx.AsyncClient) -> None:
    clone, preset = (
        {"engine": "tone", "model_size": "clone"},
        {"engine": "tone", "model_size": "preset"},
    )
    response = await http.post("/tts/generate", json={"text": "hi", **clone, "instruct": "angry"})
    assert response.status_code == 422 and "instruct" in error_of(response)["message"]
    response = await http.post("/tts/generate", json={"text": "hi", **preset, "seed": 3})
    assert response.status_code == 422 and "seed" in error_of(response)["message"]
    response = await http.post("/tts/generate", json={"text": "hi", **clone})
    assert response.status_code == 422 and "voice_prompt" in error_of(response)["message"]
    response = await http.post("/tts/generate", json={"text": "hi", "model_size": "huge"})
    assert response.status_code == 404 and "huge" in error_of(response)["message"]


async def test_same_seed_same_audio(http: httpx.AsyncClient) -> None:
    body = {
        "text": "Again and again.",
        "engine": "tone",
        "model_size": "clone",
        "voice_prompt": await make_prompt(http),
        "seed": 7,
    }
    first = (await http.post("/tts/generate", json=body)).json()["audio"]
    assert (await http.post("/tts/generate", json=body)).json()["audio"] == first
    assert (await http.post("/tts/generate", json={**body, "seed": 8})).json()["audio"] != first


async def test_503_while_loading_then_ready(http: httpx.AsyncClient, engine: ToneEngine) -> None:
    gate = engine.load_gate = threading.Event()
    first = asyncio.ensure_future(
        http.post("/tts/generate", json={"text": "hi", "engine": "tone", "model_size": "preset"})
    )
    assert await asyncio.to_thread(engine.load_started.wait, 10), "the load never started"
    assert (await http.get("/tts/health")).json()["status"] == "loading"
    busy = await http.post(
        "/tts/generate",
        json={
            "text": "hi",
            "engine": "tone",
            "model_size": "clone",
            "voice_prompt": {"engine": "tone", "model": "clone", "format": "npz", "data": ""},
        },
    )
    assert busy.status_code == 503
    assert "loading" in error_of(busy)["message"]
    status = (await http.get("/tts/status")).json()
    assert status["progress"]["stage"] == "loading"
    gate.set()
    assert (await first).status_code == 200
    health = (await http.get("/tts/health")).json()
    assert health["status"] == "healthy" and health["model"] == "tone/preset"


async def test_out_of_memory_is_507_and_internal_errors_have_no_traceback(
    http: httpx.AsyncClient, engine: ToneEngine
) -> None:
    body = {"text": "hi", "engine": "tone", "model_size": "preset"}
    engine.fail_with = RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")
    response = await http.post("/tts/generate", json=body)
    assert response.status_code == 507
    assert error_of(response)["code"] == "out_of_memory"


async def test_an_engine_bug_is_500_in_the_envelope(engine: ToneEngine) -> None:
    engine.fail_with = ValueError("boom")
    async with asgi_client([engine], raise_app_exceptions=False) as http:
        response = await http.post(
            "/tts/generate", json={"text": "hi", "engine": "tone", "model_size": "preset"}
        )
    assert response.status_code == 500
    assert error_of(response) == {
        "code": "internal_error",
        "message": "the provider failed: ValueError: boom",
    }


async def test_stream_pieces_per_sentence(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/tts/stream",
        json={
            "text": "One. Two. Three.",
            "engine": "tone",
            "model_size": "clone",
            "voice_prompt": await make_prompt(http),
        },
    )
    events = [json.loads(line) for line in response.text.splitlines() if line]
    assert [e["event"] for e in events] == ["audio", "audio", "audio", "done"]
    assert [e["index"] for e in events[:3]] == [0, 1, 2]
    wav = base64.b64decode(events[0]["audio"])
    assert sf.info(io.BytesIO(wav)).samplerate == 16_000
    response = await http.post(
        "/tts/stream", json={"text": "x", "engine": "tone", "model_size": "preset"}
    )
    assert response.status_code == 422 and "stream" in error_of(response)["message"]


async def test_upload_limit_without_content_length(http: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\n'
        for _ in range(60):
            yield b"\0" * (1024 * 1024)

    response = await http.post(
        "/tts/create_voice_prompt",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413
    assert "50 MB" in error_of(response)["message"]
