"""Provider install benchmark (prints figures; asserts nothing).

1. Sizes of the built artifacts: each build folder in build/dist (or --builds), and its archive
   in each format (tar.xz, the release format, and tar.gz level 6 for comparison), with the time
   to write it and to extract it through the installer's safe extraction (targets: core
   app <= 150 MB including the Whisper model; CPU provider with torch <= 350 MB compressed).
   The biggest libraries of each folder are listed too (`--top N`).
2. Install throughput from a local HTTP server on 127.0.0.1 (release format): download + verify
   MB/s, and the whole install (download, sha256, extraction, two `--version --json`
   validations, swap) in s.

Without a provider build it makes the Piper-only one first (the cached test build).
Spawn-to-ready and crash-detection latency: bench/manager.py (the ProviderManager).
tar.xz at preset 9e writes at ~1-2 MB/s of input on one core: the full CPU provider takes ~10-20
minutes; `--formats tar.gz` skips it.

Usage: .venv/bin/python bench/providers.py [--builds build/dist] [--runs 3]
           [--formats tar.xz tar.gz] [--top 12]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from installer.download import Progress  # noqa: E402
from installer.extract import safe_extract  # noqa: E402
from installer.index import load_index  # noqa: E402
from installer.install import Installer  # noqa: E402
from installer.release import (  # noqa: E402
    DEFAULT_FORMAT,
    FORMATS,
    ArchiveFormat,
    make_archive,
    package_build,
)
from installer.targets import TARGETS  # noqa: E402
from tests.installer.httpserver import FileServer  # noqa: E402
from tests.installer.realbuild import provider_build  # noqa: E402

MB = 1e6


def folder_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return total / MB


def top_files(folder: Path, count: int) -> None:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:count]:
        print(f"      {path.stat().st_size / MB:7.1f} MB  {path.relative_to(folder)}")


def archive_figures(folder: Path, out: Path, fmt: ArchiveFormat) -> None:
    archive = out / f"{folder.name}.{fmt}"
    started = time.monotonic()
    _, size = make_archive(folder, archive, fmt=fmt)
    written = time.monotonic() - started
    staging = out / "staging"
    started = time.monotonic()
    safe_extract(archive, staging, fmt=fmt)
    extracted = time.monotonic() - started
    shutil.rmtree(staging)
    archive.unlink()
    print(
        f"    {fmt}: {size / MB:6.1f} MB  ({written:.0f} s to write, {extracted:.1f} s to extract)"
    )


def sizes(builds: Path, out: Path, formats: list[ArchiveFormat], top: int) -> list[Path]:
    print(f"== artifact sizes (folder; {', '.join(formats)})")
    found = []
    for target in TARGETS.values():
        folder = builds / target.name
        if not folder.is_dir():
            print(f"  {target.name:28s} not built (make build)")
            continue
        print(f"  {target.name}: {folder_mb(folder):.0f} MB folder")
        for fmt in formats:
            archive_figures(folder, out, fmt)
        if top:
            top_files(folder, top)
        if target.provider_id:
            found.append(folder)
    return found


def install_throughput(build: Path, runs: int, out: Path, fmt: ArchiveFormat) -> None:
    print(f"== install from 127.0.0.1 ({build.name}, {runs} runs)")
    www = out / "www"
    www.mkdir()
    with FileServer(www) as server:
        data = package_build(build, www, base_url=server.url, fmt=fmt)
        entry = load_index({"schema_version": 1, "providers": [data]}).providers[0]
        print(f"  archive: {entry.size / MB:.0f} MB ({fmt})")
        dl_rates, totals = [], []
        for run in range(runs):
            root = out / f"root{run}"
            marks: dict[str, float] = {}

            def progress(p: Progress, marks: dict[str, float] = marks) -> None:
                marks.setdefault(p.phase, time.monotonic())

            started = time.monotonic()
            Installer(root).install(entry, progress=progress)
            ended = time.monotonic()
            download_s = marks["verifying"] - started
            dl_rates.append(entry.size / MB / download_s)
            totals.append(ended - started)
            phases = " ".join(
                f"{a}={marks[b] - marks[a]:.1f}s"
                for a, b in zip(list(marks), [*list(marks)[1:], "done"], strict=False)
                if a != "done"
            )
            print(f"  run {run + 1}: download {dl_rates[-1]:.0f} MB/s, total {totals[-1]:.1f} s")
            print(f"         {phases}")
            Installer(root).uninstall(entry.id)
        print(
            f"  median: download+hash {statistics.median(dl_rates):.0f} MB/s, whole install "
            f"{statistics.median(totals):.1f} s ({entry.size / MB / statistics.median(totals):.0f}"
            " MB/s of archive)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--builds", type=Path, default=REPO / "build" / "dist")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--top", type=int, default=12, help="list the N biggest files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vb-bench-") as tmp:
        out = Path(tmp)
        providers = sizes(args.builds, out, args.formats, args.top)
        if not providers:
            build, seconds = provider_build("piper-only")
            note = f"built in {seconds:.0f} s" if seconds else "cached"
            print(f"  (using the Piper-only test build, {note}: {folder_mb(build):.0f} MB folder)")
            for fmt in args.formats:
                archive_figures(build, out, fmt)
            providers = [build]
        install_throughput(providers[0], args.runs, out, DEFAULT_FORMAT)


if __name__ == "__main__":
    main()
