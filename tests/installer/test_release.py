"""The release CLI and fetching a release index over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from installer.download import fetch_index
from installer.errors import DownloadError, ReleaseIndexError
from installer.index import load_index
from tests.installer.fakes import make_fake_build, publish
from tests.installer.httpserver import FileServer


def test_release_cli_writes_archives_and_merges_the_index(tmp_path: Path) -> None:
    from installer.release import main as release_main

    build = make_fake_build(tmp_path)
    out = tmp_path / "release"
    base = "https://example.invalid/vb"
    args = ["--out", str(out), "--builds", str(build.parent), "--base-url", base]
    assert release_main([*args, "--version", "1.9.0"]) == 0
    assert release_main([*args, "--version", "1.10.0"]) == 0
    index = load_index(out / "index.json")
    assert [e.version for e in index.entries("pytorch-cpu")] == ["1.10.0", "1.9.0"]
    newest = index.latest("default")
    archive = out / newest.url.rsplit("/", 1)[1]
    assert newest.size == archive.stat().st_size
    assert newest.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert newest.entrypoint == "tts-provider-pytorch-cpu/tts-provider-pytorch-cpu"
    assert release_main(["--out", str(out), "--builds", str(tmp_path / "none")]) == 1


def test_fetch_index(tmp_path: Path, serve_dir: Path, server: FileServer) -> None:
    entry = publish(make_fake_build(tmp_path), serve_dir, server.url)
    index = fetch_index(f"{server.url}/index.json")
    assert index.latest("default").sha256 == entry.sha256
    (serve_dir / "bad.json").write_text('{"schema_version": 1, "providers": [{"id": "../x"}]}')
    with pytest.raises(ReleaseIndexError, match="invalid"):
        fetch_index(f"{server.url}/bad.json")
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch_index(f"{server.url}/missing.json")
    with pytest.raises(DownloadError, match="larger than 100 bytes"):
        fetch_index(f"{server.url}/index.json", max_bytes=100)
