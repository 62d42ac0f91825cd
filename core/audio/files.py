"""Audio files beside the database. Paths are built only from integer ids and fixed
extensions (never a user string), stored relative to the data dir, and every write goes to a
temporary name first and is renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ALLOWED_EXTENSIONS = frozenset({"wav", "flac", "ogg", "mp3", "m4a", "webm", "aac", "aiff", "bin"})


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def sample_paths(self, profile_id: int, sample_id: int, original_ext: str) -> tuple[str, str]:
        ext = original_ext if original_ext in ALLOWED_EXTENSIONS else "bin"
        base = f"audio/profiles/{int(profile_id)}/samples/{int(sample_id)}"
        return f"{base}.wav", f"{base}.original.{ext}"

    def generation_paths(self, generation_id: int, version: int) -> tuple[str, str]:
        base = f"audio/generations/{int(generation_id)}/v{int(version)}"
        return f"{base}.wav", f"{base}.raw.wav"

    def resolve(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"path {relative!r} escapes the data dir")
        return path

    def write(self, relative: str, data: bytes) -> str:
        """Write atomically (temp file in the same folder, fsync, rename)."""
        final = self.resolve(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return relative

    def read(self, relative: str) -> bytes:
        return self.existing(relative).read_bytes()

    def existing(self, relative: str) -> Path:
        """The file's path; NotFoundError (404) when it was removed behind the app's back."""
        from core.errors import NotFoundError

        path = self.resolve(relative)
        if not path.is_file():
            raise NotFoundError(f"the audio file {relative} is missing from the data folder")
        return path

    def delete(self, *relatives: str | None) -> None:
        for relative in relatives:
            if relative:
                self.resolve(relative).unlink(missing_ok=True)

    def delete_tree(self, relative_dir: str) -> None:
        folder = self.resolve(relative_dir)
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        folder.rmdir()

    def sweep_temp(self) -> int:
        """Remove temp files a crash left behind; returns how many."""
        count = 0
        audio = self.root / "audio"
        if audio.is_dir():
            for path in audio.rglob(".tmp-*"):
                path.unlink(missing_ok=True)
                count += 1
        return count
