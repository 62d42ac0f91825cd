"""Release index parsing, version/spec comparison, update checks and the Auto provider choice."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from installer.compat import (
    Hardware,
    NvidiaGpu,
    check_spec,
    choose_provider,
    detect_hardware,
    gpus_from_devices,
    is_newer,
    parse_nvidia_smi,
    probe_devices,
    update_available,
)
from installer.errors import ReleaseIndexError
from installer.index import load_index

SHA = "a" * 64


def entry(pid: str, version: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": pid,
        "version": version,
        "spec_version": "1.0",
        "os": "linux",
        "arch": "x86_64",
        "url": f"https://example.invalid/{pid}-{version}.tar.gz",
        "sha256": SHA,
        "size": 10,
        "entrypoint": f"tts-provider-{pid}/tts-provider-{pid}",
    }
    base.update(kw)
    return base


def index(*entries: dict[str, Any]) -> Any:
    return load_index(
        {
            "schema_version": 1,
            "aliases": {"default": "pytorch-cpu", "nvidia": "pytorch-cuda", "metal": "mlx"},
            "providers": list(entries),
        }
    )


LINUX = Hardware("linux", "x86_64")
CPU_ONLY = index(entry("pytorch-cpu", "1.0.0"))
FULL = index(
    entry("pytorch-cpu", "1.0.0"),
    entry("pytorch-cuda", "1.0.0", requires={"cuda_driver_min": "525.60", "min_vram_mb": 4096}),
    entry("mlx", "1.0.0", os="darwin", arch="arm64", requires={"macos_min": "14.0"}),
    entry("pytorch-cpu", "1.0.0", os="darwin", arch="arm64"),
)


def test_versions_compare_as_versions_not_strings() -> None:
    assert is_newer("1.10.0", "1.9.0")
    assert not is_newer("1.9.0", "1.10.0")
    assert not is_newer("1.0", "1.0.0")
    idx = index(entry("pytorch-cpu", "1.9.0"), entry("pytorch-cpu", "1.10.0"))
    assert idx.latest("default", os_name="linux", arch="x86_64").version == "1.10.0"


def test_archive_format_is_optional_and_checked() -> None:
    assert index(entry("pytorch-cpu", "1.0.0")).providers[0].format is None  # older indexes
    for fmt in ("tar.xz", "tar.gz", "zip"):
        assert index(entry("pytorch-cpu", "1.0.0", format=fmt)).providers[0].format == fmt
    with pytest.raises(ReleaseIndexError, match="format"):
        index(entry("pytorch-cpu", "1.0.0", format="rar"))


def test_spec_compatibility() -> None:
    assert check_spec("1.0").ok and check_spec("1.7").ok and check_spec("1.10").ok
    too_new = check_spec("2.0")
    assert not too_new.ok and "update Voicebox" in too_new.reason
    too_old = check_spec("0.9")
    assert not too_old.ok and "update the provider" in too_old.reason
    assert not check_spec("banana").ok


def test_update_available_picks_the_newest_compatible() -> None:
    idx = index(
        entry("pytorch-cpu", "1.0.0"),
        entry("pytorch-cpu", "1.9.0"),
        entry("pytorch-cpu", "1.10.0"),
        entry("pytorch-cpu", "2.0.0", spec_version="2.0"),  # needs a newer core
        entry("pytorch-cpu", "1.11.0rc1"),  # pre-release: only when asked
        entry("pytorch-cpu", "9.0.0", os="darwin"),  # other platform
    )
    found = update_available(idx, "pytorch-cpu", "1.9.0", os_name="linux", arch="x86_64")
    assert found is not None and found.version == "1.10.0"
    pre = update_available(
        idx, "pytorch-cpu", "1.9.0", os_name="linux", arch="x86_64", allow_prereleases=True
    )
    assert pre is not None and pre.version == "1.11.0rc1"
    assert update_available(idx, "pytorch-cpu", "1.10.0", os_name="linux", arch="x86_64") is None


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "../etc"},
        {"id": "Pytorch"},
        {"entrypoint": "../bin/sh"},
        {"entrypoint": "/bin/sh"},
        {"entrypoint": "a\\b"},
        {"version": "one"},
        {"sha256": "xyz"},
        {"url": "file:///etc/passwd"},
        {"size": 0},
        {"os": "plan9"},
    ],
)
def test_index_rejects_unsafe_or_malformed_entries(bad: dict[str, Any]) -> None:
    with pytest.raises(ReleaseIndexError, match="release index is invalid"):
        index({**entry("pytorch-cpu", "1.0.0"), **bad})


def test_index_schema_version_and_missing_platform() -> None:
    with pytest.raises(ReleaseIndexError, match="schema_version 2 is not supported"):
        load_index({"schema_version": 2, "providers": []})
    with pytest.raises(ReleaseIndexError, match="no build of 'pytorch-cpu' for windows/x86_64"):
        CPU_ONLY.latest("default", os_name="windows", arch="x86_64")
    with pytest.raises(ReleaseIndexError):
        load_index("{not json")


def test_auto_picks_cuda_with_a_fitting_gpu() -> None:
    hw = Hardware("linux", "x86_64", (NvidiaGpu("RTX 4090", 24564, "550.54.15"),))
    choice = choose_provider(FULL, hw)
    assert choice.provider_id == "pytorch-cuda"
    assert "RTX 4090" in choice.reason and "24 GB" in choice.reason and "550.54.15" in choice.reason


def test_auto_falls_back_with_the_reason() -> None:
    small = Hardware("linux", "x86_64", (NvidiaGpu("GT 710", 2048, "550.54"),))
    choice = choose_provider(FULL, small)
    assert choice.provider_id == "pytorch-cpu"
    assert "2048 MB VRAM" in choice.reason and "needs 4096 MB" in choice.reason
    old = Hardware("linux", "x86_64", (NvidiaGpu("RTX 3060", 12288, "470.10"),))
    choice = choose_provider(FULL, old)
    assert choice.provider_id == "pytorch-cpu"
    assert "driver 470.10 is older than 525.60" in choice.reason
    no_cuda_build = choose_provider(CPU_ONLY, old)
    assert no_cuda_build.provider_id == "pytorch-cpu" and "no CUDA build" in no_cuda_build.reason
    plain = choose_provider(FULL, Hardware("linux", "x86_64", notes=("nvidia-smi not found",)))
    assert plain.provider_id == "pytorch-cpu" and "nvidia-smi not found" in plain.reason


def test_auto_on_apple_silicon() -> None:
    mac = Hardware("darwin", "arm64", macos_version="14.5")
    assert choose_provider(FULL, mac).provider_id == "mlx"
    old_mac = Hardware("darwin", "arm64", macos_version="13.6")
    choice = choose_provider(FULL, old_mac)
    assert choice.provider_id == "pytorch-cpu" and "MLX needs macOS 14.0" in choice.reason


def test_override_wins_and_is_said() -> None:
    hw = Hardware("linux", "x86_64", (NvidiaGpu("RTX 4090", 24564, "550.54"),))
    choice = choose_provider(FULL, hw, override="pytorch-cpu")
    assert choice.provider_id == "pytorch-cpu" and choice.overridden
    assert "chosen by you" in choice.reason
    with pytest.raises(ReleaseIndexError, match="'mlx' has no build for linux/x86_64"):
        choose_provider(FULL, hw, override="mlx")


def test_devices_of_an_installed_provider_count() -> None:
    devices = {
        "cuda": [{"index": 0, "name": "A100", "vram_mb": 81920, "driver": "550.1"}],
        "mps": False,
        "cpu": {"arch": "x86_64", "cores": 8, "ram_mb": 1},
    }
    choice = choose_provider(FULL, LINUX, devices=devices)
    assert choice.provider_id == "pytorch-cuda" and "A100" in choice.reason


def test_parse_nvidia_smi() -> None:
    text = "NVIDIA GeForce RTX 4090, 24564, 550.54.15\nbroken line\nX, notanumber, 1\n"
    assert parse_nvidia_smi(text) == [NvidiaGpu("NVIDIA GeForce RTX 4090", 24564, "550.54.15")]


@pytest.mark.skipif(sys.platform != "linux", reason="fake nvidia-smi is a shell script")
def test_detect_hardware_runs_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA L4, 23034, 535.104.05'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    hw = detect_hardware()
    assert hw.gpus == (NvidiaGpu("NVIDIA L4", 23034, "535.104.05"),)
    fake.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    hw = detect_hardware()
    assert hw.gpus == () and "nvidia-smi failed" in hw.notes[0]


def test_probe_devices_runs_the_installed_provider(tmp_path: Path) -> None:
    exe = tmp_path / "tts-provider-x"
    exe.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        "assert sys.argv[1:] == ['--list-devices', '--json']\n"
        "print(json.dumps({'cuda': [{'index': 0, 'name': 'L4', 'vram_mb': 23034, "
        "'driver': '535.1'}], 'mps': False, 'cpu': {}}))\n"
    )
    exe.chmod(0o755)
    devices = probe_devices(exe)
    assert devices is not None and gpus_from_devices(devices)[0].name == "L4"
    exe.write_text("#!/bin/sh\nexit 4\n")
    assert probe_devices(exe) is None
