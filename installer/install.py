"""Install, update and uninstall providers in an install root (the core passes <data>/providers).

Layout of the root::

    <id>/                            the installed provider (archive + .voicebox-install.json)
    .work/<id>.lock                  one install per provider at a time
    .work/<id>/downloads/            <version>@<sha>.archive[.partial]  (resumable downloads)
    .work/<id>/staging/              extraction of an install in progress
    .work/<id>/backup/               the previous version while a swap is in progress

Everything under `.work/<id>` is created and removed only while holding `<id>.lock`, so installs
of different providers never step on each other.

Pipeline (docs/installer.md): lock -> spec pre-check -> download (Range resume, mirrors,
sha256) -> safe extraction into staging -> `--version --json` validation -> swap (old -> backup,
staging -> final) -> the same validation at the final place -> drop the backup. Any failure
before the swap leaves the installed version untouched; a failure during or after the swap
restores the backup. Leftovers of a crashed run are swept when an Installer is created.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from installer.compat import ACCEPTED_SPEC, Compatibility, check_spec
from installer.download import RETRIES_PER_MIRROR, Progress, ProgressCallback, download
from installer.errors import (
    IncompatibleProvider,
    InstallerError,
    InstallInProgress,
    NotInstalled,
    UnsafeName,
    ValidationFailed,
)
from installer.extract import DEFAULT_MAX_BYTES, safe_extract
from installer.index import PROVIDER_ID_RE, ProviderEntry, check_provider_id
from installer.lock import provider_lock
from installer.validate import (
    VALIDATE_TIMEOUT,
    VersionInfo,
    check_version_info,
    entrypoint_path,
    run_version,
)

if TYPE_CHECKING:
    import httpx

MANIFEST = ".voicebox-install.json"
PARTIAL_MAX_AGE_S = 3 * 24 * 3600


@dataclass(frozen=True)
class InstalledProvider:
    id: str
    version: str
    spec_version: str
    path: Path
    entrypoint: Path
    sha256: str
    engines: tuple[str, ...]

    def compatibility(self, accepted: SpecifierSet = ACCEPTED_SPEC) -> Compatibility:
        """Whether the core may start this provider; the reason says what to do if not."""
        return check_spec(self.spec_version, accepted)


def _rmtree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


class Installer:
    """All provider installs under one root folder. Safe to share between threads."""

    def __init__(
        self,
        root: Path,
        *,
        accepted: SpecifierSet = ACCEPTED_SPEC,
        client: httpx.Client | None = None,
        validate_timeout: float = VALIDATE_TIMEOUT,
        max_extract_bytes: int = DEFAULT_MAX_BYTES,
        retries: int = RETRIES_PER_MIRROR,
        sweep: bool = True,
    ) -> None:
        self.root = root
        self.accepted = accepted
        self.client = client
        self.validate_timeout = validate_timeout
        self.max_extract_bytes = max_extract_bytes
        self.retries = retries
        self.work = root / ".work"
        root.mkdir(parents=True, exist_ok=True)
        if sweep:
            self.sweep()

    # ------------------------------------------------------------------ queries

    def installed(self, provider_id: str) -> InstalledProvider | None:
        """The installed provider, or None (also when its manifest is unreadable)."""
        folder = self.root / check_provider_id(provider_id)
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            return InstalledProvider(
                id=provider_id,
                version=str(Version(data["version"])),
                spec_version=str(data["spec_version"]),
                path=folder,
                entrypoint=entrypoint_path(folder, data["entrypoint"]),
                sha256=str(data["sha256"]),
                engines=tuple(data.get("engines", [])),
            )
        except (OSError, ValueError, KeyError, TypeError, UnsafeName):
            return None

    def list_installed(self) -> list[InstalledProvider]:
        found = []
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and PROVIDER_ID_RE.fullmatch(child.name):
                inst = self.installed(child.name)
                if inst is not None:
                    found.append(inst)
        return found

    # ------------------------------------------------------------------ install

    def install(
        self,
        entry: ProviderEntry,
        progress: ProgressCallback | None = None,
        *,
        before_swap: Callable[[], None] | None = None,
    ) -> InstalledProvider:
        """Install or update `entry`; returns the installed provider. Raises InstallerError.

        Blocking (run it in a worker thread). `before_swap` is called in this thread once the
        new version is downloaded, extracted and validated, right before it replaces the old
        one: the place to stop a running provider, so it keeps serving during the download.
        If it raises, nothing is swapped and the exception propagates.
        """
        compat = check_spec(entry.spec_version, self.accepted)
        if not compat.ok:
            raise IncompatibleProvider(f"{entry.id} {entry.version}: {compat.reason}")
        pid = entry.id
        try:
            self._install_locked(entry, progress, before_swap)
        except OSError as exc:  # disk full, permissions, a locked file (Windows): say so
            raise InstallerError(
                f"installing {pid} {entry.version} failed: {exc.strerror or exc} "
                f"({exc.filename or self.root}); the previous version, if any, is unchanged"
            ) from exc
        result = self.installed(pid)
        if result is None:  # pragma: no cover - the manifest was just written
            raise InstallerError(f"{pid} was installed but its manifest cannot be read")
        return result

    def _install_locked(
        self,
        entry: ProviderEntry,
        progress: ProgressCallback | None,
        before_swap: Callable[[], None] | None,
    ) -> None:
        pid = entry.id
        with provider_lock(self.work, pid, "install"):
            work = self.work / pid
            archive = (
                work
                / "downloads"
                / (f"{entry.parsed_version}@{(entry.sha256 or 'nosha')[:16]}.archive")
            )
            download(
                entry.urls,
                archive,
                sha256=entry.sha256,
                size=entry.size,
                progress=progress,
                client=self.client,
                retries=self.retries,
            )
            staging = work / "staging"
            try:
                _rmtree(staging)
                _report(progress, "extracting", entry.size)
                safe_extract(
                    archive,
                    staging,
                    max_bytes=self.max_extract_bytes,
                    unpacked_size=entry.unpacked_size,
                    fmt=entry.format,
                )
                _report(progress, "validating", entry.size)
                info = self._validate(staging, entry)
                manifest = {
                    "id": pid,
                    "version": entry.version,
                    "spec_version": entry.spec_version,
                    "entrypoint": entry.entrypoint,
                    "sha256": entry.sha256,
                    "size": entry.size,
                    "url": entry.url,
                    "engines": list(info.engines),
                    "installed_at": time.time(),
                }
                (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
                if before_swap is not None:
                    before_swap()
                _report(progress, "swapping", entry.size)
                self._swap(staging, work / "backup", entry)
            finally:
                _rmtree(staging)
                archive.unlink(missing_ok=True)
                _prune(work / "downloads", work)
            _report(progress, "done", entry.size)

    def _validate(self, folder: Path, entry: ProviderEntry) -> VersionInfo:
        exe = entrypoint_path(folder, entry.entrypoint)
        info = run_version(exe, timeout=self.validate_timeout)
        check_version_info(
            info,
            provider_id=entry.id,
            version=entry.version,
            spec_version=entry.spec_version,
            accepted=self.accepted,
        )
        return info

    def _swap(self, staging: Path, backup: Path, entry: ProviderEntry) -> None:
        """old -> backup, staging -> final, check final; restore the backup on any failure."""
        final = self.root / entry.id
        _rmtree(backup)
        had_old = final.exists()
        if had_old:
            os.replace(final, backup)
        try:
            os.replace(staging, final)
            self._validate(final, entry)
        except BaseException as exc:
            _rmtree(final)
            if had_old:
                os.replace(backup, final)
            if isinstance(exc, InstallerError):
                raise ValidationFailed(
                    f"{entry.id} {entry.version} failed after the swap and was rolled back: {exc}"
                ) from exc
            raise
        _rmtree(backup)

    # ------------------------------------------------------------------ uninstall and sweep

    def uninstall(self, provider_id: str) -> None:
        """Remove the provider and everything the installer wrote for it."""
        pid = check_provider_id(provider_id)
        final, work = self.root / pid, self.work / pid
        with provider_lock(self.work, pid, "uninstall") as lock_file:
            if not final.exists() and not work.exists():
                raise NotInstalled(f"{pid!r} is not installed")
            _rmtree(final)
            _rmtree(work)
            lock_file.unlink(missing_ok=True)
        _prune(self.work)

    def sweep(self, *, partial_max_age: float = PARTIAL_MAX_AGE_S) -> list[Path]:
        """Clean up after crashed runs; returns what was removed or restored.

        Staging folders go; a backup whose final folder is missing (crash mid-swap) is restored,
        otherwise it goes; finished but unextracted archives go; `.partial` downloads stay for
        resuming unless older than `partial_max_age`. Providers being installed are skipped.
        """
        touched: list[Path] = []
        for child in sorted(self.work.iterdir()) if self.work.is_dir() else []:
            if child.suffix == ".lock" and PROVIDER_ID_RE.fullmatch(child.stem):
                continue
            if not (child.is_dir() and PROVIDER_ID_RE.fullmatch(child.name)):
                _rmtree(child)  # nothing the installer makes
                touched.append(child)
                continue
            try:
                with provider_lock(self.work, child.name, "sweep"):
                    touched += self._sweep_one(child.name, partial_max_age)
            except InstallInProgress:
                continue
        return touched

    def _sweep_one(self, pid: str, partial_max_age: float) -> list[Path]:
        work, touched = self.work / pid, []
        backup, final = work / "backup", self.root / pid
        if backup.exists() and not final.exists():
            os.replace(backup, final)
            touched.append(final)
        for leftover in (work / "staging", backup):
            if leftover.exists():
                _rmtree(leftover)
                touched.append(leftover)
        downloads = work / "downloads"
        now = time.time()
        for child in sorted(downloads.iterdir()) if downloads.is_dir() else []:
            stale = now - child.stat().st_mtime > partial_max_age
            if not child.name.endswith(".partial") or stale:
                _rmtree(child)
                touched.append(child)
        _prune(downloads, work)
        return touched


def _prune(*folders: Path) -> None:
    """Remove each folder if it is empty (in order: children before parents)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _report(cb: ProgressCallback | None, phase: str, total: int) -> None:
    if cb is not None:
        cb(Progress(phase, total, total))
