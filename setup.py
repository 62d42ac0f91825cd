"""Setuptools hook (the metadata lives in pyproject.toml): a wheel or sdist-built install carries
the built UI. When `ui/dist` exists (`bash ci/install-ui.sh build`), `build_py` copies it into
the `core` package as `core/ui_dist`, which `core.app.default_ui_dir` serves. Editable installs
skip the copy: they serve `ui/dist` from the checkout directly."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

UI_DIST = Path(__file__).resolve().parent / "ui" / "dist"


class BuildPyWithUI(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode or not (UI_DIST / "index.html").is_file():
            return
        target = Path(self.build_lib) / "core" / "ui_dist"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(UI_DIST, target)


setup(cmdclass={"build_py": BuildPyWithUI})
