"""/v1/audio/speech through the official `openai` SDK (sync and async) against a real core.

A tone engine (tests/provider_sdk/tone_engine.py, served over real HTTP) carries the plumbing
tests: its pitch is known, so tempo and resampling are measured, and a gate between its pieces
lets the streaming tests check the order of events (the first audio reaches the client while
the generation is still running) without timing anything."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import openai
import pytest
import soundfile as sf

from provider_sdk.engine import SynthesisRequest
from provider_sdk.errors import UnsupportedParameter
from tests.core import media
from tests.core.conftest import CoreServer
from tests.provider_sdk.conftest import TOKEN, serve_engines
from tests.provider_sdk.tone_engine import ToneEngine

TEXT = "One two three four five six seven. Eight nine ten eleven twelve."


class GatedTone(ToneEngine):
    """ToneEngine that waits on `gate` before its second piece."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()

    def stream(self, request: SynthesisRequest) -> Iterator[Any]:
        if self.fail_with is not None:
            raise self.fail_with
        for index, piece in enumerate(super().stream(request)):
            if index == 1:
                assert self.gate.wait(60), "the test never opened the gate"
            yield piece


@pytest.fixture(scope="module")
def tone() -> Iterator[tuple[str, GatedTone]]:
    engine = GatedTone()
    with serve_engines([engine]) as url:
        yield url, engine


@pytest.fixture
def tone_core(
    make_core: Callable[..., CoreServer], tone: tuple[str, GatedTone]
) -> Iterator[CoreServer]:
    tone[1].gate.set()
    tone[1].fail_with = None
    core = make_core(speech=False, provider_url=tone[0], provider_token=TOKEN)
    made = core.http.post("/profiles", json={"name": "Tone"})
    assert made.status_code == 201, made.text
    sample = media.wav(media.voice_like(3.0), 44_100)
    added = core.http.post(
        f"/profiles/{made.json()['id']}/samples",
        files={"audio": ("a.wav", sample)},
        data={"reference_text": "a"},
    )
    assert added.status_code == 201, added.text
    yield core
    tone[1].gate.set()
    tone[1].fail_with = None


def sdk(core: CoreServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{core.url}/v1", api_key="local", max_retries=0)


def pitch(samples: np.ndarray, rate: int, frame_s: float = 0.1) -> float:
    """Median fundamental over 100 ms frames, by autocorrelation (60-600 Hz)."""
    size = int(rate * frame_s)
    found = []
    for start in range(0, samples.size - size, size):
        frame = samples[start : start + size] - samples[start : start + size].mean()
        corr = np.fft.irfft(np.abs(np.fft.rfft(frame, 2 * size)) ** 2)[:size]
        low, high = int(rate / 600), int(rate / 60)
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.3 * corr[0]:
            found.append(rate / lag)
    assert found, "no pitched frames"
    return float(np.median(found))


def wav(content: bytes) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(io.BytesIO(content), dtype="float32")
    return samples, int(rate)


def test_speed_changes_tempo_and_keeps_pitch(tone_core: CoreServer) -> None:
    client = sdk(tone_core)

    def take(speed: float) -> tuple[np.ndarray, int]:
        made = client.audio.speech.create(
            model="tts-1", voice="Tone", input=TEXT, response_format="wav", speed=speed
        )
        return wav(made.content)

    normal, rate = take(1.0)
    base = pitch(normal, rate)
    assert 100 < base < 200, base
    for speed in (0.5, 2.0):
        changed, changed_rate = take(speed)
        assert changed_rate == rate
        ratio = (changed.size / rate) / (normal.size / rate)
        assert abs(ratio - 1 / speed) <= 0.05 / speed, (speed, ratio)
        semitones = 12 * abs(np.log2(pitch(changed, rate) / base))
        assert semitones < 1.0, (speed, semitones)


def test_pcm_is_24khz_16bit_mono_at_the_same_pitch(tone_core: CoreServer) -> None:
    client = sdk(tone_core)
    whole, rate = wav(
        client.audio.speech.create(
            model="tts-1", voice="Tone", input=TEXT, response_format="wav", extra_body={"seed": 3}
        ).content
    )
    raw = client.audio.speech.create(
        model="tts-1", voice="Tone", input=TEXT, response_format="pcm", extra_body={"seed": 3}
    ).content
    assert len(raw) % 2 == 0
    pcm = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    assert abs(pcm.size / 24_000 - whole.size / rate) < 0.01
    assert 12 * abs(np.log2(pitch(pcm, 24_000) / pitch(whole, rate))) < 0.2


@pytest.mark.parametrize("fmt", ["pcm", "mp3", "wav", "opus", "aac", "flac"])
def test_stream_sends_audio_before_the_generation_completes(
    tone_core: CoreServer, tone: tuple[str, GatedTone], fmt: str
) -> None:
    gate = tone[1].gate
    gate.clear()
    # As OpenAI's, the endpoint streams by default: mp3 leaves `stream_format` out.
    stream: dict[str, Any] = {} if fmt == "mp3" else {"stream_format": "audio"}
    with sdk(tone_core).audio.speech.with_streaming_response.create(
        model="tts-1", voice="Tone", input=TEXT, response_format=fmt, **stream
    ) as response:
        assert response.headers.get("content-length") is None
        generation = int(response.headers["x-generation-id"])
        chunks = response.iter_bytes()
        first = next(chunks)
        assert first
        during = tone_core.http.get(f"/generations/{generation}").json()
        assert during["status"] == "generating", during["status"]
        gate.set()
        rest = b"".join(chunks)
    done = tone_core.http.get(f"/generations/{generation}").json()
    assert done["status"] == "completed" and done["source"] == "api"
    audio = first + rest
    if fmt == "pcm":
        assert abs(len(audio) / 2 / 24_000 - done["duration"]) < 0.02
    else:
        import av

        with av.open(io.BytesIO(audio)) as container:
            frames = list(container.decode(audio=0))
        seconds = sum(f.samples for f in frames) / frames[0].sample_rate
        # Codec priming and padding (AAC: 1024 samples and a partial frame) add a little.
        assert abs(seconds - done["duration"]) < 0.15, (seconds, done["duration"])


def test_flac_without_stream_format_is_one_whole_file(tone_core: CoreServer) -> None:
    """A streamed FLAC cannot state its length, and libsndfile then refuses it; without an
    explicit `stream_format` FLAC comes whole, readable by soundfile."""
    import soundfile as sf

    response = sdk(tone_core).audio.speech.create(
        model="tts-1", voice="Tone", input=TEXT, response_format="flac"
    )
    generation = int(response.response.headers["x-generation-id"])
    done = tone_core.http.get(f"/generations/{generation}").json()
    samples, rate = sf.read(io.BytesIO(response.content), dtype="float32")
    assert abs(samples.shape[0] / rate - done["duration"]) < 0.01


def sse_events(lines: Iterator[str]) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in lines if line.startswith("data:")]


def test_sse_events_decode_to_the_same_audio_as_the_audio_stream(tone_core: CoreServer) -> None:
    client = sdk(tone_core)
    whole = client.audio.speech.create(
        model="tts-1", voice="Tone", input=TEXT, response_format="wav", extra_body={"seed": 11}
    ).content
    with client.audio.speech.with_streaming_response.create(
        model="tts-1",
        voice="Tone",
        input=TEXT,
        response_format="wav",
        stream_format="sse",
        extra_body={"seed": 11},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.iter_lines())
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "speech.audio.done" and kinds.count("speech.audio.done") == 1
    deltas = [e for e in events if e["type"] == "speech.audio.delta"]
    assert len(deltas) >= 2 and len(deltas) == len(kinds) - 1
    streamed = b"".join(base64.b64decode(e["audio"]) for e in deltas)
    assert streamed[:4] == b"RIFF" and streamed[36:40] == b"data"
    got = np.frombuffer(streamed[44:], "<i2").astype(np.int32)
    expected, _ = sf.read(io.BytesIO(whole), dtype="int16")
    assert got.size == expected.size
    assert np.abs(got - expected.astype(np.int32)).max() <= 1


def test_voice_forms_instructions_and_history_source(tone_core: CoreServer) -> None:
    client = sdk(tone_core)
    preset = tone_core.http.post(
        "/profiles",
        json={
            "name": "Bell",
            "voice_type": "preset",
            "preset_engine": "tone",
            "preset_voice": "a4",
        },
    )
    assert preset.status_code == 201, preset.text
    said = client.audio.speech.create(
        model="tone:preset",
        voice="Bell",
        input="Ring softly.",
        response_format="wav",
        instructions="Calm and slow.",
    )
    assert wav(said.content)[0].size > 0
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.audio.speech.create(
            model="tts-1", voice="Tone", input="Hi there.", instructions="Whisper it."
        )
    assert refused.value.body["param"] == "instructions"  # type: ignore[index]
    assert "instructions" in refused.value.body["message"]  # type: ignore[index]
    mapped = tone_core.http.put("/settings/openai-voices", json={"nova": "Bell"})
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["voices"]["nova"] == {
        "profile_id": preset.json()["id"],
        "profile_name": "Bell",
        "mapped": True,
    }
    client.audio.speech.create(
        model="tone:preset", voice="nova", input="Mapped name.", response_format="wav"
    )
    client.audio.speech.create(
        model="tts-1",
        voice={"id": "Tone"},
        input="Object form.",
        response_format="flac",  # type: ignore[arg-type]
    )
    client.audio.speech.create(model="tts-1", voice="alloy", input="Unmapped name.")
    rows = tone_core.http.get("/history", params={"limit": 10}).json()["items"]
    by_text = {row["text"]: row for row in rows}
    assert by_text["Mapped name."]["profile_name"] == "Bell"
    assert by_text["Object form."]["profile_name"] == "Tone"
    # alloy is unmapped: the default voice is the profile used last.
    assert by_text["Unmapped name."]["profile_name"] == "Tone"
    assert by_text["Ring softly."]["instruct"] == "Calm and slow."
    assert {row["source"] for row in rows} == {"api"}
    made = tone_core.http.post(
        "/generate", json={"profile_id": preset.json()["id"], "text": "From the app."}
    )
    assert made.status_code == 202, made.text
    own = tone_core.wait(made.json()["generations"][0]["id"])
    assert own["source"] == "app"
    voices = tone_core.http.get("/v1/audio/voices").json()["voices"]
    ids = [v["id"] for v in voices]
    assert {"Tone", "Bell", "alloy", "nova", "cedar"} <= set(ids)
    assert next(v for v in voices if v["id"] == "nova")["name"] == "nova (Bell)"
    models = {m["id"] for m in tone_core.http.get("/v1/audio/models").json()["models"]}
    assert {"tts-1", "tone", "tone:clone", "tone:preset"} <= models


def test_async_sdk_whole_and_streamed(tone_core: CoreServer) -> None:
    async def main() -> tuple[bytes, bytes]:
        client = openai.AsyncOpenAI(base_url=f"{tone_core.url}/v1", api_key="k", max_retries=0)
        whole = await client.audio.speech.create(
            model="tts-1", voice="Tone", input=TEXT, response_format="pcm", extra_body={"seed": 5}
        )
        streamed = b""
        async with client.audio.speech.with_streaming_response.create(
            model="tts-1",
            voice="Tone",
            input=TEXT,
            response_format="pcm",
            stream_format="audio",
            extra_body={"seed": 5},
        ) as response:
            async for chunk in response.iter_bytes():
                streamed += chunk
        await client.close()
        return whole.content, streamed

    whole, streamed = asyncio.run(main())
    assert len(whole) > 24_000 * 2
    assert abs(len(streamed) - len(whole)) <= 2 * 64  # resampler flush granularity
    a = np.frombuffer(whole, "<i2").astype(np.float32)
    b = np.frombuffer(streamed, "<i2").astype(np.float32)
    n = min(a.size, b.size)
    assert np.abs(a[:n] - b[:n]).mean() < 50


def test_a_generation_failing_before_any_audio_is_an_error_status(
    tone_core: CoreServer, tone: tuple[str, GatedTone]
) -> None:
    """The status leaves with the first audio: a failure before it is a real error status
    (here the engine refuses the request), for the audio stream and for SSE alike."""
    tone[1].fail_with = UnsupportedParameter("the tone engine cannot say that")
    for stream_format in ("audio", "sse"):
        body = {
            "model": "tts-1",
            "voice": "Tone",
            "input": "Hello.",
            "stream_format": stream_format,
        }
        response = tone_core.http.post("/v1/audio/speech", json=body)
        assert response.status_code == 422, response.text
        assert "cannot say that" in response.json()["error"]["message"]
    rows = tone_core.http.get("/history", params={"status": "failed"}).json()
    assert rows["total"] == 2 and {r["source"] for r in rows["items"]} == {"api"}


BAD_SPEECH: list[tuple[dict[str, Any], int, str]] = [
    ({"model": "tts-1", "voice": "Nobody", "input": "Hi"}, 404, "voice"),
    ({"model": "tts-1", "voice": "Tone", "input": ""}, 422, "input"),
    (
        {"model": "tts-1", "voice": "Tone", "input": "Hi", "response_format": "xyz"},
        422,
        "response_format",
    ),
    ({"model": "tts-1", "voice": "Tone", "input": "Hi", "speed": 5}, 422, "speed"),
    ({"model": "tts-1", "voice": "Tone", "input": "Hi", "speed": 0.1}, 422, "speed"),
    (
        {"model": "tts-1", "voice": "Tone", "input": "Hi", "stream_format": "ws"},
        422,
        "stream_format",
    ),
    ({"model": "nope", "voice": "Tone", "input": "Hi"}, 422, "model"),
    ({"model": "tone:9B", "voice": "Tone", "input": "Hi"}, 422, "model_size"),
    ({"model": "tts-1", "voice": {"id": ""}, "input": "Hi"}, 422, "voice"),
    ({"model": "tts-1", "voice": {"name": "x"}, "input": "Hi"}, 422, "voice"),
    ({"model": "tts-1", "voice": "Tone", "input": "x" * 6000}, 422, "text"),
    ({"model": "tts-1", "voice": "Tone", "input": "Hi", "seed": "7"}, 422, "seed"),
    ({"model": "tts-1", "voice": "Tone", "input": "Hi", "seed": -1}, 422, "seed"),
    ({"model": "tts-1", "voice": "Tone", "input": ["Hi"]}, 422, "input"),
]


def test_bad_speech_requests_are_clear_4xx(tone_core: CoreServer) -> None:
    for body, status, param in BAD_SPEECH:
        for extra in ({}, {"stream_format": "audio"}, {"stream_format": "sse"}):
            sent = {**body, **({} if "stream_format" in body else extra)}
            response = tone_core.http.post("/v1/audio/speech", json=sent)
            assert response.status_code == status, (sent, response.text)
            error = response.json()["error"]
            assert error["message"] and param in (error["param"] or ""), (sent, error)
    for raw in (b"not json", b"[]", b'{"input": 5}'):
        response = tone_core.http.post(
            "/v1/audio/speech", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422 and response.json()["error"]["message"], raw
    for body in ({"nova": "Nobody"}, {"robot": "Tone"}, {"alloy": 5.5}, []):
        response = tone_core.http.put("/settings/openai-voices", json=body)
        assert 400 <= response.status_code < 500 and response.json()["error"]["message"], body
    assert tone_core.http.get("/settings/openai-voices").json()["voices"]["nova"]["mapped"] is False
