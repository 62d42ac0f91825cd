"""Provider install benchmark (prints figures; asserts nothing).

1. Sizes of the built artifacts: each build folder in build/dist (or --builds), and its release
   archive at the default gzip level (issue 5 targets: core app <= 150 MB including the Whisper
   model; CPU provider with torch <= 350 MB compressed).
2. Install throughput from a local HTTP server on 127.0.0.1: download + verify MB/s, and the
   whole install (download, sha256, extraction, two `--version --json` validations, swap) in s.

Without a provider build it makes the Piper-only one first (the cached test build).
Spawn-to-ready and crash-detection latency: bench/manager.py (the ProviderManager).

Usage: .venv/bin/python bench/providers.py [--builds build/dist] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from installer.download import Progress  # noqa: E402
from installer.index import load_index  # noqa: E402
from installer.install import Installer  # noqa: E402
from installer.release import make_archive, package_build  # noqa: E402
from installer.targets import TARGETS  # noqa: E402
from tests.installer.httpserver import FileServer  # noqa: E402
from tests.installer.realbuild import piper_provider_build  # noqa: E402

MB = 1e6


def folder_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return total / MB


def sizes(builds: Path, out: Path) -> list[Path]:
    print("== artifact sizes (folder / tar.gz level 6)")
    found = []
    for target in TARGETS.values():
        folder = builds / target.name
        if not folder.is_dir():
            print(f"  {target.name:28s} not built (make build)")
            continue
        started = time.monotonic()
        _, size = make_archive(folder, out / f"{target.name}.tar.gz")
        secs = time.monotonic() - started
        print(
            f"  {target.name:28s} {folder_mb(folder):7.0f} MB folder  {size / MB:7.0f} MB "
            f"compressed  ({secs:.0f} s to compress)"
        )
        if target.provider_id:
            found.append(folder)
    return found


def install_throughput(build: Path, runs: int, out: Path) -> None:
    print(f"== install from 127.0.0.1 ({build.name}, {runs} runs)")
    www = out / "www"
    www.mkdir()
    with FileServer(www) as server:
        data = package_build(build, www, base_url=server.url, compresslevel=6)
        entry = load_index({"schema_version": 1, "providers": [data]}).providers[0]
        print(f"  archive: {entry.size / MB:.0f} MB (gzip level 6)")
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vb-bench-") as tmp:
        out = Path(tmp)
        providers = sizes(args.builds, out)
        if not providers:
            build, seconds = piper_provider_build()
            note = f"built in {seconds:.0f} s" if seconds else "cached"
            print(f"  (using the Piper-only test build, {note}: {folder_mb(build):.0f} MB folder)")
            _, size = make_archive(build, out / "piper-only.tar.gz")
            print(f"  tts-provider-pytorch-cpu (Piper only): {size / MB:.0f} MB compressed")
            providers = [build]
        install_throughput(providers[0], args.runs, out)


if __name__ == "__main__":
    main()
