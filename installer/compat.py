"""Which provider spec versions this core accepts, update checks, and the Auto provider choice.

Versions are always compared as `packaging` objects, never as strings ("1.10.0" > "1.9.0").
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from installer.errors import ReleaseIndexError
from installer.index import ProviderEntry, ReleaseIndex, current_arch, current_os

ACCEPTED_SPEC = SpecifierSet(">=1.0,<2")
"""Provider spec versions the core can talk to. Bump the upper bound with the core's client."""


@dataclass(frozen=True)
class Compatibility:
    ok: bool
    reason: str


def check_spec(spec_version: str, accepted: SpecifierSet = ACCEPTED_SPEC) -> Compatibility:
    """Whether a provider speaking `spec_version` may be started by this core, and why not."""
    try:
        version = Version(spec_version)
    except InvalidVersion:
        return Compatibility(False, f"spec version {spec_version!r} is not a valid version")
    if accepted.contains(version, prereleases=True):
        return Compatibility(True, f"spec {version} is accepted ({accepted})")
    newer = all(Version(s.version) <= version for s in accepted if s.operator in ("<", "<="))
    hint = "update Voicebox" if newer else "update the provider"
    return Compatibility(
        False, f"the provider speaks spec {version}, this Voicebox accepts {accepted}: {hint}"
    )


def is_newer(candidate: str, current: str) -> bool:
    return Version(candidate) > Version(current)


def update_available(
    index: ReleaseIndex,
    provider_id: str,
    installed_version: str,
    *,
    os_name: str | None = None,
    arch: str | None = None,
    accepted: SpecifierSet = ACCEPTED_SPEC,
    allow_prereleases: bool = False,
) -> ProviderEntry | None:
    """The newest index entry newer than `installed_version` whose spec this core accepts."""
    current = Version(installed_version)
    for entry in index.entries(provider_id, os_name=os_name, arch=arch):
        version = entry.parsed_version
        if version <= current:
            return None  # entries are sorted newest first
        if version.is_prerelease and not allow_prereleases:
            continue
        if check_spec(entry.spec_version, accepted).ok:
            return entry
    return None


# ---------------------------------------------------------------- hardware and the Auto choice


@dataclass(frozen=True)
class NvidiaGpu:
    name: str
    vram_mb: int
    driver_version: str


@dataclass(frozen=True)
class Hardware:
    os: str
    arch: str
    gpus: tuple[NvidiaGpu, ...] = ()
    macos_version: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def apple_silicon(self) -> bool:
        return self.os == "darwin" and self.arch == "arm64"


def query_nvidia_smi(timeout: float = 5.0) -> tuple[list[NvidiaGpu], str | None]:
    """GPUs reported by nvidia-smi, and a note when it is missing or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return [], "nvidia-smi not found"
    try:
        out = subprocess.run(
            [
                exe,
                "--query-gpu=name,memory.total,driver_version",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return [], f"nvidia-smi failed: {exc}"
    return parse_nvidia_smi(out), None


def parse_nvidia_smi(text: str) -> list[NvidiaGpu]:
    gpus = []
    for line in text.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            continue
        name, mem, driver = parts
        try:
            gpus.append(NvidiaGpu(name=name, vram_mb=int(float(mem)), driver_version=driver))
        except ValueError:
            continue
    return gpus


def detect_hardware() -> Hardware:
    """What this machine has, as far as the provider choice cares."""
    os_name, arch = current_os(), current_arch()
    notes: list[str] = []
    gpus: list[NvidiaGpu] = []
    if os_name in ("linux", "windows"):
        gpus, note = query_nvidia_smi()
        if note:
            notes.append(note)
    mac = platform.mac_ver()[0] or None if os_name == "darwin" else None
    return Hardware(os_name, arch, tuple(gpus), mac, tuple(notes))


def probe_devices(entrypoint: Path, timeout: float = 30.0) -> dict[str, Any] | None:
    """An installed provider's `--list-devices --json` answer, or None when it fails."""
    try:
        out = subprocess.run(
            [str(entrypoint), "--list-devices", "--json"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
        lines = [line for line in out.splitlines() if line.strip()]
        data = json.loads(lines[-1]) if lines else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def gpus_from_devices(devices: dict[str, Any]) -> list[NvidiaGpu]:
    """CUDA devices from a provider's `--list-devices --json` answer.

    The answer looks like ``{"cuda": [{"index", "name", "vram_mb", "driver"}], "mps": bool,
    "cpu": {...}}``; malformed items are skipped.
    """
    gpus = []
    cuda = devices.get("cuda")
    for dev in cuda if isinstance(cuda, list) else []:
        if not isinstance(dev, dict):
            continue
        vram = dev.get("vram_mb", 0)
        gpus.append(
            NvidiaGpu(
                name=str(dev.get("name", "CUDA device")),
                vram_mb=int(vram) if isinstance(vram, int | float) else 0,
                driver_version=str(dev.get("driver", "")),
            )
        )
    return gpus


@dataclass(frozen=True)
class Choice:
    provider_id: str
    entry: ProviderEntry
    reason: str
    overridden: bool = False


def _gpu_fits(entry: ProviderEntry, gpu: NvidiaGpu) -> str | None:
    """None when `gpu` meets the entry's requirements, else why not."""
    req = entry.requires
    if req.min_vram_mb is not None and gpu.vram_mb < req.min_vram_mb:
        return f"{gpu.name} has {gpu.vram_mb} MB VRAM, {entry.id} needs {req.min_vram_mb} MB"
    if req.cuda_driver_min is not None:
        try:
            if Version(gpu.driver_version) < Version(req.cuda_driver_min):
                return (
                    f"NVIDIA driver {gpu.driver_version} is older than {req.cuda_driver_min} "
                    f"which {entry.id} needs: update the driver"
                )
        except InvalidVersion:
            return f"NVIDIA driver version {gpu.driver_version!r} could not be read"
    return None


def _latest(index: ReleaseIndex, name: str, hw: Hardware) -> ProviderEntry | None:
    pid = index.resolve(name)
    found = index.entries(pid, os_name=hw.os, arch=hw.arch)
    return found[0] if found else None


def choose_provider(
    index: ReleaseIndex,
    hardware: Hardware,
    *,
    override: str | None = None,
    devices: dict[str, Any] | None = None,
) -> Choice:
    """Pick a provider for this machine from the index aliases, and say why.

    `override` (a provider id or alias) wins when the index has a build for this platform.
    `devices` is an installed provider's `--list-devices --json` answer; CUDA devices it sees
    count even when nvidia-smi is missing.
    """
    platform_name = f"{hardware.os}/{hardware.arch}"
    if override:
        entry = _latest(index, override, hardware)
        if entry is None:
            raise ReleaseIndexError(
                f"{override!r} has no build for {platform_name} in the release index; "
                f"choose one of {index.provider_ids()}"
            )
        return Choice(entry.id, entry, f"chosen by you ({override})", overridden=True)

    gpus = list(hardware.gpus) or (gpus_from_devices(devices) if devices else [])
    fallback_why: list[str] = []
    if gpus:
        entry = _latest(index, "nvidia", hardware)
        best = max(gpus, key=lambda g: g.vram_mb)
        if entry is None:
            fallback_why.append(f"{best.name} found but no CUDA build for {platform_name}")
        elif (why := _gpu_fits(entry, best)) is None:
            gb = best.vram_mb / 1024
            return Choice(
                entry.id,
                entry,
                f"NVIDIA {best.name} with {gb:.0f} GB VRAM (driver {best.driver_version}) "
                f"found: using {entry.id}",
            )
        else:
            fallback_why.append(why)
    elif hardware.notes:
        fallback_why.append(f"no NVIDIA GPU ({'; '.join(hardware.notes)})")

    if hardware.apple_silicon:
        entry = _latest(index, "metal", hardware)
        req = entry.requires.macos_min if entry else None
        if entry is None:
            fallback_why.append("Apple Silicon found but no MLX build in the index")
        elif req and hardware.macos_version and Version(hardware.macos_version) < Version(req):
            fallback_why.append(f"MLX needs macOS {req}, this Mac runs {hardware.macos_version}")
        else:
            return Choice(entry.id, entry, f"Apple Silicon Mac: using {entry.id} (Metal)")

    entry = _latest(index, "default", hardware)
    if entry is None:
        raise ReleaseIndexError(f"the release index has no default provider for {platform_name}")
    why = "; ".join(fallback_why) if fallback_why else "no supported GPU found"
    return Choice(entry.id, entry, f"{why}: using {entry.id} on the CPU")
