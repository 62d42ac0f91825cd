"""Multi-stream xz (installer/xz.py): one valid .xz file, decoded on several threads, with the
extraction checks unchanged."""

from __future__ import annotations

import io
import lzma
import os
import tarfile
from pathlib import Path

import pytest

from installer.errors import UnsafeArchive
from installer.extract import safe_extract
from installer.xz import ParallelXzReader, XzStream, XzStreamsWriter, xz_streams


def multi_stream(path: Path, data: bytes, stream_bytes: int, workers: int = 2) -> Path:
    with (
        path.open("wb") as raw,
        XzStreamsWriter(raw, preset=1, workers=workers, stream_bytes=stream_bytes) as xz,
    ):
        for start in range(0, len(data), 777):  # writes that straddle stream boundaries
            xz.write(data[start : start + 777])
    return path


def payload(size: int) -> bytes:
    return (os.urandom(size // 2) + b"voicebox " * (size // 9 + 1))[:size]


def test_streams_are_one_valid_xz_file(tmp_path: Path) -> None:
    data = payload(100_000)
    archive = multi_stream(tmp_path / "a.xz", data, stream_bytes=16_384)
    assert lzma.decompress(archive.read_bytes()) == data  # any xz reader reads it whole
    streams = xz_streams(archive)
    assert len(streams) == 7  # 6 full pieces and the rest
    assert [s.uncompressed for s in streams] == [16_384] * 6 + [100_000 - 6 * 16_384]
    assert streams[0].offset == 0 and sum(s.size for s in streams) == archive.stat().st_size
    for workers in (1, 2, 3):
        reader = io.BufferedReader(ParallelXzReader(archive, streams, workers=workers))
        with reader:
            assert reader.read() == data


def test_an_empty_input_is_one_empty_stream(tmp_path: Path) -> None:
    archive = multi_stream(tmp_path / "a.xz", b"", stream_bytes=1024)
    assert lzma.decompress(archive.read_bytes()) == b""
    assert [s.uncompressed for s in xz_streams(archive)] == [0]


def test_stream_padding_and_single_streams_are_understood(tmp_path: Path) -> None:
    one = lzma.compress(b"hello", format=lzma.FORMAT_XZ)
    padded = tmp_path / "p.xz"
    padded.write_bytes(one + b"\0" * 8 + one)  # xz-utils may pad (our writer never does:
    assert [s.uncompressed for s in xz_streams(padded)] == [5, 5]  # Python's lzma stops there)
    single = tmp_path / "s.xz"
    single.write_bytes(one)
    assert xz_streams(single) == [XzStream(0, len(one), 5)]


@pytest.mark.parametrize(
    "damage",
    ["truncated", "footer", "index", "size-not-multiple-of-4", "not-xz"],
)
def test_malformed_files_are_not_taken_for_streams(tmp_path: Path, damage: str) -> None:
    data = bytearray(multi_stream(tmp_path / "a.xz", payload(50_000), 8192).read_bytes())
    if damage == "truncated":
        data = data[:-16]
    elif damage == "footer":
        data[-1] ^= 0xFF
    elif damage == "index":
        data[-20] ^= 0xFF
    elif damage == "size-not-multiple-of-4":
        data += b"\0"
    else:
        data = bytearray(b"\x1f\x8b" + bytes(62))
    (tmp_path / "b.xz").write_bytes(bytes(data))
    with pytest.raises(ValueError):
        xz_streams(tmp_path / "b.xz")


def test_a_stream_that_decodes_to_another_size_is_an_error(tmp_path: Path) -> None:
    archive = multi_stream(tmp_path / "a.xz", payload(30_000), stream_bytes=10_000)
    streams = xz_streams(archive)
    lying = [*streams[:-1], XzStream(streams[-1].offset, streams[-1].size, 5)]
    with (
        io.BufferedReader(ParallelXzReader(archive, lying, workers=2)) as reader,
        pytest.raises(lzma.LZMAError, match="not the 5 its index says"),
    ):
        reader.read()


def tar_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_parallel_extraction_gives_the_same_tree(tmp_path: Path) -> None:
    members = [(f"app/_internal/f{i}.bin", payload(5_000 + 997 * i)) for i in range(20)]
    archive = multi_stream(tmp_path / "a.tar.xz", tar_bytes(members), stream_bytes=8192)
    assert len(xz_streams(archive)) > 5
    for workers in (1, 4):
        staging = tmp_path / f"staging{workers}"
        safe_extract(archive, staging, fmt="tar.xz", workers=workers)
        for name, data in members:
            assert (staging / name).read_bytes() == data


def test_parallel_extraction_keeps_every_check(tmp_path: Path) -> None:
    hostile = tar_bytes([("app/ok.txt", payload(20_000)), ("app/../../evil.txt", b"x")])
    archive = multi_stream(tmp_path / "a.tar.xz", hostile, stream_bytes=4096)
    assert len(xz_streams(archive)) > 2
    with pytest.raises(UnsafeArchive, match=r"contains '\.\.'"):
        safe_extract(archive, tmp_path / "staging", fmt="tar.xz", workers=2)
    assert not (tmp_path / "evil.txt").exists()
    big = multi_stream(tmp_path / "b.tar.xz", tar_bytes([("big", bytes(50_000))]), 8192)
    with pytest.raises(UnsafeArchive, match="expands beyond"):
        safe_extract(big, tmp_path / "staging2", fmt="tar.xz", workers=2, max_bytes=20_000)
    assert not (tmp_path / "staging2" / "big").exists()  # refused before any byte is written
