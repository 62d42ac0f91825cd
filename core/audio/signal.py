"""Sample validation and cleaning, and loudness normalization of generated speech."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.audio.decode import CLIP_LEVEL, Samples
from core.errors import AudioRejected

MIN_RATE = 16_000
SILENCE_DBFS = -50.0
CLIP_FRACTION = 0.001
TRIM_DB_BELOW_PEAK = 40.0
PEAK_TARGET = 0.95


def dbfs(value: float) -> float:
    return 20.0 * float(np.log10(max(value, 1e-10)))


def rms(samples: Samples) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


@dataclass
class Cleaned:
    samples: Samples
    sample_rate: int
    duration: float


def trim_silence(samples: Samples, rate: int, *, keep_ms: float = 100.0) -> Samples:
    """Drop leading and trailing frames more than 40 dB below the loudest frame."""
    frame = max(1, rate // 100)  # 10 ms frames
    n = samples.size // frame
    if n == 0:
        return samples
    frames = samples[: n * frame].reshape(n, frame)
    level = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    threshold = level.max() * 10 ** (-TRIM_DB_BELOW_PEAK / 20)
    loud = np.flatnonzero(level > threshold)
    if loud.size == 0:
        return samples[:0]
    keep = int(rate * keep_ms / 1000)
    start = max(0, int(loud[0]) * frame - keep)
    end = min(samples.size, (int(loud[-1]) + 1) * frame + keep)
    return samples[start:end]


def validate_and_clean(
    samples: Samples,
    rate: int,
    *,
    min_s: float,
    max_s: float,
    field: str = "audio",
    clipped: float | None = None,
) -> Cleaned:
    """Check a voice sample and return a cleaned copy: mono (already), DC removed, silence
    trimmed, peak-normalized. `clipped` is the share of full-scale samples in the worst
    channel of the recording (`Decoded.clipped`); without it the mono samples are counted.
    Every refusal says what is wrong and what to do."""
    if rate < MIN_RATE:
        raise AudioRejected(
            f"the sample rate is {rate} Hz; voice samples need at least {MIN_RATE} Hz. "
            "Record again at 16 kHz or more (44.1 or 48 kHz is ideal)",
            field=field,
        )
    raw_duration = samples.size / rate
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak == 0.0 or dbfs(rms(samples)) < SILENCE_DBFS:
        raise AudioRejected(
            f"the recording is silent (level {dbfs(rms(samples)):.0f} dBFS); check the "
            "microphone and record a few seconds of clear speech",
            field=field,
        )
    if clipped is None:
        clipped = float(np.mean(np.abs(samples) >= CLIP_LEVEL))
    if clipped > CLIP_FRACTION:
        raise AudioRejected(
            f"the recording is clipped ({clipped:.1%} of samples at full scale); lower the "
            "input gain and record again",
            field=field,
        )
    centred = (samples - np.float32(samples.mean())).astype(np.float32)
    trimmed = trim_silence(centred, rate)
    duration = trimmed.size / rate
    if duration < min_s:
        raise AudioRejected(
            f"the sample holds {duration:.1f} s of sound (of {raw_duration:.1f} s); samples "
            f"need {min_s:g}-{max_s:g} s of speech. Record a longer sample",
            field=field,
        )
    if duration > max_s:
        raise AudioRejected(too_long_message(duration, min_s, max_s), field=field)
    top = float(np.max(np.abs(trimmed)))
    cleaned = (trimmed * np.float32(PEAK_TARGET / top)).astype(np.float32)
    return Cleaned(cleaned, rate, duration)


def too_long_message(duration: float | None, min_s: float, max_s: float) -> str:
    length = f"{duration:.1f} s" if duration is not None else f"longer than {max_s:g} s"
    return (
        f"the sample is {length} long; samples need {min_s:g}-{max_s:g} s of speech. "
        "Cut it to the best part (one clear passage) and upload that"
    )


def normalize_loudness(
    samples: Samples, *, target_dbfs: float = -20.0, peak_limit: float = 0.89
) -> Samples:
    """RMS normalization to `target_dbfs`, then a peak limit (no sample above `peak_limit`)."""
    level = rms(samples)
    if level <= 0:
        return samples.astype(np.float32)
    gain = 10 ** (target_dbfs / 20) / level
    out = samples.astype(np.float64) * gain
    peak = float(np.max(np.abs(out)))
    if peak > peak_limit:
        out *= peak_limit / peak
    return out.astype(np.float32)
