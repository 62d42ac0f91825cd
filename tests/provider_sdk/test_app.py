"""The provider app in process: statuses, messages and behaviour the spec requires."""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.provider_sdk.conftest import Served


def client(served: Served, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=served.url,
        trust_env=False,
        timeout=30,
        headers={"Authorization": f"Bearer {token or served.token}"},
    )


def tone_wav(freq: float = 220.0, seconds: float = 2.0, rate: int = 16_000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    buffer = io.BytesIO()
    sf.write(buffer, (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate, format="WAV")
    return buffer.getvalue()


def error_of(response: httpx.Response) -> dict[str, str]:
    assert "Traceback" not in response.text
    return response.json()["error"]


def test_wrong_token_is_401_and_right_token_works(served: Served) -> None:
    with client(served, "nope") as http:
        response = http.get("/tts/health")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "wrong token" in error_of(response)["message"]
    with client(served) as http:
        assert http.get("/tts/health").json()["provider"] == "test-provider"


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
def test_malformed_generate_names_the_field(served: Served, body: dict, field: str) -> None:
    with client(served) as http:
        response = http.post("/tts/generate", json=body)
    assert response.status_code == 422
    assert field in error_of(response)["message"]


def test_clone_prompt_is_portable_and_mismatch_is_409(served: Served) -> None:
    with client(served) as http:
        made = http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("a.wav", tone_wav(300))},
            data={"engine": "tone", "model_size": "clone", "reference_text": "hi"},
        )
        assert made.status_code == 200, made.text
        assert made.json()["was_cached"] is False
        again = http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("a.wav", tone_wav(300))},
            data={"engine": "tone", "model_size": "clone", "reference_text": "hi"},
        )
        assert again.json()["was_cached"] is True
        prompt = made.json()["voice_prompt"]
        body = {"text": "Hello.", "engine": "tone", "model_size": "clone", "voice_prompt": prompt}
        response = http.post("/tts/generate", json=body, headers={"Accept": "audio/wav"})
        samples, rate = sf.read(io.BytesIO(response.content))
        peak = np.argmax(np.abs(np.fft.rfft(samples))) * rate / samples.size
        assert abs(peak - 300) < 5  # the prompt really carried the voice
        wrong = {**body, "voice_prompt": {**prompt, "model": "preset"}}
        response = http.post("/tts/generate", json=wrong)
        assert response.status_code == 409
        assert "tone/preset" in error_of(response)["message"]


def test_several_clips_and_mismatched_transcripts(served: Served) -> None:
    with client(served) as http:
        files = [("audio", ("a.wav", tone_wav(200))), ("audio", ("b.wav", tone_wav(200)))]
        response = http.post(
            "/tts/create_voice_prompt",
            files=files,
            data={"engine": "tone", "model_size": "clone", "reference_text": ["one"]},
        )
        assert response.status_code == 422
        assert "reference_text" in error_of(response)["message"]
        response = http.post(
            "/tts/create_voice_prompt", files=files, data={"engine": "tone", "model_size": "clone"}
        )
        assert response.status_code == 200


def test_unsupported_parameters_are_refused_not_dropped(served: Served) -> None:
    with client(served) as http:
        response = http.post(
            "/tts/generate",
            json={"text": "hi", "engine": "tone", "model_size": "clone", "instruct": "angry"},
        )
        assert response.status_code == 422 and "instruct" in error_of(response)["message"]
        response = http.post(
            "/tts/generate",
            json={"text": "hi", "engine": "tone", "model_size": "preset", "seed": 3},
        )
        assert response.status_code == 422 and "seed" in error_of(response)["message"]
        response = http.post(
            "/tts/generate", json={"text": "hi", "engine": "tone", "model_size": "clone"}
        )
        assert response.status_code == 422 and "voice_prompt" in error_of(response)["message"]
        response = http.post("/tts/generate", json={"text": "hi", "model_size": "huge"})
        assert response.status_code == 404 and "huge" in error_of(response)["message"]


def test_same_seed_same_audio(served: Served) -> None:
    with client(served) as http:
        prompt = http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("a.wav", tone_wav())},
            data={"engine": "tone", "model_size": "clone"},
        ).json()["voice_prompt"]
        body = {
            "text": "Again and again.",
            "engine": "tone",
            "model_size": "clone",
            "voice_prompt": prompt,
            "seed": 7,
        }
        first = http.post("/tts/generate", json=body).json()["audio"]
        assert http.post("/tts/generate", json=body).json()["audio"] == first
        assert http.post("/tts/generate", json={**body, "seed": 8}).json()["audio"] != first


def test_503_while_loading_then_ready(served: Served) -> None:
    engine = served.engine
    with client(served) as http:
        http.post("/tts/unload")
        engine.load_gate = threading.Event()
        first: dict[str, httpx.Response] = {}
        loader = threading.Thread(
            target=lambda: first.update(
                r=client(served).post(
                    "/tts/generate", json={"text": "hi", "engine": "tone", "model_size": "preset"}
                )
            )
        )
        loader.start()
        deadline = time.monotonic() + 5
        while http.get("/tts/health").json()["status"] != "loading":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        busy = http.post(
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
        status = http.get("/tts/status").json()
        assert status["progress"]["stage"] == "loading"
        engine.load_gate.set()
        loader.join(10)
        engine.load_gate = None
        assert first["r"].status_code == 200
        health = http.get("/tts/health").json()
        assert health["status"] == "healthy" and health["model"] == "tone/preset"


def test_out_of_memory_is_507_and_internal_errors_have_no_traceback(served: Served) -> None:
    with client(served) as http:
        body = {"text": "hi", "engine": "tone", "model_size": "preset"}
        served.engine.fail_with = RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")
        response = http.post("/tts/generate", json=body)
        assert response.status_code == 507
        assert error_of(response)["code"] == "out_of_memory"
        served.engine.fail_with = ValueError("boom")
        response = http.post("/tts/generate", json=body)
        assert response.status_code == 500
        assert error_of(response)["code"] == "internal_error"
        served.engine.fail_with = None


def test_stream_pieces_per_sentence(served: Served) -> None:
    with client(served) as http:
        prompt = http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("a.wav", tone_wav())},
            data={"engine": "tone", "model_size": "clone"},
        ).json()["voice_prompt"]
        response = http.post(
            "/tts/stream",
            json={
                "text": "One. Two. Three.",
                "engine": "tone",
                "model_size": "clone",
                "voice_prompt": prompt,
            },
        )
        events = [json.loads(line) for line in response.text.splitlines() if line]
        assert [e["event"] for e in events] == ["audio", "audio", "audio", "done"]
        assert [e["index"] for e in events[:3]] == [0, 1, 2]
        wav = base64.b64decode(events[0]["audio"])
        assert sf.info(io.BytesIO(wav)).samplerate == 16_000
        response = http.post(
            "/tts/stream", json={"text": "x", "engine": "tone", "model_size": "preset"}
        )
        assert response.status_code == 422 and "stream" in error_of(response)["message"]


def test_upload_limit_without_content_length(served: Served) -> None:
    def body():
        yield b'--x\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\n'
        for _ in range(60):
            yield b"\0" * (1024 * 1024)

    with client(served) as http:
        response = http.post(
            "/tts/create_voice_prompt",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
    assert response.status_code == 413
    assert "50 MB" in error_of(response)["message"]
