"""Package provider builds into release archives and write the release index.

    python -m installer.release --out DIR [--builds build/dist] [--base-url URL]
                                [--version 1.2.0] [--build] [--piper-only|--onnx-only]

For each provider build folder found in `--builds` (as made by installer.build), this asks the
executable itself for `--version --json` (so the index can never disagree with the binary),
writes `DIR/<id>-<version>-<os>-<arch>.tar.xz` and adds or replaces its entry in
`DIR/index.json`, with the archive's format, sha256 and size. `--version` stamps a release
version: it is written into the archive's `build-info.json`, which the frozen launcher reads at
start.

Archives are tar.xz by default (`--format tar.gz` for the old format): LZMA2 at preset
9|EXTREME with a 64 MiB dictionary, behind the x86 branch filter on x86_64, which compresses
the stripped shared libraries that make up most of a build far better than gzip (docs/
installer.md has the figures). The tar is cut into 64 MiB pieces, each its own xz stream:
the file is still one valid .xz (`xz -d`, `tar xJf` and Python's lzma read it whole), and the
pieces are compressed here, and decompressed by the installer, on several cores at once
(installer/xz.py). Every installer extracts both formats (installer/extract.py).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import lzma
import os
import sys
import tarfile
from pathlib import Path
from typing import Any, Literal, get_args

from installer.build import BUILD_INFO, REPO, add_variant_options, build, select_targets
from installer.index import SCHEMA_VERSION, current_arch, current_os, load_index, parse_version
from installer.targets import TARGETS
from installer.validate import run_version
from installer.xz import XzStreamsWriter, default_workers

DEFAULT_BASE_URL = "https://releases.voicebox.invalid/providers"
ALIASES = {"default": "pytorch-cpu", "nvidia": "pytorch-cuda", "metal": "mlx"}
ACCELERATOR = {"pytorch-cpu": "cpu", "pytorch-cuda": "cuda", "mlx": "metal"}
REQUIRES: dict[str, dict[str, Any]] = {
    "pytorch-cuda": {"cuda_driver_min": "525.60", "min_vram_mb": 4096},
    "mlx": {"macos_min": "14.0"},
}


ArchiveFormat = Literal["tar.xz", "tar.gz"]
FORMATS: tuple[ArchiveFormat, ...] = get_args(ArchiveFormat)
DEFAULT_FORMAT: ArchiveFormat = "tar.xz"
XZ_PRESET = 9 | lzma.PRESET_EXTREME
"""xz's best: 64 MiB dictionary (a decoder needs ~65 MiB of memory), slow to write, as fast to
read as any other preset."""
GZIP_LEVEL = 6


def format_of(path: Path) -> ArchiveFormat:
    """The archive format a file name asks for (`.tar.xz`/`.txz`, `.tar.gz`/`.tgz`)."""
    name = path.name.lower()
    if name.endswith((".tar.xz", ".txz")):
        return "tar.xz"
    if name.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    raise ValueError(f"{path.name}: archive names end in .tar.xz or .tar.gz")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode &= 0o755 if info.isdir() or info.mode & 0o111 else 0o644
    return info


def make_archive(
    folder: Path,
    out: Path,
    *,
    arcname: str | None = None,
    extra_files: dict[str, bytes] | None = None,
    fmt: ArchiveFormat | None = None,
    compresslevel: int | None = None,
    workers: int | None = None,
) -> tuple[str, int]:
    """tar.xz or tar.gz `folder` as `arcname/...` (sorted, owner-less); returns (sha256, size).

    `fmt` defaults to what `out`'s name says; `compresslevel` is the gzip level or the xz
    preset (default: GZIP_LEVEL, XZ_PRESET); `workers` the threads compressing xz streams
    (default_workers()). Symlinks are stored as symlinks (PyInstaller makes some inside
    `_internal`). `extra_files` maps paths relative to `arcname` to contents that replace or
    add files in the archive.
    """
    fmt = fmt or format_of(out)
    arcname = arcname or folder.name
    extra = dict(extra_files or {})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "tar.gz":
        level = GZIP_LEVEL if compresslevel is None else compresslevel
        with tarfile.open(tmp, "w:gz", compresslevel=level) as tar:
            _add_members(tar, folder, arcname, extra)
    else:
        preset = XZ_PRESET if compresslevel is None else compresslevel
        with (
            tmp.open("wb") as raw,
            XzStreamsWriter(raw, preset=preset, workers=workers or default_workers()) as xz,
            tarfile.open(fileobj=xz, mode="w|") as tar,
        ):
            _add_members(tar, folder, arcname, extra)
    os.replace(tmp, out)
    return sha256_file(out), out.stat().st_size


def _add_members(tar: tarfile.TarFile, folder: Path, arcname: str, extra: dict[str, bytes]) -> None:
    tar.add(folder, arcname=arcname, recursive=False, filter=_normalise)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel in extra:
            continue
        tar.add(path, arcname=f"{arcname}/{rel}", recursive=False, filter=_normalise)
    for rel, data in sorted(extra.items()):
        info = tarfile.TarInfo(f"{arcname}/{rel}")
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))


def unpacked_size(folder: Path, extra_files: dict[str, bytes]) -> int:
    """The bytes `make_archive(folder, extra_files=...)` stores as files (what extraction
    writes: regular files, hard links as copies; links and folders count nothing)."""
    total = sum(len(data) for data in extra_files.values())
    for path in folder.rglob("*"):
        if path.relative_to(folder).as_posix() in extra_files:
            continue
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def package_build(
    folder: Path,
    out_dir: Path,
    *,
    base_url: str,
    version: str | None = None,
    fmt: ArchiveFormat = DEFAULT_FORMAT,
    compresslevel: int | None = None,
) -> dict[str, Any]:
    """Archive one provider build folder; returns its index entry (a plain dict)."""
    exe_name = folder.name
    info = run_version(folder / (exe_name + (".exe" if sys.platform == "win32" else "")))
    provider_version = str(parse_version(version)) if version else info.version
    os_name, arch = current_os(), current_arch()
    filename = f"{info.provider}-{provider_version}-{os_name}-{arch}.{fmt}"
    build_info: dict[str, Any] = {}
    if (folder / BUILD_INFO).is_file():
        build_info = json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))
    build_info["version"] = provider_version
    extra = {BUILD_INFO: json.dumps(build_info, indent=1).encode()}
    sha, size = make_archive(
        folder, out_dir / filename, extra_files=extra, fmt=fmt, compresslevel=compresslevel
    )
    return {
        "id": info.provider,
        "version": provider_version,
        "spec_version": info.spec_version,
        "os": os_name,
        "arch": arch,
        "accelerator": ACCELERATOR.get(info.provider, "cpu"),
        "url": f"{base_url.rstrip('/')}/{filename}",
        "mirrors": [],
        "format": fmt,
        "sha256": sha,
        "size": size,
        "unpacked_size": unpacked_size(folder, extra),
        "entrypoint": f"{exe_name}/{exe_name}",
        "requires": {
            "cuda_driver_min": None,
            "macos_min": None,
            "min_vram_mb": None,
            **REQUIRES.get(info.provider, {}),
        },
    }


def write_index(out_dir: Path, entries: list[dict[str, Any]]) -> Path:
    """Merge `entries` into `out_dir/index.json` (same id/version/os/arch replaced)."""
    path = out_dir / "index.json"
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "aliases": {}, "providers": []}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    keys = {(e["id"], e["version"], e["os"], e["arch"]) for e in entries}
    kept = [
        e
        for e in data.get("providers", [])
        if (e["id"], e["version"], e["os"], e["arch"]) not in keys
    ]
    data["providers"] = [*kept, *entries]
    present = {e["id"] for e in data["providers"]}
    data["aliases"] = {alias: pid for alias, pid in ALIASES.items() if pid in present}
    load_index(data)  # never publish an index the installer would refuse
    tmp = path.with_name("index.json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m installer.release", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="where archives and index go")
    parser.add_argument("--builds", type=Path, default=REPO / "build" / "dist")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="where DIR will be served")
    parser.add_argument("--version", help="stamp this provider version (default: the build's)")
    parser.add_argument("--build", action="store_true", help="run installer.build first")
    add_variant_options(parser, when="with --build: ")
    parser.add_argument(
        "--format", choices=FORMATS, default=DEFAULT_FORMAT, help="archive format (tar.xz)"
    )
    args = parser.parse_args(argv)
    if args.build:
        for target in select_targets(["pytorch-cpu"], cpu_variant=args.cpu_variant):
            build(target, dist=args.builds, work=REPO / "build" / "pyinstaller")
    names = [t.name for t in TARGETS.values() if t.provider_id]
    folders = [args.builds / n for n in names if (args.builds / n).is_dir()]
    if not folders:
        print(f"no provider builds in {args.builds}; run `make build` first", file=sys.stderr)
        return 1
    entries = []
    for folder in folders:
        entry = package_build(
            folder, args.out, base_url=args.base_url, version=args.version, fmt=args.format
        )
        entries.append(entry)
        print(f"{entry['url']}  {entry['size'] / 1e6:.1f} MB  sha256 {entry['sha256']}")
    print(f"index: {write_index(args.out, entries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
