from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from installer.install import Installer
from tests.installer.httpserver import FileServer


@pytest.fixture
def serve_dir(tmp_path: Path) -> Path:
    path = tmp_path / "www"
    path.mkdir()
    return path


@pytest.fixture
def server(serve_dir: Path) -> Iterator[FileServer]:
    with FileServer(serve_dir) as srv:
        yield srv


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "providers"


@pytest.fixture
def installer(root: Path) -> Installer:
    return Installer(root, validate_timeout=30)
