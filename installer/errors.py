"""Errors the installer raises. Every message says what went wrong and what to do about it."""

from __future__ import annotations


class InstallerError(Exception):
    """Base class of every installer failure; `str(err)` is a user-facing message."""


class ReleaseIndexError(InstallerError):
    """The release index is malformed, or has no entry for what was asked."""


class UnsafeName(InstallerError):
    """A provider id, version or entrypoint from the index cannot be used as a path."""


class DownloadError(InstallerError):
    """Every mirror failed; the message lists each URL and its failure."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not match the sha256 in the index (or none was given)."""


class UnsafeArchive(InstallerError):
    """An archive member would escape the staging folder, or is a device file or the like."""


class ValidationFailed(InstallerError):
    """The extracted provider did not answer `--version --json` as the index promised."""


class IncompatibleProvider(ValidationFailed):
    """The provider speaks a spec version this core does not accept."""


class InstallInProgress(InstallerError):
    """Another install, update or uninstall of the same provider is running."""


class NotInstalled(InstallerError):
    """The provider is not installed in this install root."""
