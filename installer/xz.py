"""Multi-stream xz: written on several cores by the release, read on several cores on install.

A release archive's tar is cut into XZ_STREAM_BYTES pieces, each compressed as its own xz
stream; the streams are concatenated. That is still one valid .xz file (the format allows
concatenated streams: `xz -d`, `tar xJf`, Python's `lzma.open` read it whole), but since every
stream is independent, `ParallelXzReader` decompresses several at once. liblzma releases the
GIL, so plain threads run in parallel.

`xz_streams(path)` finds the streams from the file's end, the way `xz --list` does: each
stream ends with a footer giving its index size, and the index lists its blocks' sizes. Any
inconsistency is a ValueError, and the caller falls back to reading the file as one stream.
"""

from __future__ import annotations

import io
import lzma
import os
import platform
import struct
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from _typeshed import ReadableBuffer, WriteableBuffer

XZ_STREAM_BYTES = 64 * 1024**2
"""Tar bytes per xz stream: the preset-9 dictionary size, so a piece loses little to the cut."""
MAX_PARALLEL_STREAM = 256 * 1024**2
"""A stream decoded in one piece must not expand beyond this (else: read it sequentially)."""
DECODER_MEMLIMIT = 512 * 1024**2
"""liblzma refuses a stream needing more memory than this (preset 9 needs ~65 MiB)."""

_HEADER_MAGIC = b"\xfd7zXZ\x00"
_FOOTER_MAGIC = b"YZ"


def default_workers() -> int:
    """Threads for xz: up to 4 (a preset-9e compressor takes ~700 MB, a decoder ~130 MB)."""
    return max(1, min(os.cpu_count() or 1, 4))


def xz_filters(preset: int) -> list[dict[str, int]]:
    """LZMA2 at `preset`, behind the x86 branch filter on x86_64 builds (machine code's relative
    call targets become absolute ones, which repeat: a few % smaller; every xz decoder has it)."""
    lzma2 = {"id": lzma.FILTER_LZMA2, "preset": preset}
    if platform.machine().lower() in ("x86_64", "amd64"):
        return [{"id": lzma.FILTER_X86}, lzma2]
    return [lzma2]


class XzStreamsWriter(io.RawIOBase):
    """A write-only file that xz-compresses every `stream_bytes` written as its own stream, on
    `workers` threads, and writes the streams to `raw` in order (at most `workers` pending)."""

    def __init__(
        self, raw: IO[bytes], *, preset: int, workers: int, stream_bytes: int = XZ_STREAM_BYTES
    ) -> None:
        super().__init__()
        self._raw = raw
        self._filters = xz_filters(preset)
        self._stream_bytes = stream_bytes
        self._buffer = bytearray()
        self._workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="xz")
        self._pending: deque[Future[bytes]] = deque()
        self._streams = 0

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data)
        self._buffer += view
        while len(self._buffer) >= self._stream_bytes:
            self._submit(bytes(self._buffer[: self._stream_bytes]))
            del self._buffer[: self._stream_bytes]
        return view.nbytes

    def _submit(self, piece: bytes) -> None:
        self._pending.append(
            self._pool.submit(
                lzma.compress,
                piece,
                format=lzma.FORMAT_XZ,
                check=lzma.CHECK_CRC64,
                filters=self._filters,
            )
        )
        self._streams += 1
        while len(self._pending) > self._workers:
            self._raw.write(self._pending.popleft().result())

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._buffer or not self._streams:
                self._submit(bytes(self._buffer))
                self._buffer.clear()
            while self._pending:
                self._raw.write(self._pending.popleft().result())
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            super().close()


@dataclass(frozen=True)
class XzStream:
    offset: int
    size: int
    uncompressed: int


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """An xz multibyte integer at `pos`: (value, next position)."""
    value = 0
    for i in range(9):
        if pos >= len(data):
            raise ValueError("truncated xz index")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, pos
    raise ValueError("xz index integer too long")


def _parse_index(index: bytes) -> tuple[int, int]:
    """(total padded block bytes, total uncompressed bytes) of one stream's index."""
    if len(index) < 8 or index[0] != 0 or zlib.crc32(index[:-4]) != _u32(index, len(index) - 4):
        raise ValueError("bad xz index")
    count, pos = _varint(index, 1)
    blocks = uncompressed = 0
    for _ in range(count):
        unpadded, pos = _varint(index, pos)
        size, pos = _varint(index, pos)
        blocks += (unpadded + 3) & ~3
        uncompressed += size
    if index[pos:-4].strip(b"\0") or (len(index) - 4) % 4:
        raise ValueError("bad xz index padding")
    return blocks, uncompressed


def _u32(data: bytes, pos: int) -> int:
    return int(struct.unpack_from("<I", data, pos)[0])


def xz_streams(path: Path) -> list[XzStream]:
    """The streams of an .xz file, first to last; ValueError if it is not well-formed."""
    streams: list[XzStream] = []
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        if end % 4:
            raise ValueError("an xz file's size is a multiple of 4")
        while end > 0:
            f.seek(end - 4)
            if f.read(4) == b"\0\0\0\0":  # stream padding
                end -= 4
                continue
            if end < 24:
                raise ValueError("truncated xz stream")
            f.seek(end - 12)
            footer = f.read(12)
            if footer[10:] != _FOOTER_MAGIC or zlib.crc32(footer[4:10]) != _u32(footer, 0):
                raise ValueError("bad xz stream footer")
            index_size = (_u32(footer, 4) + 1) * 4
            index_at = end - 12 - index_size
            if index_at < 12:
                raise ValueError("bad xz index size")
            f.seek(index_at)
            blocks, uncompressed = _parse_index(f.read(index_size))
            start = index_at - blocks - 12
            if start < 0:
                raise ValueError("bad xz block sizes")
            f.seek(start)
            header = f.read(12)
            if header[:6] != _HEADER_MAGIC or header[6:8] != footer[8:10]:
                raise ValueError("xz stream header does not match its footer")
            streams.append(XzStream(start, end - start, uncompressed))
            end = start
    streams.reverse()
    return streams


def _decode(path: Path, stream: XzStream) -> bytes:
    with path.open("rb") as f:
        f.seek(stream.offset)
        data = f.read(stream.size)
    decoder = lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=DECODER_MEMLIMIT)
    out = decoder.decompress(data, max_length=stream.uncompressed + 1)
    if not decoder.eof or decoder.unused_data or len(out) != stream.uncompressed:
        raise lzma.LZMAError(
            f"xz stream at byte {stream.offset} decodes to {len(out)} bytes, not the "
            f"{stream.uncompressed} its index says"
        )
    return out


class ParallelXzReader(io.RawIOBase):
    """The decompressed bytes of `streams`, in order, decoded `workers` streams ahead."""

    def __init__(self, path: Path, streams: list[XzStream], *, workers: int) -> None:
        super().__init__()
        self._path = path
        self._todo = deque(streams)
        self._workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="unxz")
        self._pending: deque[Future[bytes]] = deque()
        self._current = memoryview(b"")
        self._fill()

    def _fill(self) -> None:
        while self._todo and len(self._pending) < self._workers:
            self._pending.append(self._pool.submit(_decode, self._path, self._todo.popleft()))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        while not self._current:
            if not self._pending:
                return 0
            self._current = memoryview(self._pending.popleft().result())
            self._fill()
        n = min(len(target), len(self._current))
        target[:n] = self._current[:n]
        self._current = self._current[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._current = memoryview(b"")
            self._pending.clear()
        super().close()
