"""Decode any common audio (or a video's audio track) to mono float32 with PyAV.

Decoding stops as soon as the audio is longer than `max_seconds`, so an hour-long upload costs
no more than a short one."""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt

from core.errors import AudioRejected

Samples = npt.NDArray[np.float32]

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
        raise AudioRejected(
            f"the file is not audio we can read ({exc}); {HINT}", field="audio"
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
        resampler = av.AudioResampler(format="flt", layout="mono", rate=target)
        chunks: list[Samples] = []
        total = 0
        limit = int(max_seconds * target) if max_seconds is not None else None
        try:
            for frame in container.decode(stream):
                assert isinstance(frame, av.AudioFrame)
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    chunks.append(chunk)
                    total += chunk.size
                if limit is not None and total > limit:
                    return Decoded(np.zeros(0, np.float32), target, native, fmt, too_long=True)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except (av.FFmpegError, ValueError) as exc:
            raise AudioRejected(f"the audio is corrupt ({exc}); {HINT}", field="audio") from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    if samples.size == 0:
        raise AudioRejected(f"the file contains no audio samples; {HINT}", field="audio")
    if not np.all(np.isfinite(samples)):
        raise AudioRejected("the audio contains invalid (NaN) samples", field="audio")
    return Decoded(samples, target, native, fmt)
