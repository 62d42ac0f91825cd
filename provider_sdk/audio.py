"""Audio helpers shared by providers and clients: WAV encoding and decoding, joining chunks
without clicks, trimming trailing silence."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import soundfile as sf

from provider_sdk.engine import AudioArray
from provider_sdk.errors import InvalidAudio


def encode_wav(audio: AudioArray, sample_rate: int) -> bytes:
    """16-bit PCM mono WAV bytes of float samples in [-1, 1] (clipped)."""
    buffer = io.BytesIO()
    clipped = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    sf.write(buffer, clipped, sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def decode_audio(data: bytes) -> tuple[AudioArray, int]:
    """Decode WAV/FLAC/OGG bytes to mono float32; InvalidAudio when it is not audio."""
    if not data:
        raise InvalidAudio("audio is empty (0 bytes); send a WAV, FLAC or OGG file")
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise InvalidAudio(
            f"audio could not be decoded ({exc}); send a WAV, FLAC or OGG file"
        ) from None
    if samples.shape[0] == 0:
        raise InvalidAudio("audio has no samples; send a recording of a few seconds")
    mono: AudioArray = samples.mean(axis=1).astype(np.float32)
    if not np.all(np.isfinite(mono)):
        raise InvalidAudio("audio contains NaN or infinite samples")
    return mono, int(rate)


def fade_edges(audio: AudioArray, sample_rate: int, fade_ms: float = 10.0) -> AudioArray:
    """A copy of `audio` faded in and out over `fade_ms`, so it starts and ends at zero."""
    out: AudioArray = np.asarray(audio, dtype=np.float32).copy()
    n = min(int(sample_rate * fade_ms / 1000), out.size // 2)
    if n:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        out[:n] *= ramp
        out[-n:] *= ramp[::-1]
    return out


def join_chunks(
    chunks: Sequence[AudioArray], sample_rate: int, *, fade_ms: float = 10.0, gap_ms: float = 80.0
) -> AudioArray:
    """Join speech chunks with a short pause. Every chunk is faded at its edges, so a join
    never jumps from a non-zero sample to silence (no click)."""
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    gap = np.zeros(int(sample_rate * gap_ms / 1000), dtype=np.float32)
    parts: list[AudioArray] = []
    for index, chunk in enumerate(chunks):
        if index:
            parts.append(gap)
        parts.append(fade_edges(chunk, sample_rate, fade_ms))
    return np.concatenate(parts).astype(np.float32)


def trim_trailing_silence(
    audio: AudioArray, sample_rate: int, *, threshold_db: float = -45.0, keep_ms: float = 150.0
) -> AudioArray:
    """Drop trailing samples quieter than `threshold_db` below full scale, keeping a tail."""
    if audio.size == 0:
        return audio
    threshold = 10 ** (threshold_db / 20)
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    end = min(audio.size, int(loud[-1]) + 1 + int(sample_rate * keep_ms / 1000))
    return audio[:end]
