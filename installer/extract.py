"""Extract a tar.xz, tar.gz or zip into a staging folder, refusing anything that could escape it.

The format is told by the file's first bytes (the installer's download has no extension); when
the release index names one, an archive whose content says otherwise is refused. A damaged
compressed stream (truncated, corrupt) is refused with a message, never a bare library error.
A tar.xz made of several xz streams (as installer.release writes them) is decompressed on
several threads (installer/xz.py); the members still go through the same checks, in order.

Refused: absolute paths and drive letters, '..' parts, backslashes, device files and FIFOs,
symlinks or hardlinks whose target lies outside the staging folder, members written through a
symlink, two members of the same name (a later one would replace an earlier file, e.g. the
entrypoint, after it was checked), and archives that expand beyond a size cap (zip bombs):
the unpacked size the release index declares, within an absolute ceiling. Permission bits are
reduced to rwx for user/group/other (no setuid, setgid or sticky). Checks happen before each
write, and a final pass re-resolves every link, so a later member can never re-point an earlier
link outside.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from installer.errors import UnsafeArchive
from installer.xz import MAX_PARALLEL_STREAM, ParallelXzReader, default_workers, xz_streams

DEFAULT_MAX_BYTES = 16 * 1024**3
"""The absolute ceiling on the bytes an archive may unpack to (indexes without
`unpacked_size` get only this one)."""
_CHUNK = 1024 * 1024

_MAGIC = {
    "tar.xz": b"\xfd7zXZ\x00",
    "tar.gz": b"\x1f\x8b",
    "zip": b"PK\x03\x04",
}
_DAMAGED = (
    tarfile.TarError,
    zipfile.BadZipFile,
    lzma.LZMAError,
    zlib.error,
    gzip.BadGzipFile,
    EOFError,
)
"""What a corrupt or truncated archive raises while it is read."""


def sniff_format(archive: Path) -> str | None:
    """The format the file's first bytes say: "tar.xz", "tar.gz", "zip", or None."""
    with archive.open("rb") as f:
        head = f.read(8)
    for fmt, magic in _MAGIC.items():
        if head.startswith(magic):
            return fmt
    return None


@dataclass
class Member:
    """An archive entry, normalised across tar and zip."""

    name: str
    kind: str  # "file" | "dir" | "symlink" | "hardlink"
    mode: int
    size: int
    link: str = ""


def _clean_name(name: str) -> str:
    """The member name as a safe relative POSIX path, or UnsafeArchive."""
    raw = name
    if "\\" in name or "\x00" in name:
        raise UnsafeArchive(f"archive member {raw!r} has a backslash or NUL in its name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"archive member {raw!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafeArchive(f"archive member {raw!r} contains '..'")
    if not parts:
        return ""
    return "/".join(parts)


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def _tar_members(tar: tarfile.TarFile) -> Iterator[tuple[Member, tarfile.TarInfo]]:
    for info in tar:
        if info.isreg():
            kind = "file"
        elif info.isdir():
            kind = "dir"
        elif info.issym():
            kind = "symlink"
        elif info.islnk():
            kind = "hardlink"
        else:
            raise UnsafeArchive(
                f"archive member {info.name!r} is a device file, FIFO or other special file"
            )
        yield Member(info.name, kind, info.mode, info.size, info.linkname), info


def _zip_kind(info: zipfile.ZipInfo) -> tuple[str, int]:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir", mode or 0o755
    if mode and stat.S_ISLNK(mode):
        return "symlink", mode
    if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
        raise UnsafeArchive(f"archive member {info.filename!r} is a device file or special file")
    return "file", mode or 0o644


class _Extractor:
    def __init__(self, staging: Path, ceiling: int, declared: int | None) -> None:
        staging.mkdir(parents=True, exist_ok=True)
        self.root = staging.resolve()
        self.ceiling = ceiling
        if declared is not None and declared < ceiling:
            self.max_bytes, self.cap = declared, "the unpacked size the release index declares"
        else:
            self.max_bytes, self.cap = ceiling, "the installer's ceiling"
        self.written = 0
        self.links: list[Path] = []
        self.files: set[str] = set()
        self.names: set[str] = set()  # every member but folders (which may repeat)
        self.dirs: set[str] = set()

    def count(self, name: str, size: int) -> None:
        self.written += size
        if self.written > self.max_bytes:
            raise UnsafeArchive(
                f"archive expands beyond {self.max_bytes} bytes ({self.cap}) at {name!r}; "
                "refusing it"
            )

    def claim(self, name: str, kind: str) -> None:
        """Refuse a second member of the same name (a folder may be listed twice)."""
        if kind == "dir":
            if name in self.names:
                raise UnsafeArchive(f"archive member {name!r} appears twice (file and folder)")
            self.dirs.add(name)
            return
        if name in self.names or name in self.dirs:
            raise UnsafeArchive(
                f"archive member {name!r} appears twice; a later copy would replace the "
                "first after it was checked, so the archive is refused"
            )
        self.names.add(name)

    def target(self, name: str) -> Path:
        """The on-disk path for a member; its parent must resolve inside the root."""
        dest = self.root / name
        parent = dest.parent
        for _ in range(2):  # before creating folders, and again after
            if not _inside(self.root, parent.resolve()):
                raise UnsafeArchive(f"archive member {name!r} would be written through a link")
            parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink():
            raise UnsafeArchive(f"archive member {name!r} would overwrite a link")
        return dest

    def add(self, member: Member, open_data: IO[bytes] | None) -> None:
        name = _clean_name(member.name)
        if not name:
            return
        self.claim(name, member.kind)
        if member.kind == "dir":
            dest = self.target(name)
            dest.mkdir(exist_ok=True)
            return
        dest = self.target(name)
        if member.kind == "symlink":
            self.symlink(name, dest, member.link)
        elif member.kind == "hardlink":
            try:
                source = _clean_name(member.link)
            except UnsafeArchive as exc:
                raise UnsafeArchive(
                    f"archive hard link {name!r} -> {member.link!r}: {exc}"
                ) from exc
            if source not in self.files:
                raise UnsafeArchive(
                    f"archive member {name!r} hard-links to {member.link!r}, which is not a "
                    "regular file earlier in the archive"
                )
            self.count(name, (self.root / source).stat().st_size)
            shutil.copy2(self.root / source, dest)  # a copy: no shared inode to tamper with
            self.files.add(name)
        else:
            assert open_data is not None
            self.write_file(name, dest, open_data, member.mode)

    def symlink(self, name: str, dest: Path, link: str) -> None:
        if not link or link.startswith("/") or "\\" in link or (len(link) > 1 and link[1] == ":"):
            raise UnsafeArchive(f"archive link {name!r} -> {link!r} has an absolute target")
        resolved = Path(os.path.normpath(dest.parent / link))
        if not _inside(self.root, resolved) or not _inside(self.root, resolved.resolve()):
            raise UnsafeArchive(f"archive link {name!r} -> {link!r} points outside the folder")
        if dest.exists() or dest.is_symlink():
            raise UnsafeArchive(f"archive member {name!r} appears twice")
        os.symlink(link, dest)
        self.links.append(dest)

    def write_file(self, name: str, dest: Path, data: IO[bytes], mode: int) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(dest, flags, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := data.read(_CHUNK):
                self.count(name, len(chunk))
                out.write(chunk)
        os.chmod(dest, (mode & 0o777) | 0o600 if mode else 0o644)
        self.files.add(name)

    def finish(self) -> None:
        """Re-check every link now that all members exist (chains can change resolution)."""
        for link in self.links:
            if not _inside(self.root, link.resolve()):
                raise UnsafeArchive(
                    f"archive link {link.relative_to(self.root)} resolves outside the folder"
                )


def _extract_zip(archive: Path, ex: _Extractor) -> None:
    try:
        _read_zip(archive, ex)
    except _DAMAGED as exc:
        raise UnsafeArchive(_damaged(archive, exc)) from exc


def _damaged(archive: Path, exc: BaseException) -> str:
    return f"{archive.name} is damaged ({type(exc).__name__}: {exc}); download it again"


def _read_zip(archive: Path, ex: _Extractor) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            kind, mode = _zip_kind(info)
            link = zf.read(info).decode("utf-8", "strict") if kind == "symlink" else ""
            member = Member(info.filename, kind, mode, info.file_size, link)
            if kind == "file":
                with zf.open(info) as data:
                    ex.add(member, data)
            else:
                ex.add(member, None)


def _parallel_xz(archive: Path, ex: _Extractor, workers: int) -> io.BufferedReader | None:
    """A reader decoding the archive's xz streams on several threads, when it has several
    small enough to decode whole; None to read it as one stream."""
    if workers < 2:
        return None
    try:
        streams = xz_streams(archive)
    except (OSError, ValueError):
        return None  # not multi-stream as we write it: liblzma reads it (and judges it)
    if len(streams) < 2 or any(s.uncompressed > MAX_PARALLEL_STREAM for s in streams):
        return None
    total = sum(s.uncompressed for s in streams)
    if total > ex.ceiling:  # the tar stream (headers too), so against the ceiling only
        raise UnsafeArchive(f"archive expands beyond {ex.ceiling} bytes ({total}); refusing")
    reader = ParallelXzReader(archive, streams, workers=workers)
    return io.BufferedReader(reader, buffer_size=_CHUNK)


def _open_tar(archive: Path, ex: _Extractor, fmt: str | None, workers: int) -> tarfile.TarFile:
    """A stream-mode tar reader: members in order, read once, never seeking back in the
    decompressed data. lzma/gzip file objects read concatenated streams and members (tarfile's
    own "r|xz" stops after the first xz stream)."""
    stream: io.BufferedIOBase | None = None
    if fmt == "tar.xz":
        stream = _parallel_xz(archive, ex, workers) or lzma.open(archive)  # noqa: SIM115
    elif fmt == "tar.gz":
        stream = gzip.open(archive)  # noqa: SIM115 - closed with the tar (_extract_tar)
    if stream is None:  # plain tar, bzip2, or not a tar at all: tarfile finds out
        return tarfile.open(archive, "r|*")
    try:
        return tarfile.open(fileobj=stream, mode="r|")
    except BaseException:
        stream.close()
        raise


def _extract_tar(archive: Path, ex: _Extractor, fmt: str | None, workers: int) -> None:
    try:
        tar = _open_tar(archive, ex, fmt, workers)
    except _DAMAGED as exc:
        if fmt is not None:  # its first bytes say tar.xz/tar.gz: cut or corrupt early on
            raise UnsafeArchive(_damaged(archive, exc)) from exc
        raise UnsafeArchive(
            f"{archive.name} is neither a zip nor a tar archive ({exc}); if it was downloaded, "
            "it is damaged: download it again"
        ) from exc
    try:
        with tar:
            for member, info in _tar_members(tar):
                data = tar.extractfile(info) if member.kind == "file" else None
                if data is None:
                    ex.add(member, None)
                    continue
                with data:
                    ex.add(member, data)
    except _DAMAGED as exc:
        raise UnsafeArchive(_damaged(archive, exc)) from exc
    finally:
        if tar.fileobj is not None:
            tar.fileobj.close()  # tarfile leaves a file object it was given open


def safe_extract(
    archive: Path,
    staging: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    unpacked_size: int | None = None,
    fmt: str | None = None,
    workers: int | None = None,
) -> None:
    """Extract `archive` (tar.xz, tar.gz, tar or zip) into `staging`; UnsafeArchive on danger.

    `fmt` ("tar.xz", "tar.gz" or "zip", as the release index records it) is checked against
    the file's content; None accepts any of them. Extraction stops past `unpacked_size` (the
    bytes of the archive's files, as the release index declares them) and past `max_bytes`
    (the absolute ceiling) whatever is declared. `workers`: threads decompressing a
    multi-stream tar.xz (default: up to 4; 1 reads it as one stream). On failure the caller
    removes `staging`; nothing is ever written outside it.
    """
    found = sniff_format(archive)
    if fmt is not None and found != fmt:
        raise UnsafeArchive(
            f"{archive.name} should be a {fmt} archive but its content is "
            f"{found or 'neither tar.xz, tar.gz nor zip'}; refusing it"
        )
    ex = _Extractor(staging, max_bytes, unpacked_size)
    if found == "zip" or (found is None and zipfile.is_zipfile(archive)):
        _extract_zip(archive, ex)
    else:
        _extract_tar(archive, ex, found, default_workers() if workers is None else workers)
    ex.finish()
