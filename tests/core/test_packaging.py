"""The Python package build carries the built UI: a wheel built from a checkout whose `ui/dist`
exists holds it as `core/ui_dist`, and the installed package serves that copy. The build runs
the real setuptools backend on a copy of the sources, so the repository's own `ui/dist` and
`build/` are never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "provider_sdk", "providers", "installer")
INDEX = "<!doctype html><title>Voicebox</title><div id=root></div>"


def _checkout_copy(dest: Path, *, with_ui: bool) -> Path:
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "ui_dist")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)
    if with_ui:
        (dest / "ui" / "dist" / "assets").mkdir(parents=True)
        (dest / "ui" / "dist" / "index.html").write_text(INDEX)
        (dest / "ui" / "dist" / "assets" / "app.js").write_text("console.log('app')")
    return dest


def _build_wheel(source: Path, out: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = out.glob("voicebox-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_carries_the_built_ui_and_serves_it(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    source = _checkout_copy(tmp_path / "src", with_ui=True)
    wheel = _build_wheel(source, tmp_path / "out")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert archive.read("core/ui_dist/index.html").decode() == INDEX
        assert "core/ui_dist/assets/app.js" in names
        archive.extractall(tmp_path / "site")

    # The installed package (first on sys.path) finds its own copy of the UI.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    found = subprocess.run(
        [sys.executable, "-c", "from core.app import default_ui_dir; print(default_ui_dir())"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    ).stdout.strip()
    assert Path(found) == tmp_path / "site" / "core" / "ui_dist"


@pytest.mark.slow
def test_wheel_without_a_ui_build_has_no_ui_dist(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    source = _checkout_copy(tmp_path / "src", with_ui=False)
    wheel = _build_wheel(source, tmp_path / "out")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "core/app.py" in names
    assert not [n for n in names if n.startswith("core/ui_dist/")]
