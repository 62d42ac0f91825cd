"""Real PyInstaller provider builds for the tests, one per recipe and source state, cached
across test runs: the Piper-only build (the release tests) and the onnxruntime build (Piper and
Kokoro, the frozen new-engine test).

The cache lives in the system temp folder, keyed by a hash of everything that goes into a
build (provider and SDK sources, the build recipe, pyproject, Python and PyInstaller versions),
so an unchanged tree reuses it and a change rebuilds. A file lock keeps two test sessions from
building at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from installer.build import REPO, build
from installer.targets import CPU_VARIANTS

SOURCES = ("providers", "provider_sdk", "installer/build.py", "installer/targets.py")


def source_key() -> str:
    digest = hashlib.sha256()
    files: list[Path] = []
    for src in SOURCES:
        path = REPO / src
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    for path in [*files, REPO / "pyproject.toml"]:
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    digest.update(importlib.metadata.version("pyinstaller").encode())
    return digest.hexdigest()[:20]


def provider_build(recipe: str) -> tuple[Path, float | None]:
    """The build folder of one of CPU_VARIANTS, and the seconds the build took (None when it
    came from the cache)."""
    target = CPU_VARIANTS[recipe]
    cache = Path(tempfile.gettempdir()) / "voicebox-test-builds"
    cache.mkdir(exist_ok=True)
    final = cache / recipe / source_key()
    folder = final / target.name
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "build-info.json").is_file():
            return folder, None
        for old in cache.iterdir():  # one build per recipe: they are 270-430 MB each
            if old.is_dir() and old.name not in CPU_VARIANTS:
                shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(cache / recipe, ignore_errors=True)
        (cache / recipe).mkdir()
        work = Path(tempfile.mkdtemp(prefix="work-", dir=cache / recipe))
        started = time.monotonic()
        build(target, dist=work / "dist", work=work / "pyi", timeout=1200)
        seconds = time.monotonic() - started
        (work / "dist").rename(final)
        shutil.rmtree(work, ignore_errors=True)
        (final / "timing.json").write_text(json.dumps({"build_s": seconds}))
        return folder, seconds
