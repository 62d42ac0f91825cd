from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from provider_sdk.audio import decode_audio, encode_wav, join_chunks, trim_trailing_silence
from provider_sdk.errors import InvalidAudio
from provider_sdk.text import split_text


def test_split_prefers_sentences_then_clauses_then_words() -> None:
    text = "Short one. " + "A long clause, " * 10 + "end. " + "x" * 50
    chunks = split_text(text, max_chars=40)
    assert chunks[0] == "Short one."
    assert all(len(c) <= 40 for c in chunks)
    assert chunks[1].startswith("A long clause,")
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_split_keeps_every_word_and_handles_cjk() -> None:
    assert split_text("你好。世界！", 10) == ["你好。", "世界！"]
    assert split_text("   ") == []
    with pytest.raises(ValueError):
        split_text("hi", 0)


def test_join_has_no_clicks() -> None:
    rate = 16_000
    t = np.arange(rate // 2) / rate
    loud = (0.9 * np.sin(2 * np.pi * 200 * t + 1.0)).astype(np.float32)
    joined = join_chunks([loud, loud, loud], rate)
    # A click is a jump between neighbouring samples much larger than the signal's own steps.
    own_step = np.abs(np.diff(loud)).max()
    assert np.abs(np.diff(joined)).max() <= own_step + 1e-6
    assert joined[0] == 0 and joined[-1] == 0
    naive = np.concatenate([loud, np.zeros(100, np.float32), loud])
    assert np.abs(np.diff(naive)).max() > 5 * own_step  # the check can fail


def test_wav_round_trip_and_trim() -> None:
    rate = 22_050
    audio = np.concatenate([np.full(rate, 0.5, np.float32), np.zeros(rate, np.float32)])
    samples, got_rate = decode_audio(encode_wav(audio, rate))
    assert got_rate == rate and samples.size == audio.size
    trimmed = trim_trailing_silence(samples, rate, keep_ms=100)
    assert trimmed.size == rate + int(rate * 0.1)


@pytest.mark.parametrize("data", [b"", b"garbage bytes", b"RIFF\x00\x00\x00\x00WAVE"])
def test_decode_refuses_non_audio(data: bytes) -> None:
    with pytest.raises(InvalidAudio):
        decode_audio(data)


def test_decode_downmixes_stereo() -> None:
    buffer = io.BytesIO()
    stereo = np.stack([np.full(1000, 0.2), np.full(1000, 0.6)], axis=1)
    sf.write(buffer, stereo, 16_000, format="FLAC")
    mono, _ = decode_audio(buffer.getvalue())
    assert mono.ndim == 1 and np.allclose(mono, 0.4, atol=1e-3)
