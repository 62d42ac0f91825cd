"""Mixdown: clips placed on one timeline at one sample rate, sample-accurate.

Each clip is resampled to the mix rate with soxr (a band-limited, high-quality resampler),
trimmed, scaled by its gain, faded with linear ramps and added at its start sample. The sum
goes through a look-ahead peak limiter, so the result never exceeds the ceiling; a mix that
stays under the ceiling passes through unchanged, sample for sample."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.audio.decode import Samples

CEILING = 0.98
LIMITER_WINDOW_S = 0.005


@dataclass(frozen=True)
class MixClip:
    """A clip ready to mix: samples already at the mix rate, every time in samples."""

    samples: Samples
    start: int
    trim_start: int = 0
    trim_end: int = 0
    gain: float = 1.0
    fade_in: int = 0
    fade_out: int = 0

    @property
    def length(self) -> int:
        return max(0, self.samples.size - self.trim_start - self.trim_end)

    @property
    def end(self) -> int:
        return self.start + self.length


def to_samples(seconds: float, rate: int) -> int:
    return round(seconds * rate)


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def resample(samples: Samples, from_rate: int, to_rate: int) -> Samples:
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import soxr

    out = soxr.resample(samples.astype(np.float32, copy=False), from_rate, to_rate, quality="HQ")
    return np.asarray(out, dtype=np.float32)


def ramp(n: int) -> Samples:
    """A linear fade-in of n samples: 0, 1/n, …, (n-1)/n (reversed for a fade-out)."""
    return (np.arange(n, dtype=np.float64) / n).astype(np.float32)


def clip_body(clip: MixClip) -> Samples:
    """The clip's audible samples: trimmed, gained, faded (a new array)."""
    body = clip.samples[clip.trim_start : clip.trim_start + clip.length].astype(np.float32)
    if clip.gain != 1.0:
        body *= np.float32(clip.gain)
    fade_in = min(clip.fade_in, body.size)
    if fade_in > 0:
        body[:fade_in] *= ramp(fade_in)
    fade_out = min(clip.fade_out, body.size)
    if fade_out > 0:
        body[body.size - fade_out :] *= ramp(fade_out)[::-1]
    return body


def mix(
    clips: Sequence[MixClip],
    *,
    length: int | None = None,
    rate: int,
    progress: Callable[[float], None] | None = None,
) -> Samples:
    """Sum the clips into one buffer (as long as the last clip, or `length`), then limit."""
    total = length if length is not None else max((c.end for c in clips), default=0)
    out = np.zeros(total, dtype=np.float32)
    for index, clip in enumerate(clips):
        body = clip_body(clip)
        start, stop = max(clip.start, 0), min(clip.end, total)
        if stop > start:
            out[start:stop] += body[start - clip.start : stop - clip.start]
        if progress is not None:
            progress((index + 1) / max(len(clips), 1))
    return limit(out, rate=rate)


def _running_min(values: Samples, radius: int) -> Samples:
    """min(values[i-radius : i+radius+1]) for every i, in O(n) (van Herk/Gil-Werman)."""
    width = 2 * radius + 1
    n = values.size
    padded = np.concatenate(
        [np.ones(radius, np.float32), values, np.ones(radius + width, np.float32)]
    )
    blocks = padded[: (padded.size // width) * width].reshape(-1, width)
    forward = np.minimum.accumulate(blocks, axis=1).reshape(-1)
    backward = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    out: Samples = np.minimum(backward[:n], forward[width - 1 : width - 1 + n])
    return out


def _gain(magnitude: Samples, ceiling: float, radius: int, half: int) -> Samples:
    need = np.minimum(1.0, ceiling / np.maximum(magnitude, 1e-12)).astype(np.float32)
    held = _running_min(need, radius)
    cumulative = np.concatenate([[0.0], np.cumsum(np.pad(held, half, constant_values=1.0))])
    smooth = (cumulative[2 * half + 1 :] - cumulative[: -2 * half - 1]) / (2 * half + 1)
    gain: Samples = np.where(_running_min(held, half) >= 1.0, 1.0, smooth).astype(np.float32)
    return gain


def limit(samples: Samples, *, rate: int, ceiling: float = CEILING) -> Samples:
    """A look-ahead brick-wall limiter: the gain needed at each loud sample is spread over
    ±window (a running minimum) and smoothed (a moving average over half of it), so it is
    always at or below what each sample needs and no sample exceeds `ceiling`. Only the
    stretches around samples over the ceiling are touched."""
    magnitude = np.abs(samples)
    over = np.flatnonzero(magnitude > ceiling)
    if over.size == 0:
        return samples
    radius = max(1, int(rate * LIMITER_WINDOW_S))
    half = radius // 2
    reach = radius + half + 1
    breaks = np.flatnonzero(np.diff(over) > 2 * reach)
    firsts = np.concatenate([over[:1], over[breaks + 1]])
    lasts = np.concatenate([over[breaks], over[-1:]])
    out = samples.copy()
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        lo, hi = max(0, first - reach), min(samples.size, last + reach + 1)
        out[lo:hi] = samples[lo:hi] * _gain(magnitude[lo:hi], ceiling, radius, half)
    np.clip(out, -ceiling, ceiling, out=out)
    return out
