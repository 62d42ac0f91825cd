"""Encoding float samples to WAV (soundfile), raw 24 kHz PCM and MP3/FLAC/OGG/Opus/AAC (PyAV),
whole (`encode`) or piece by piece as speech is made (`StreamEncoder`); tempo changes that keep
the pitch (`time_stretch`, Rubber Band through pedalboard)."""

from __future__ import annotations

import io
import struct
from typing import Any

import av
import numpy as np

from core.audio.decode import Samples
from core.audio.formats import MEDIA_TYPES, PCM_RATE
from core.errors import ValidationFailed

__all__ = [
    "MEDIA_TYPES",
    "StreamEncoder",
    "available_formats",
    "encode",
    "resample",
    "time_stretch",
    "wav_bytes",
]

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
        return _pcm16(resample(samples, rate, PCM_RATE))
    _check(fmt)
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


def _check(fmt: str) -> None:
    if fmt not in _CODECS or fmt not in available_formats():
        raise ValidationFailed(
            f"audio format {fmt!r} is not available; use one of {', '.join(available_formats())}",
            field="format",
        )


def _pcm16(samples: Samples) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _frame(samples: Samples, rate: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(
        np.clip(samples, -1.0, 1.0).astype(np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    return frame


def resample(samples: Samples, rate: int, out_rate: int) -> Samples:
    """Band-limited resampling (FFmpeg's swresample through PyAV)."""
    if rate == out_rate or samples.size == 0:
        return samples
    resampler = av.AudioResampler(format="flt", layout="mono", rate=out_rate)
    parts = [*resampler.resample(_frame(samples, rate)), *resampler.resample(None)]
    return np.concatenate([p.to_ndarray().reshape(-1) for p in parts]).astype(np.float32)


def time_stretch(samples: Samples, rate: int, speed: float) -> Samples:
    """Faster (speed > 1) or slower speech at the same pitch; 1.0 leaves it untouched.
    pedalboard (Rubber Band inside) is imported on first use."""
    if abs(speed - 1.0) < 1e-3 or samples.size == 0:
        return samples
    import pedalboard

    stretched = pedalboard.time_stretch(
        samples.astype(np.float32).reshape(1, -1), float(rate), stretch_factor=float(speed)
    )
    return np.asarray(stretched, dtype=np.float32).reshape(-1)


def streaming_wav_header(rate: int) -> bytes:
    """A 16-bit mono WAV header whose sizes say "unknown" (0xFFFFFFFF), for a WAV whose length
    is not known when its first bytes are sent; players read to the end of the stream."""
    unknown = 0xFFFFFFFF
    fmt_chunk = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", unknown)
        + b"WAVEfmt "
        + struct.pack("<I", len(fmt_chunk))
        + fmt_chunk
        + b"data"
        + struct.pack("<I", unknown)
    )


class _Sink:
    """A write-only file for PyAV: collects what the muxer writes until it is taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


class StreamEncoder:
    """Encodes mono float pieces as they arrive; `feed` and `finish` return the bytes ready so
    far, so a response can send audio while the rest is still being made. `pcm` is resampled
    to 24 kHz; `wav` starts with a streaming header; the codecs run in one container each
    (MP3 frames, Ogg pages of 100 ms, ADTS, FLAC frames) with packets flushed as muxed."""

    def __init__(self, fmt: str, rate: int) -> None:
        self.fmt = fmt
        self.rate = rate
        self._header = streaming_wav_header(rate) if fmt == "wav" else b""
        self._pcm_resampler: av.AudioResampler | None = None
        self._container: Any = None
        if fmt == "pcm":
            self._pcm_resampler = av.AudioResampler(format="s16", layout="mono", rate=PCM_RATE)
        elif fmt != "wav":
            _check(fmt)
            self._open(fmt)

    def _open(self, fmt: str) -> None:
        container_name, codec, sample_fmt, rates = _CODECS[fmt]
        out_rate = self.rate if rates is None or self.rate in rates else rates[0]
        options = {"flush_packets": "1"}
        if container_name == "ogg":
            options["page_duration"] = "100000"
        self._sink = _Sink()
        self._container = av.open(
            self._sink, mode="w", format=container_name, buffer_size=4096, options=options
        )
        self._stream = self._container.add_stream(codec, rate=out_rate, layout="mono")
        self._resampler = av.AudioResampler(format=sample_fmt, layout="mono", rate=out_rate)

    def _encode(self, frames: list[av.AudioFrame | None]) -> bytes:
        for frame in frames:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        return self._sink.take()

    def _from_resampler(self, resampler: av.AudioResampler, frame: av.AudioFrame | None) -> bytes:
        return b"".join(
            bytes(f.to_ndarray().astype("<i2").tobytes()) for f in resampler.resample(frame)
        )

    def feed(self, samples: Samples) -> bytes:
        if samples.size == 0:
            return b""
        head, self._header = self._header, b""
        if self.fmt == "wav":
            return head + _pcm16(samples)
        frame = _frame(samples, self.rate)
        if self._pcm_resampler is not None:
            return self._from_resampler(self._pcm_resampler, frame)
        return self._encode(list(self._resampler.resample(frame)))

    def finish(self) -> bytes:
        head, self._header = self._header, b""
        if self.fmt == "wav":
            return head
        if self._pcm_resampler is not None:
            return self._from_resampler(self._pcm_resampler, None)
        data = self._encode([*self._resampler.resample(None), None])
        self._container.close()
        return data + self._sink.take()
