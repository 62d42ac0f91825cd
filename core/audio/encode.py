"""Encoding float samples to WAV (soundfile) and to MP3/FLAC/OGG/Opus/AAC (PyAV)."""

from __future__ import annotations

import io

import av
import numpy as np

from core.audio.decode import Samples
from core.audio.formats import MEDIA_TYPES
from core.errors import ValidationFailed

__all__ = ["MEDIA_TYPES", "available_formats", "encode", "wav_bytes"]

# format -> (container, codec, codec sample format, allowed rates or None)
_CODECS: dict[str, tuple[str, str, str, tuple[int, ...] | None]] = {
    "mp3": ("mp3", "libmp3lame", "s16p", None),
    "flac": ("flac", "flac", "s16", None),
    "ogg": ("ogg", "libopus", "s16", (48000, 24000, 16000, 12000, 8000)),
    "opus": ("ogg", "libopus", "s16", (48000, 24000, 16000, 12000, 8000)),
    "aac": ("adts", "aac", "fltp", None),
}


def wav_bytes(samples: Samples, rate: int) -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, np.clip(samples, -1.0, 1.0), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def available_formats() -> list[str]:
    formats = ["wav", "pcm"]
    for name, (_, codec, _, _) in _CODECS.items():
        try:
            av.codec.Codec(codec, "w")
        except av.FFmpegError:
            continue
        formats.append(name)
    return formats


def encode(samples: Samples, rate: int, fmt: str) -> bytes:
    """Encode mono float samples; ValidationFailed for an unknown or unavailable format."""
    if fmt == "wav":
        return wav_bytes(samples, rate)
    if fmt == "pcm":
        return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    if fmt not in _CODECS or fmt not in available_formats():
        raise ValidationFailed(
            f"audio format {fmt!r} is not available; use one of {', '.join(available_formats())}",
            field="format",
        )
    container_name, codec, sample_fmt, rates = _CODECS[fmt]
    out_rate = rate if rates is None or rate in rates else rates[0]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_name) as container:
        stream = container.add_stream(codec, rate=out_rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        frame = av.AudioFrame.from_ndarray(
            np.clip(samples, -1.0, 1.0).astype(np.float32).reshape(1, -1),
            format="flt",
            layout="mono",
        )
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=sample_fmt, layout="mono", rate=out_rate)
        for part in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(part):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
