"""Decode any common audio (or a video's audio track) to mono float32 with PyAV.

Channels are averaged into mono (FFmpeg's own downmix adds them up, so a loud stereo or 5.1
recording would exceed full scale), and clipping is counted per channel on the real samples.
Decoding stops as soon as the audio is longer than `max_seconds`, so an hour-long upload costs
no more than a short one."""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt

from core.errors import AudioRejected
from core.logging import get_logger

log = get_logger("audio")
Samples = npt.NDArray[np.float32]
CLIP_LEVEL = 0.999
"""A sample at or above this magnitude counts as clipped (full scale)."""

_FORMATS = {
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg",
    "mp3": "mp3",
    "mov": "m4a",
    "mp4": "m4a",
    "m4a": "m4a",
    "matroska": "webm",
    "webm": "webm",
    "aac": "aac",
    "aiff": "aiff",
}
HINT = "send WAV, FLAC, OGG, MP3, M4A or WebM audio (or a video with an audio track)"


@dataclass
class Decoded:
    samples: Samples
    sample_rate: int
    native_rate: int
    format: str
    """A fixed extension from a whitelist (never the user's file name)."""
    too_long: bool = False
    clipped: float = 0.0
    """The largest fraction of samples at full scale in any one channel."""


def container_format(name: str) -> str:
    for part in name.split(","):
        if part in _FORMATS:
            return _FORMATS[part]
    return "bin"


def decode(data: bytes, *, max_seconds: float | None = None, rate: int | None = None) -> Decoded:
    """Mono float32 samples at the native rate (or `rate`); AudioRejected on anything else."""
    if not data:
        raise AudioRejected(f"the file is empty (0 bytes); {HINT}", field="audio")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError, UnicodeDecodeError) as exc:
        log.info("undecodable upload: %r", exc)  # the decoder's words stay in the log
        raise AudioRejected(
            f"the file is not audio Voicebox can read; {HINT}", field="audio"
        ) from None
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise AudioRejected(f"the file has no audio track; {HINT}", field="audio")
        native = int(getattr(stream.codec_context, "sample_rate", 0) or 0)
        if native <= 0:
            raise AudioRejected(f"the audio has no sample rate; {HINT}", field="audio")
        target = rate or native
        fmt = container_format(container.format.name)
        if max_seconds is not None and stream.duration and stream.time_base:
            seconds = float(stream.duration * stream.time_base)
            if seconds > max_seconds:
                return Decoded(np.zeros(0, np.float32), target, native, fmt, too_long=True)
        resampler = av.AudioResampler(format="fltp", rate=target)  # keeps every channel
        chunks: list[Samples] = []
        total = 0
        at_full_scale: dict[int, int] = {}  # channel index -> samples at full scale
        limit = int(max_seconds * target) if max_seconds is not None else None

        def take(out: av.AudioFrame) -> None:
            nonlocal total
            channels = out.to_ndarray().astype(np.float32, copy=False)  # (channels, n)
            counts = np.count_nonzero(np.abs(channels) >= CLIP_LEVEL, axis=1)
            for index, count in enumerate(counts.tolist()):
                at_full_scale[index] = at_full_scale.get(index, 0) + count
            chunk = channels.mean(axis=0, dtype=np.float32)
            chunks.append(chunk)
            total += chunk.size

        try:
            for frame in container.decode(stream):
                assert isinstance(frame, av.AudioFrame)
                for out in resampler.resample(frame):
                    take(out)
                if limit is not None and total > limit:
                    return Decoded(np.zeros(0, np.float32), target, native, fmt, too_long=True)
            for out in resampler.resample(None):
                take(out)
        except (av.FFmpegError, ValueError) as exc:
            log.info("corrupt upload: %r", exc)
            raise AudioRejected(
                f"the audio is damaged and cannot be read to the end; {HINT}", field="audio"
            ) from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    if samples.size == 0:
        raise AudioRejected(f"the file contains no audio samples; {HINT}", field="audio")
    if not np.all(np.isfinite(samples)):
        raise AudioRejected("the audio contains invalid (NaN) samples", field="audio")
    clipped = max(at_full_scale.values(), default=0) / samples.size
    return Decoded(samples, target, native, fmt, clipped=clipped)
