"""A real release: a frozen Piper-only provider, packaged by installer.release, served over HTTP
on 127.0.0.1, installed through the real pipeline, spawned through the launch handshake, and
asked for real speech. Then an update, and a broken update that rolls back.

The build is the real recipe, size cuts included (pruned Piper data, stripped libraries): the
speech test is what proves them harmless for Piper."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from installer.errors import ValidationFailed
from installer.index import ProviderEntry, load_index
from installer.install import Installer
from installer.release import ArchiveFormat, make_archive, package_build, write_index
from provider_sdk.client import ProviderClient
from provider_sdk.launch import launch_provider
from provider_sdk.models import GenerateRequest
from tests.installer.httpserver import FileServer
from tests.installer.realbuild import provider_build

# The first test also pays for the (cached) PyInstaller build, ~40-100 s on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def release(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FileServer, dict[str, ProviderEntry]]]:
    build, seconds = provider_build("piper-only")
    if seconds is not None:
        print(f"\nPiper-only provider build: {seconds:.0f} s")
    www = tmp_path_factory.mktemp("www")
    with FileServer(www) as server:
        entries = {}
        # 1.0.0 in the release format (tar.xz; preset 1 keeps the test fast, a release uses
        # 9e: same decoder), 1.1.0 in the old one (tar.gz): an install handles both.
        formats: dict[str, tuple[ArchiveFormat, int]] = {
            "1.0.0": ("tar.xz", 1),
            "1.1.0": ("tar.gz", 0),
        }
        for version, (fmt, level) in formats.items():
            data = package_build(
                build, www, base_url=server.url, version=version, fmt=fmt, compresslevel=level
            )
            assert data["format"] == fmt and data["url"].endswith(f".{fmt}")
            write_index(www, [data])
        index = load_index(www / "index.json")
        for entry in index.providers:
            entries[entry.version] = entry
        # A broken 1.2.0: the real build with its frozen stdlib archive damaged.
        good = entries["1.1.0"]
        broken = www / "pytorch-cpu-1.2.0-broken.tar.gz"
        info = json.dumps({"version": "1.2.0"}).encode()
        sha, size = make_archive(
            build,
            broken,
            extra_files={"_internal/base_library.zip": b"garbage", "build-info.json": info},
            compresslevel=0,
        )
        entries["broken"] = good.model_copy(
            update={
                "version": "1.2.0",
                "url": f"{server.url}/{broken.name}",
                "sha256": sha,
                "size": size,
            }
        )
        yield server, entries
    shutil.rmtree(www, ignore_errors=True)  # ~800 MB of archives


async def _generate(url: str, token: str) -> tuple[int, np.ndarray]:
    async with ProviderClient(url, token) as client:
        health = await client.health()
        assert health.provider == "pytorch-cpu"
        wav = await client.generate_wav(
            GenerateRequest(text="Hello from an installed provider.", engine="piper")
        )
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return rate, audio


def spawn_and_speak(installer: Installer, data_dir: Path, version: str) -> None:
    inst = installer.installed("pytorch-cpu")
    assert inst is not None and inst.version == version
    token = secrets.token_urlsafe(24)
    proc = launch_provider(
        [str(inst.entrypoint)], data_dir=data_dir, token=token, startup_timeout=60
    )
    try:
        assert proc.info is not None and proc.info.version == version
        rate, audio = asyncio.run(_generate(proc.url, token))
    finally:
        proc.stop(grace_s=5)
    assert rate == 22050
    assert len(audio) / rate > 0.8
    assert float(np.sqrt(np.mean(audio**2))) > 0.01  # speech, not silence


def test_install_real_release_and_generate(
    release: tuple[FileServer, dict[str, ProviderEntry]], tmp_path: Path
) -> None:
    _, entries = release
    installer = Installer(tmp_path / "providers")
    inst = installer.install(entries["1.0.0"])
    out = subprocess.run(
        [str(inst.entrypoint), "--version", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer = json.loads(out.stdout)
    assert answer == {
        "provider": "pytorch-cpu",
        "version": "1.0.0",
        "spec_version": "1.0",
        "engines": ["piper"],
    }
    assert inst.engines == ("piper",)
    spawn_and_speak(installer, tmp_path / "data", "1.0.0")
    installer.uninstall("pytorch-cpu")
    assert list((tmp_path / "providers").iterdir()) == []


def test_update_and_broken_update_rolls_back(
    release: tuple[FileServer, dict[str, ProviderEntry]], tmp_path: Path
) -> None:
    _, entries = release
    installer = Installer(tmp_path / "providers")
    installer.install(entries["1.0.0"])
    installer.install(entries["1.1.0"])
    with pytest.raises(ValidationFailed, match="exited with code"):
        installer.install(entries["broken"])
    spawn_and_speak(installer, tmp_path / "data", "1.1.0")
    installer.uninstall("pytorch-cpu")
