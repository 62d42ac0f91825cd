"""The install pipeline end to end over real HTTP on 127.0.0.1, with small fake builds."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from installer.download import Progress
from installer.errors import (
    ChecksumError,
    DownloadError,
    IncompatibleProvider,
    InstallerError,
    InstallInProgress,
    NotInstalled,
    ValidationFailed,
)
from installer.install import Installer
from tests.installer.fakes import make_fake_build, publish
from tests.installer.httpserver import FileServer


def run_installed(installer: Installer, pid: str = "pytorch-cpu") -> dict[str, str]:
    inst = installer.installed(pid)
    assert inst is not None
    out = subprocess.run(
        [str(inst.entrypoint), "--version", "--json"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def tree(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


def test_install_reports_progress_and_runs(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path, payload_bytes=3_000_000), serve_dir, server.url)
    events: list[Progress] = []
    inst = installer.install(entry, progress=events.append)
    assert inst.version == "1.0.0" and inst.compatibility().ok
    assert run_installed(installer)["version"] == "1.0.0"
    phases = [e.phase for e in events]
    assert phases.index("downloading") < phases.index("verifying") < phases.index("extracting")
    assert phases[-3:] == ["validating", "swapping", "done"]
    downloads = [e for e in events if e.phase == "downloading"]
    assert [e.done for e in downloads] == sorted(e.done for e in downloads)
    assert downloads[-1].done == downloads[-1].total == entry.size
    assert downloads[-1].speed > 0
    # The internal symlink survived; the work folders are gone.
    internal = inst.entrypoint.parent / "_internal"
    link = internal / "sub" / "payload-link.bin"
    assert link.is_symlink() and link.read_bytes() == (internal / "payload.bin").read_bytes()
    assert tree(installer.root / ".work") == ["pytorch-cpu.lock"]


def test_update_replaces_the_old_version(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    build = make_fake_build(tmp_path)
    installer.install(publish(build, serve_dir, server.url, version="1.0.0"))
    new = installer.install(publish(build, serve_dir, server.url, version="1.10.0"))
    assert new.version == "1.10.0"
    assert run_installed(installer)["version"] == "1.10.0"
    assert [p.version for p in installer.list_installed()] == ["1.10.0"]


def test_broken_update_is_refused_and_old_version_keeps_working(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    installer.install(publish(make_fake_build(tmp_path), serve_dir, server.url))
    broken = make_fake_build(tmp_path, version="1.1.0", broken=True)
    # package_build asks the binary for its version, which a broken build cannot answer:
    # publish the broken archive by hand from a working twin's entry.
    good_twin = publish(make_fake_build(tmp_path, version="1.1.0"), serve_dir, server.url)
    from installer.release import make_archive

    archive = serve_dir / good_twin.url.rsplit("/", 1)[1]
    sha, size = make_archive(broken, archive, compresslevel=1)
    entry = good_twin.model_copy(update={"sha256": sha, "size": size})
    with pytest.raises(ValidationFailed, match=r"exited with code 3.*boom"):
        installer.install(entry)
    assert run_installed(installer)["version"] == "1.0.0"
    assert tree(installer.root / ".work") == ["pytorch-cpu.lock"]


def test_failure_after_the_swap_rolls_back(
    tmp_path: Path,
    serve_dir: Path,
    server: FileServer,
    installer: Installer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = make_fake_build(tmp_path)
    installer.install(publish(build, serve_dir, server.url, version="1.0.0"))
    real = Installer._validate
    calls: list[Path] = []

    def fail_at_final_place(self: Installer, folder: Path, entry: object) -> object:
        calls.append(folder)
        if folder == self.root / "pytorch-cpu":
            raise ValidationFailed("simulated failure at the final place")
        return real(self, folder, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(Installer, "_validate", fail_at_final_place)
    with pytest.raises(ValidationFailed, match="rolled back"):
        installer.install(publish(build, serve_dir, server.url, version="2.0.0"))
    assert len(calls) == 2
    monkeypatch.undo()
    assert run_installed(installer)["version"] == "1.0.0"
    assert installer.installed("pytorch-cpu").version == "1.0.0"  # type: ignore[union-attr]


def test_corrupted_download_is_a_checksum_error_and_old_version_works(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    build = make_fake_build(tmp_path)
    installer.install(publish(build, serve_dir, server.url, version="1.0.0"))
    entry = publish(build, serve_dir, server.url, version="1.1.0")
    archive = serve_dir / entry.url.rsplit("/", 1)[1]
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="does not match its checksum") as err:
        installer.install(entry)
    assert entry.sha256 is not None and entry.sha256 in str(err.value)
    assert run_installed(installer)["version"] == "1.0.0"
    assert not list((installer.root / ".work").rglob("*.partial"))


def test_missing_sha256_is_refused_before_downloading(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path), serve_dir, server.url, sha256=None)
    with pytest.raises(ChecksumError, match="no sha256"):
        installer.install(entry)
    assert server.requests == []
    assert installer.installed("pytorch-cpu") is None


def test_truncated_download_resumes_with_range(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path, payload_bytes=4_000_000), serve_dir, server.url)
    path = "/" + entry.url.rsplit("/", 1)[1]
    server.faults.drop_after[path] = entry.size // 2
    installer.install(entry)
    first, second = server.requests
    assert first.range is None and 0 < first.sent < entry.size
    assert second.range == f"bytes={first.sent}-" and second.status == 206
    assert first.sent + second.sent == entry.size  # nothing downloaded twice
    assert run_installed(installer)["version"] == "1.0.0"


def test_partial_file_from_an_earlier_run_is_resumed(
    tmp_path: Path, serve_dir: Path, server: FileServer, root: Path
) -> None:
    entry = publish(make_fake_build(tmp_path, payload_bytes=2_000_000), serve_dir, server.url)
    path = "/" + entry.url.rsplit("/", 1)[1]
    server.faults.drop_after[path] = 100_000
    first = Installer(root, retries=0)  # gives up at once, like an app that was closed
    with pytest.raises(DownloadError, match="gave up"):
        first.install(entry)
    assert len(list(root.rglob("*.partial"))) == 1  # kept for resuming, also by the sweep
    Installer(root).install(entry)
    assert server.requests[-1].range == f"bytes={server.requests[0].sent}-"


def test_server_ignoring_range_restarts_cleanly(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path, payload_bytes=2_000_000), serve_dir, server.url)
    path = "/" + entry.url.rsplit("/", 1)[1]
    server.faults.drop_after[path] = 300_000
    server.faults.ignore_range.add(path)
    installer.install(entry)
    assert server.requests[1].status == 200
    assert run_installed(installer)["version"] == "1.0.0"


def test_mirrors_are_tried_in_order(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path), serve_dir, server.url)
    good = entry.url
    bad = f"{server.url}/missing.tar.gz"
    entry = entry.model_copy(update={"url": bad, "mirrors": [good]})
    installer.install(entry)
    assert [r.path for r in server.requests] == ["/missing.tar.gz", "/" + good.rsplit("/", 1)[1]]


def test_download_errors_are_reported_with_every_mirror(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path), serve_dir, server.url)
    server.faults.status["/a.tar.gz"] = 500
    entry = entry.model_copy(
        update={"url": f"{server.url}/a.tar.gz", "mirrors": ["http://127.0.0.1:9/b.tar.gz"]}
    )
    with pytest.raises(DownloadError) as err:
        installer.install(entry)
    message = str(err.value)
    assert "/a.tar.gz: HTTP 500" in message and "127.0.0.1:9/b.tar.gz" in message
    assert installer.installed("pytorch-cpu") is None


def test_a_second_concurrent_install_is_refused(
    tmp_path: Path, serve_dir: Path, server: FileServer, root: Path
) -> None:
    entry = publish(make_fake_build(tmp_path, payload_bytes=1_500_000), serve_dir, server.url)
    server.faults.hold = threading.Event()  # the first install stalls in its download
    errors: list[BaseException] = []

    def first() -> None:
        try:
            Installer(root).install(entry)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    assert server.requested.wait(10), "the first install never downloaded"
    other = Installer(root)
    with pytest.raises(InstallInProgress, match="another install"):
        other.install(entry)
    with pytest.raises(InstallInProgress):
        other.uninstall("pytorch-cpu")
    server.faults.hold.set()
    thread.join(30)
    assert errors == []
    assert other.installed("pytorch-cpu") is not None


def test_uninstall_leaves_nothing_behind(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer, root: Path
) -> None:
    installer.install(publish(make_fake_build(tmp_path), serve_dir, server.url))
    (root / ".work" / "pytorch-cpu" / "downloads").mkdir(parents=True)
    (root / ".work" / "pytorch-cpu" / "downloads" / "9.9.9@abc.archive.partial").write_bytes(b"x")
    installer.uninstall("pytorch-cpu")
    assert list(root.iterdir()) == []
    with pytest.raises(NotInstalled):
        installer.uninstall("pytorch-cpu")


def test_incompatible_spec_is_refused_before_download(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path, spec="2.0"), serve_dir, server.url)
    server.requests.clear()
    with pytest.raises(IncompatibleProvider, match=r"speaks spec 2\.0, this Voicebox accepts"):
        installer.install(entry)
    assert server.requests == []


def test_binary_must_match_the_index(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path, spec="2.0"), serve_dir, server.url)
    with pytest.raises(IncompatibleProvider, match=r"speaks spec 2\.0"):
        installer.install(entry.model_copy(update={"spec_version": "1.0"}))
    with pytest.raises(ValidationFailed, match="index promised 'pytorch-cuda'"):
        other = publish(make_fake_build(tmp_path), serve_dir, server.url)
        installer.install(other.model_copy(update={"id": "pytorch-cuda"}))
    assert (
        installer.installed("pytorch-cpu") is None and installer.installed("pytorch-cuda") is None
    )


def test_sweep_cleans_leftovers_and_restores_an_interrupted_swap(
    tmp_path: Path, serve_dir: Path, server: FileServer, root: Path
) -> None:
    Installer(root).install(publish(make_fake_build(tmp_path), serve_dir, server.url))
    work = root / ".work" / "pytorch-cpu"
    (work / "staging" / "junk").mkdir(parents=True)
    (root / ".work" / "weird name").mkdir()
    # A crash between "old -> backup" and "staging -> final": only the backup exists.
    (root / "pytorch-cpu").rename(work / "backup")
    downloads = work / "downloads"
    downloads.mkdir()
    fresh = downloads / "1.2.0@aa.archive.partial"
    stale = downloads / "1.1.0@bb.archive.partial"
    done = downloads / "1.3.0@cc.archive"
    for f in (fresh, stale, done):
        f.write_bytes(b"x")
    old = time.time() - 10 * 24 * 3600
    import os

    os.utime(stale, (old, old))
    installer = Installer(root)  # sweeps
    assert run_installed(installer)["version"] == "1.0.0"
    assert tree(root / ".work") == [
        "pytorch-cpu",
        "pytorch-cpu.lock",
        "pytorch-cpu/downloads",
        "pytorch-cpu/downloads/1.2.0@aa.archive.partial",
    ]


def test_corrupt_partial_from_an_earlier_source_is_refetched_once(
    tmp_path: Path, serve_dir: Path, server: FileServer, root: Path
) -> None:
    entry = publish(make_fake_build(tmp_path), serve_dir, server.url)
    assert entry.sha256 is not None
    downloads = root / ".work" / "pytorch-cpu" / "downloads"
    downloads.mkdir(parents=True)
    partial = downloads / f"{entry.version}@{entry.sha256[:16]}.archive.partial"
    partial.write_bytes(b"\0" * 1000)  # garbage that a resume would keep
    Installer(root).install(entry)
    assert [r.range for r in server.requests] == ["bytes=1000-", None]


class Cancelled(Exception):
    pass


def test_raising_from_progress_cancels_and_a_later_install_resumes(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    entry = publish(make_fake_build(tmp_path, payload_bytes=3_000_000), serve_dir, server.url)
    server.faults.delay_per_chunk = 0.02

    def cancel_midway(p: Progress) -> None:
        if p.phase == "downloading" and p.done > entry.size // 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        installer.install(entry, progress=cancel_midway)
    assert installer.installed("pytorch-cpu") is None
    (partial,) = installer.root.rglob("*.partial")
    kept = partial.stat().st_size
    assert 0 < kept < entry.size
    server.faults.delay_per_chunk = 0
    installer.install(entry)
    assert server.requests[-1].range == f"bytes={kept}-"


def test_before_swap_runs_after_validation_and_can_veto(
    tmp_path: Path, serve_dir: Path, server: FileServer, installer: Installer
) -> None:
    build = make_fake_build(tmp_path)
    installer.install(publish(build, serve_dir, server.url, version="1.0.0"))
    seen: list[str] = []

    def record(p: Progress) -> None:
        seen.append(p.phase)

    def stop_provider() -> None:
        seen.append("before_swap")
        assert run_installed(installer)["version"] == "1.0.0"  # old one still in place
        raise Cancelled

    with pytest.raises(Cancelled):
        installer.install(
            publish(build, serve_dir, server.url, version="1.1.0"),
            record,
            before_swap=stop_provider,
        )
    assert seen[-2:] == ["validating", "before_swap"]
    assert run_installed(installer)["version"] == "1.0.0"
    installer.install(
        publish(build, serve_dir, server.url, version="1.1.0"), before_swap=lambda: None
    )
    assert run_installed(installer)["version"] == "1.1.0"


def test_os_errors_become_installer_errors(
    tmp_path: Path,
    serve_dir: Path,
    server: FileServer,
    installer: Installer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = make_fake_build(tmp_path)
    installer.install(publish(build, serve_dir, server.url, version="1.0.0"))

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "staging")

    monkeypatch.setattr("installer.install.safe_extract", disk_full)
    with pytest.raises(InstallerError, match=r"No space left on device.*unchanged"):
        installer.install(publish(build, serve_dir, server.url, version="1.1.0"))
    assert run_installed(installer)["version"] == "1.0.0"
