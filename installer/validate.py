"""Check an extracted provider before it replaces anything: run `<entrypoint> --version --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from installer.compat import ACCEPTED_SPEC, check_spec
from installer.errors import IncompatibleProvider, UnsafeName, ValidationFailed

VALIDATE_TIMEOUT = 60.0
_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "USERPROFILE")


@dataclass(frozen=True)
class VersionInfo:
    provider: str
    version: str
    spec_version: str
    engines: tuple[str, ...]


def entrypoint_path(folder: Path, entrypoint: str) -> Path:
    """`folder/entrypoint` (a path already checked to be relative), resolved inside `folder`."""
    root = folder.resolve()
    path = (folder / entrypoint).resolve()
    if root not in path.parents:
        raise UnsafeName(f"entrypoint {entrypoint!r} leaves the install folder")
    if sys.platform == "win32" and not path.suffix:
        path = path.with_suffix(".exe")
    return path


def run_version(exe: Path, timeout: float = VALIDATE_TIMEOUT) -> VersionInfo:
    """Run `exe --version --json` with a clean environment and parse its answer."""
    if not exe.is_file():
        raise ValidationFailed(f"the provider's entrypoint {exe.name!r} is missing in the archive")
    if sys.platform != "win32" and not os.access(exe, os.X_OK):
        raise ValidationFailed(f"the provider's entrypoint {exe.name!r} is not executable")
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    try:
        proc = subprocess.run(
            [str(exe), "--version", "--json"],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            cwd=exe.parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise ValidationFailed(
            f"the provider did not answer --version --json within {timeout:.0f} s"
        ) from exc
    except OSError as exc:
        raise ValidationFailed(f"the provider could not be started: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr[-2000:].strip()
        raise ValidationFailed(
            f"`--version --json` exited with code {proc.returncode}: {tail or 'no output'}"
        )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1])
        info = VersionInfo(
            provider=str(data["provider"]),
            version=str(data["version"]),
            spec_version=str(data["spec_version"]),
            engines=tuple(str(e) for e in data.get("engines", [])),
        )
    except (IndexError, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(
            f"`--version --json` did not print the expected JSON: {proc.stdout[-500:]!r}"
        ) from exc
    return info


def check_version_info(
    info: VersionInfo,
    *,
    provider_id: str,
    version: str,
    spec_version: str,
    accepted: SpecifierSet = ACCEPTED_SPEC,
) -> None:
    """The binary must be what the index promised, speaking a spec this core accepts."""
    if info.provider != provider_id:
        raise ValidationFailed(
            f"the archive contains provider {info.provider!r}, the index promised {provider_id!r}"
        )
    try:
        same_version = Version(info.version) == Version(version)
        same_spec = Version(info.spec_version) == Version(spec_version)
    except InvalidVersion as exc:
        raise ValidationFailed(f"the provider reports an invalid version: {exc}") from exc
    if not same_version:
        raise ValidationFailed(
            f"the provider reports version {info.version}, the index promised {version}"
        )
    compat = check_spec(info.spec_version, accepted)
    if not compat.ok:
        raise IncompatibleProvider(compat.reason)
    if not same_spec:
        raise ValidationFailed(
            f"the provider reports spec {info.spec_version}, the index promised {spec_version}"
        )
