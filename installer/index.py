"""The release index: what providers exist, for which platform, where to download them.

Schema (docs/installer.md, "Publishing"): ``{schema_version, aliases, providers: [entry, ...]}``.
Everything that later becomes part of a path (provider id, version, entrypoint) is validated here,
so the install pipeline never turns an arbitrary string from the network into a file name.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from installer.errors import ReleaseIndexError

SCHEMA_VERSION = 1

PROVIDER_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
"""Provider ids are short lowercase slugs: they name folders in the install root."""

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

OsName = Literal["linux", "darwin", "windows"]
ArchiveFormatName = Literal["tar.xz", "tar.gz", "zip"]
ArchName = Literal["x86_64", "arm64"]


def check_provider_id(value: str) -> str:
    if not PROVIDER_ID_RE.fullmatch(value):
        raise ValueError(
            f"invalid provider id {value!r}: use lowercase letters, digits and '-' (max 63)"
        )
    return value


def parse_version(value: str) -> Version:
    """A PEP 440 version, or a ValueError naming the bad string."""
    try:
        return Version(value)
    except InvalidVersion as exc:
        raise ValueError(f"invalid version {value!r}: not a PEP 440 version") from exc


def check_relative_path(value: str) -> str:
    """A forward-slash relative path with no '..', no drive, no empty or '.' parts."""
    if not value or "\\" in value or "\x00" in value:
        raise ValueError(f"invalid relative path {value!r}")
    path = PurePosixPath(value)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", value):
        raise ValueError(f"path {value!r} must be relative")
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError(f"path {value!r} must not contain '.', '..' or empty parts")
    return value


class Requires(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cuda_driver_min: str | None = None
    macos_min: str | None = None
    min_vram_mb: Annotated[int, Field(ge=0)] | None = None

    @field_validator("cuda_driver_min", "macos_min")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None:
            parse_version(value)
        return value


class ProviderEntry(BaseModel):
    """One downloadable build: one provider, version, OS and architecture."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    version: str
    spec_version: str
    os: OsName
    arch: ArchName
    accelerator: str = "cpu"
    url: str
    mirrors: list[str] = Field(default_factory=list)
    format: ArchiveFormatName | None = None
    """How the archive is packed; None (indexes before it was recorded): told by its content.
    Older installers ignore the field and detect the format themselves."""
    sha256: str | None = None
    size: Annotated[int, Field(gt=0)]
    unpacked_size: Annotated[int, Field(gt=0)] | None = None
    """Bytes of the archive's files once extracted; extraction stops past it (None, in
    indexes before it was recorded: only the installer's absolute ceiling applies)."""
    entrypoint: str
    requires: Requires = Field(default_factory=Requires)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_provider_id(value)

    @field_validator("version", "spec_version")
    @classmethod
    def _versions(cls, value: str) -> str:
        parse_version(value)
        return value

    @field_validator("entrypoint")
    @classmethod
    def _entrypoint(cls, value: str) -> str:
        return check_relative_path(value)

    @field_validator("sha256")
    @classmethod
    def _sha(cls, value: str | None) -> str | None:
        # A missing sha256 is allowed in the model so the pipeline can refuse it with a clear
        # message (ChecksumError) instead of an opaque schema error.
        if value is None:
            return None
        value = value.lower()
        if not _SHA256_RE.fullmatch(value):
            raise ValueError("sha256 must be 64 hex digits")
        return value

    @field_validator("url", "mirrors")
    @classmethod
    def _urls(cls, value: str | list[str]) -> str | list[str]:
        for url in [value] if isinstance(value, str) else value:
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"download URL {url!r} must be http(s)")
        return value

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)

    @property
    def urls(self) -> list[str]:
        """The main URL, then the mirrors, in the order they are tried."""
        return [self.url, *[m for m in self.mirrors if m != self.url]]


class ReleaseIndex(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int
    aliases: dict[str, str] = Field(default_factory=dict)
    providers: list[ProviderEntry] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _schema(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(
                f"release index schema_version {value} is not supported (this app reads "
                f"{SCHEMA_VERSION}); update Voicebox"
            )
        return value

    def resolve(self, name: str) -> str:
        """An alias ('default', 'nvidia', 'metal') or a provider id -> a provider id."""
        return self.aliases.get(name, name)

    def entries(
        self, provider_id: str, *, os_name: str | None = None, arch: str | None = None
    ) -> list[ProviderEntry]:
        """All versions of a provider for a platform (default: this machine), newest first."""
        os_name = os_name or current_os()
        arch = arch or current_arch()
        found = [
            e for e in self.providers if e.id == provider_id and e.os == os_name and e.arch == arch
        ]
        return sorted(found, key=lambda e: e.parsed_version, reverse=True)

    def latest(
        self, provider_id: str, *, os_name: str | None = None, arch: str | None = None
    ) -> ProviderEntry:
        """The newest entry of a provider (alias allowed) for a platform."""
        pid = self.resolve(provider_id)
        found = self.entries(pid, os_name=os_name, arch=arch)
        if not found:
            raise ReleaseIndexError(
                f"the release index has no build of {pid!r} for "
                f"{os_name or current_os()}/{arch or current_arch()}"
            )
        return found[0]

    def provider_ids(self) -> list[str]:
        return sorted({e.id for e in self.providers})


def load_index(source: str | bytes | Path | dict[str, Any]) -> ReleaseIndex:
    """Parse and validate a release index from JSON text/bytes, a file, or a dict."""
    try:
        if isinstance(source, Path):
            data: Any = json.loads(source.read_text(encoding="utf-8"))
        elif isinstance(source, str | bytes):
            data = json.loads(source)
        else:
            data = source
        return ReleaseIndex.model_validate(data)
    except (OSError, ValueError, ValidationError) as exc:
        raise ReleaseIndexError(f"the release index is invalid: {exc}") from exc


def current_os() -> OsName:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "darwin"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    raise ReleaseIndexError(f"unsupported operating system {sys.platform!r}")


def current_arch() -> ArchName:
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    if machine in ("arm64", "aarch64"):
        return "arm64"
    raise ReleaseIndexError(f"unsupported CPU architecture {machine!r}")
