"""Transcription with the packaged tiny.en model: text, segments, words; clear errors."""

from __future__ import annotations

import asyncio

from core.services.transcription import Transcriber
from tests.core import media
from tests.core.conftest import CoreServer


def test_transcribe_real_speech_with_word_timestamps(
    bare_core: CoreServer, speech_wav: bytes
) -> None:
    response = bare_core.http.post("/transcribe", files={"file": ("s.wav", speech_wav)})
    assert response.status_code == 200, response.text
    result = response.json()
    text = result["text"].lower()
    assert "quick brown fox" in text and "lazy dog" in text
    words = [w for s in result["segments"] for w in s["words"]]
    assert len(words) >= 12
    assert all(0 <= w["start"] <= w["end"] <= result["duration"] + 0.5 for w in words)
    assert result["language"] == "en"
    assert bare_core.http.get("/health").json()["transcriber_loaded"] is True
    # Also through a lossy container (the same real speech as Opus in WebM).
    import io

    import soundfile as sf

    samples, rate = sf.read(io.BytesIO(speech_wav), dtype="float32")
    webm = media.encode(samples, rate, "webm", "libopus")
    again = bare_core.http.post("/transcribe", files={"file": ("s.webm", webm)}).json()
    assert "fox" in again["text"].lower()


def test_transcribe_bad_input(bare_core: CoreServer) -> None:
    for data, expected in ((b"", "empty"), (b"hello" * 50, "not audio")):
        response = bare_core.http.post("/transcribe", files={"file": ("x.wav", data)})
        assert response.status_code == 422 and expected in response.json()["error"]["message"]
    assert bare_core.http.post("/transcribe").status_code == 422


async def test_model_unloads_after_idle(speech_wav: bytes) -> None:
    transcriber = Transcriber(idle_s=0.2)
    result = await transcriber.transcribe(speech_wav)
    assert "fox" in result.text.lower() and transcriber.loaded
    for _ in range(50):
        if not transcriber.loaded:
            break
        await asyncio.sleep(0.05)
    assert not transcriber.loaded
    await transcriber.close()
