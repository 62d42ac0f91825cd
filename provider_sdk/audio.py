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


def join_chunks(
    chunks: Sequence[AudioArray], sample_rate: int, *, crossfade_ms: float = 10.0,
    gap_ms: float = 80.0,
) -> AudioArray:
    """Join speech chunks with a short pause; each edge is faded over `crossfade_ms`, so a
    join never jumps from a non-zero sample to silence (no click)."""
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    fade = max(1, int(sample_rate * crossfade_ms / 1000))
    gap = np.zeros(int(sample_rate * gap_ms / 1000), dtype=np.float32)
    parts: list[AudioArray] = []
    for index, chunk in enumerate(chunks):
        piece = np.asarray(chunk, dtype=np.float32).copy()
        n = min(fade, len(piece) // 2)
        if n:
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
            if index > 0:
                piece[:n] *= ramp
            if index < len(chunks) - 1:
                piece[-n:] *= ramp[::-1]
        if index > 0:
            parts.append(gap)
        parts.append(piece)
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
