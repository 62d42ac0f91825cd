"""Test audio made with numpy and written with PyAV/soundfile in many containers."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
import soundfile as sf


def voice_like(seconds: float, rate: int = 44_100, amplitude: float = 0.5) -> np.ndarray:
    """A harmonic tone with a syllable-like envelope: loud enough, not clipped, not silent."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t) / (i + 1) for i, f in enumerate((140, 280, 420, 700)))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 3.0 * t)
    signal = tone * envelope
    return (amplitude * signal / np.max(np.abs(signal))).astype(np.float32)


def wav(samples: np.ndarray, rate: int = 44_100, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def flac(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def encode(
    samples: np.ndarray, rate: int, container: str, codec: str, *, video: bool = False
) -> bytes:
    """Write `samples` with PyAV: e.g. ("mp3","libmp3lame"), ("ipod","aac") for m4a,
    ("webm","libopus"), ("ogg","libopus"); `video=True` adds a small video track (mp4)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        out_rate = 48_000 if codec == "libopus" else rate
        astream = out.add_stream(codec, rate=out_rate, layout="mono")
        vstream = out.add_stream("mpeg4", rate=10) if video else None
        if vstream is not None:
            vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
            for i in range(int(samples.size / rate * 10)):
                image = np.full((48, 64, 3), (i * 7) % 255, np.uint8)
                vframe = av.VideoFrame.from_ndarray(image, format="rgb24")
                vframe.pts, vframe.time_base = i, Fraction(1, 10)
                for packet in vstream.encode(vframe):
                    out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        fmt = astream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout="mono", rate=out_rate)
        for part in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in astream.encode(part):
                out.mux(packet)
        for packet in astream.encode(None):
            out.mux(packet)
    return buffer.getvalue()
