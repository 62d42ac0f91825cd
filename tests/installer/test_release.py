"""The release CLI and fetching a release index over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from installer.download import fetch_index
from installer.errors import DownloadError, ReleaseIndexError
from installer.extract import sniff_format
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
    assert newest.format == "tar.xz" and archive.name.endswith(".tar.xz")
    assert sniff_format(archive) == "tar.xz"
    assert release_main(["--out", str(out), "--builds", str(tmp_path / "none")]) == 1


def test_release_in_either_format_installs(
    tmp_path: Path, serve_dir: Path, server: FileServer
) -> None:
    from installer.install import Installer
    from installer.release import main as release_main

    build = make_fake_build(tmp_path)
    for version, fmt in (("1.0.0", "tar.gz"), ("1.1.0", "tar.xz")):
        args = ["--out", str(serve_dir), "--builds", str(build.parent), "--base-url", server.url]
        assert release_main([*args, "--version", version, "--format", fmt]) == 0
        entry = load_index(serve_dir / "index.json").latest("default")
        assert entry.version == version and entry.format == fmt
        assert entry.url.endswith(f".{fmt}")
        assert sniff_format(serve_dir / entry.url.rsplit("/", 1)[1]) == fmt
        installed = Installer(tmp_path / "root").install(entry)
        assert installed.version == version
        assert (installed.entrypoint.parent / "_internal/sub/payload-link.bin").is_symlink()


def test_make_archive_takes_the_format_from_the_name(tmp_path: Path) -> None:
    from installer.release import format_of, make_archive

    build = make_fake_build(tmp_path)
    for name, fmt in (("a.tar.xz", "tar.xz"), ("b.tgz", "tar.gz"), ("c.tar.gz", "tar.gz")):
        assert format_of(Path(name)) == fmt
        make_archive(build, tmp_path / name, compresslevel=1)
        assert sniff_format(tmp_path / name) == fmt
    with pytest.raises(ValueError, match=r"\.tar\.xz or \.tar\.gz"):
        make_archive(build, tmp_path / "d.zip")


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


def test_the_index_declares_the_unpacked_size_and_install_holds_it(
    tmp_path: Path, serve_dir: Path, server: FileServer
) -> None:
    from installer.errors import UnsafeArchive
    from installer.install import Installer

    build = make_fake_build(tmp_path, payload_bytes=300_000)
    entry = publish(build, serve_dir, server.url)
    installer = Installer(tmp_path / "providers", validate_timeout=30)
    installed = installer.install(entry)  # exactly what it declares: fine
    folder = installed.entrypoint.parent
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    assert entry.unpacked_size == sum(p.stat().st_size for p in files) > 300_000

    # An archive bigger than its index says (a bomb, or a swapped file) stops extracting
    # there, and nothing is installed from it.
    lying = publish(build, serve_dir, server.url, version="1.1.0", unpacked_size=100_000)
    with pytest.raises(UnsafeArchive, match="unpacked size the release index declares"):
        installer.install(lying)
    still = installer.installed("pytorch-cpu")
    assert still is not None and still.version == "1.0.0"

    # An index without the field still installs (the absolute ceiling applies).
    old = publish(build, serve_dir, server.url, version="1.2.0", unpacked_size=None)
    assert old.unpacked_size is None
    assert installer.install(old).version == "1.2.0"
