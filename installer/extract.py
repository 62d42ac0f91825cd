"""Extract a tar.gz or zip into a staging folder, refusing anything that could escape it.

Refused: absolute paths and drive letters, '..' parts, backslashes, device files and FIFOs,
symlinks or hardlinks whose target lies outside the staging folder, members written through a
symlink, and archives that expand beyond a size cap (zip bombs). Permission bits are reduced to
rwx for user/group/other (no setuid, setgid or sticky). Checks happen before each write, and a
final pass re-resolves every link, so a later member can never re-point an earlier link outside.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from installer.errors import UnsafeArchive

DEFAULT_MAX_BYTES = 16 * 1024**3
_CHUNK = 1024 * 1024


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
    def __init__(self, staging: Path, max_bytes: int) -> None:
        staging.mkdir(parents=True, exist_ok=True)
        self.root = staging.resolve()
        self.max_bytes = max_bytes
        self.written = 0
        self.links: list[Path] = []
        self.files: set[str] = set()

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
            if dest.exists():
                dest.unlink()
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
                self.written += len(chunk)
                if self.written > self.max_bytes:
                    raise UnsafeArchive(
                        f"archive expands beyond {self.max_bytes} bytes (at {name!r}); refusing"
                    )
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


def _extract_tar(archive: Path, ex: _Extractor) -> None:
    try:
        tar = tarfile.open(archive, "r:*")  # noqa: SIM115 - closed by the `with` below
    except tarfile.TarError as exc:
        raise UnsafeArchive(f"{archive.name} is neither a zip nor a tar archive: {exc}") from exc
    with tar:
        for member, info in _tar_members(tar):
            data = tar.extractfile(info) if member.kind == "file" else None
            if data is None:
                ex.add(member, None)
                continue
            with data:
                ex.add(member, data)


def safe_extract(archive: Path, staging: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Extract `archive` (.tar.gz/.tgz/.tar or .zip) into `staging`; UnsafeArchive on danger.

    On failure the caller removes `staging`; nothing is ever written outside it.
    """
    ex = _Extractor(staging, max_bytes)
    if zipfile.is_zipfile(archive):
        _extract_zip(archive, ex)
    else:
        _extract_tar(archive, ex)
    ex.finish()
