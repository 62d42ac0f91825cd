"""Hostile archives are refused and write nothing outside the staging folder."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from installer.errors import UnsafeArchive
from installer.extract import safe_extract, sniff_format

TAR_SUFFIXES = ("tar.gz", "tar.xz")


def tar_of(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    """A tar.gz or tar.xz (as the name says) holding `members`."""
    xz = path.name.endswith(".xz")
    with tarfile.open(path, "w:xz") if xz else tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def reg(name: str, data: bytes = b"hello", mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.mode = mode
    return info, data


def special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info, None


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A folder holding the staging folder; anything appearing beside it is an escape."""
    (tmp_path / "box").mkdir()
    return tmp_path / "box"


def outside_files(box: Path) -> list[str]:
    ours = ("staging", "a.zip", *(f"a.{suffix}" for suffix in TAR_SUFFIXES))
    return sorted(p.name for p in box.iterdir() if p.name not in ours)


HOSTILE_TARS: dict[str, list[tuple[tarfile.TarInfo, bytes | None]]] = {
    "dotdot": [reg("pkg/ok.txt"), reg("pkg/../../evil.txt")],
    "absolute": [reg("/tmp/voicebox-evil.txt")],
    "backslash": [reg("..\\evil.txt")],
    "symlink-absolute": [special("pkg/link", tarfile.SYMTYPE, "/etc/passwd")],
    "symlink-dotdot": [special("pkg/link", tarfile.SYMTYPE, "../../evil")],
    "link-to-sibling": [special("pkg/link", tarfile.SYMTYPE, "../../box/evil")],
    "link-chain-escape": [
        # 'a' looks inside when made ('b' does not exist yet) but 'b' -> '.' later turns
        # 'b/../x' into '<staging>/../x'.
        special("a", tarfile.SYMTYPE, "b/../x"),
        special("b", tarfile.SYMTYPE, "."),
        special("c", tarfile.DIRTYPE),
        reg("a/evil.txt"),  # would land in <staging>/../x/evil.txt
    ],
    "link-chain-escape-at-the-end": [
        special("a", tarfile.SYMTYPE, "b/../x"),
        special("b", tarfile.SYMTYPE, "."),
    ],
    "hardlink-outside": [special("pkg/hl", tarfile.LNKTYPE, "../../etc/passwd")],
    "hardlink-absolute": [special("pkg/hl", tarfile.LNKTYPE, "/etc/passwd")],
    "hardlink-unknown": [special("pkg/hl", tarfile.LNKTYPE, "pkg/nothing")],
    "char-device": [special("pkg/null", tarfile.CHRTYPE)],
    "block-device": [special("pkg/sda", tarfile.BLKTYPE)],
    "fifo": [special("pkg/fifo", tarfile.FIFOTYPE)],
    "overwrite-link": [special("pkg/f", tarfile.SYMTYPE, "g"), reg("pkg/f")],
}


@pytest.mark.parametrize("suffix", TAR_SUFFIXES)
@pytest.mark.parametrize("case", sorted(HOSTILE_TARS))
def test_hostile_tar_is_refused(box: Path, case: str, suffix: str) -> None:
    archive = tar_of(box / f"a.{suffix}", HOSTILE_TARS[case])
    with pytest.raises(UnsafeArchive) as err:
        safe_extract(archive, box / "staging")
    print(case, "->", err.value)
    assert outside_files(box) == []
    assert not Path("/tmp/voicebox-evil.txt").exists()


def zip_of(path: Path, build: Callable[[zipfile.ZipFile], None]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        build(zf)
    return path


def zip_link(zf: zipfile.ZipFile, name: str, target: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, target)


def zip_device(zf: zipfile.ZipFile, name: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFCHR | 0o666) << 16
    zf.writestr(info, b"")


HOSTILE_ZIPS: dict[str, Callable[[zipfile.ZipFile], None]] = {
    "dotdot": lambda zf: zf.writestr("pkg/../../evil.txt", b"x"),
    "absolute": lambda zf: zf.writestr("/tmp/voicebox-evil.txt", b"x"),
    "drive": lambda zf: zf.writestr("C:/evil.txt", b"x"),
    "symlink-out": lambda zf: zip_link(zf, "pkg/link", "../../../etc"),
    "symlink-absolute": lambda zf: zip_link(zf, "pkg/link", "/etc"),
    "device": lambda zf: zip_device(zf, "pkg/dev"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ZIPS))
def test_hostile_zip_is_refused(box: Path, case: str) -> None:
    archive = zip_of(box / "a.zip", HOSTILE_ZIPS[case])
    with pytest.raises(UnsafeArchive):
        safe_extract(archive, box / "staging")
    assert outside_files(box) == []


@pytest.mark.parametrize("suffix", TAR_SUFFIXES)
def test_good_tar_with_internal_links_extracts(box: Path, suffix: str) -> None:
    archive = tar_of(
        box / f"a.{suffix}",
        [
            reg("app/app", b"#!/bin/sh\n", mode=0o4755),  # setuid is dropped
            reg("app/_internal/lib.so.1", b"ELF"),
            special("app/_internal/lib.so", tarfile.SYMTYPE, "lib.so.1"),
            special("app/_internal/pkg/libs", tarfile.SYMTYPE, ".."),
            special("app/copy.so", tarfile.LNKTYPE, "app/_internal/lib.so.1"),
            special("app/empty", tarfile.DIRTYPE),
        ],
    )
    staging = box / "staging"
    safe_extract(archive, staging, fmt=suffix)
    assert (staging / "app/_internal/lib.so").read_bytes() == b"ELF"
    assert (staging / "app/_internal/pkg/libs/lib.so.1").read_bytes() == b"ELF"
    assert (staging / "app/copy.so").read_bytes() == b"ELF"
    assert not (staging / "app/copy.so").is_symlink()
    mode = (staging / "app/app").stat().st_mode
    assert mode & 0o111 and not mode & stat.S_ISUID
    assert (staging / "app/empty").is_dir()


def test_good_zip_extracts_with_exec_bits(box: Path) -> None:
    def build(zf: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("app/app")
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        zf.writestr(info, b"#!/bin/sh\n")
        zf.writestr("app/data.txt", b"data")
        zip_link(zf, "app/data-link.txt", "data.txt")

    staging = box / "staging"
    safe_extract(zip_of(box / "a.zip", build), staging)
    assert os.access(staging / "app/app", os.X_OK)
    assert (staging / "app/data-link.txt").read_bytes() == b"data"


def test_expansion_beyond_the_cap_is_refused(box: Path) -> None:
    archive = tar_of(box / "a.tar.gz", [reg("big.bin", b"\0" * 2_000_000)])
    with pytest.raises(UnsafeArchive, match="expands beyond"):
        safe_extract(archive, box / "staging", max_bytes=1_000_000)


def test_garbage_is_not_an_archive(box: Path) -> None:
    (box / "a.tar.gz").write_bytes(b"not an archive at all")
    with pytest.raises(UnsafeArchive, match="neither a zip nor a tar"):
        safe_extract(box / "a.tar.gz", box / "staging")


@pytest.mark.parametrize("suffix", TAR_SUFFIXES)
def test_format_is_told_by_content_and_a_mismatch_is_refused(box: Path, suffix: str) -> None:
    archive = tar_of(box / f"a.{suffix}", [reg("app/data.txt", b"data")])
    assert sniff_format(archive) == suffix
    safe_extract(archive, box / "staging")  # no format named: detected
    assert (box / "staging/app/data.txt").read_bytes() == b"data"
    other = next(s for s in (*TAR_SUFFIXES, "zip") if s != suffix)
    with pytest.raises(UnsafeArchive, match=f"should be a {other} archive but its content is"):
        safe_extract(archive, box / "staging2", fmt=other)
    assert not (box / "staging2").exists()


@pytest.mark.parametrize("suffix", TAR_SUFFIXES)
def test_truncated_compressed_tar_is_refused_with_a_message(box: Path, suffix: str) -> None:
    # (The sha256 check before extraction catches any damage; this is the message if not.)
    payload = os.urandom(300_000)  # incompressible: the cut lands inside the member data
    archive = tar_of(box / f"a.{suffix}", [reg("app/big.bin", payload), reg("app/z.txt")])
    archive.write_bytes(archive.read_bytes()[:150_000])
    with pytest.raises(UnsafeArchive, match=r"damaged.*download it again"):
        safe_extract(archive, box / "staging", fmt=suffix)
    assert outside_files(box) == []


@pytest.mark.parametrize("suffix", TAR_SUFFIXES)
@pytest.mark.parametrize(
    "members",
    [
        [reg("app/app", b"#!/bin/sh\necho good\n", 0o755), reg("app/app", b"#!/bin/sh\nevil\n")],
        [reg("app/data"), special("app/data", tarfile.DIRTYPE)],
        [reg("app/lib.so.1", b"ELF"), special("app/lib.so.1", tarfile.LNKTYPE, "app/lib.so.1")],
    ],
    ids=["file-twice", "file-then-folder", "file-then-hardlink"],
)
def test_a_member_appearing_twice_is_refused(
    box: Path, suffix: str, members: list[tuple[tarfile.TarInfo, bytes | None]]
) -> None:
    archive = tar_of(box / f"a.{suffix}", members)
    with pytest.raises(UnsafeArchive, match="appears twice"):
        safe_extract(archive, box / "staging", fmt=suffix)


def test_a_zip_member_appearing_twice_is_refused(box: Path) -> None:
    def build(zf: zipfile.ZipFile) -> None:
        zf.writestr("app/app", b"#!/bin/sh\necho good\n")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("app/app", b"#!/bin/sh\nevil\n")

    with pytest.raises(UnsafeArchive, match="'app/app' appears twice"):
        safe_extract(zip_of(box / "a.zip", build), box / "staging", fmt="zip")


def test_a_folder_listed_twice_is_fine(box: Path) -> None:
    dirs = [special("app", tarfile.DIRTYPE), special("app", tarfile.DIRTYPE), reg("app/x")]
    safe_extract(tar_of(box / "a.tar.gz", dirs), box / "staging")
    assert (box / "staging/app/x").read_bytes() == b"hello"


def test_extraction_stops_past_the_declared_unpacked_size(box: Path) -> None:
    members = [reg("app/big.bin", b"\0" * 2_000_000), reg("app/small.txt", b"x" * 10)]
    archive = tar_of(box / "a.tar.xz", members)
    safe_extract(archive, box / "exact", unpacked_size=2_000_010)  # what it really holds
    with pytest.raises(UnsafeArchive, match="release index declares") as err:
        safe_extract(archive, box / "staging", unpacked_size=1_000_000)
    assert "beyond 1000000 bytes" in str(err.value)
    # The absolute ceiling holds whatever the index declares.
    with pytest.raises(UnsafeArchive, match="installer's ceiling"):
        safe_extract(archive, box / "s2", unpacked_size=10**12, max_bytes=1_000_000)


def test_hard_link_copies_count_towards_the_cap(box: Path) -> None:
    members = [reg("a/big", b"\0" * 600_000)]
    members += [special(f"a/copy{i}", tarfile.LNKTYPE, "a/big") for i in range(3)]
    archive = tar_of(box / "a.tar.gz", members)
    with pytest.raises(UnsafeArchive, match="expands beyond 1000000 bytes"):
        safe_extract(archive, box / "staging", unpacked_size=1_000_000)


@pytest.mark.parametrize("fmt", [*TAR_SUFFIXES, "zip"])
@pytest.mark.parametrize("cut", [8, 40, 300])
def test_an_archive_cut_inside_its_first_header_is_damaged(box: Path, fmt: str, cut: int) -> None:
    if fmt == "zip":
        archive = zip_of(box / "a.zip", lambda zf: zf.writestr("app/app", b"x" * 1000))
    else:
        archive = tar_of(box / f"a.{fmt}", [reg("app/app", os.urandom(1000))])
    archive.write_bytes(archive.read_bytes()[:cut])
    with pytest.raises(UnsafeArchive, match=r"is damaged .*; download it again") as err:
        safe_extract(archive, box / "staging", fmt=fmt)
    assert "neither" not in str(err.value)
