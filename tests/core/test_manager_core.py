"""The ProviderManager inside a real core and as a real parent process: a provider killed during a
generation (the failure is recorded with its reason, the next request restarts it), the core
SIGKILLed (its provider exits within 3 s), stale pidfiles reaped (never a stranger), and the
selection honoured by async code on every call."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from core.settings import Settings
from core.tts.manager import ManagerConfig, ProviderManager
from core.tts.pidfile import PidFiles, record_for
from provider_sdk.launch import launch_provider
from tests.core.conftest import CoreServer, PiperProvider, start_core
from tests.core.manager_fixtures import PIPER, alive, wait_gone
from tests.core.test_generation import LONG_TEXT, preset, submit

PARENT = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    from core.tts.manager import ManagerConfig, ProviderManager

    async def main():
        config = ManagerConfig(Path(sys.argv[1]), source_command=json.loads(sys.argv[2]))
        manager = ProviderManager(config)
        await manager.start("pytorch-cpu")
        sup = manager.supervisors["pytorch-cpu"]
        print(json.dumps({"provider_pid": sup.process.pid}), flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


@pytest.fixture
def manager_core(tmp_path: Path) -> Iterator[tuple[ProviderManager, CoreServer]]:
    manager = ProviderManager(
        ManagerConfig(tmp_path / "data", source_command=PIPER, idle_unload_s=None)
    )
    server = start_core(Settings(data_dir=tmp_path / "data"), manager.selected)
    yield manager, server
    server.stop()  # the core's close stops the providers through manager.selected


def test_kill9_during_generation_is_recorded_and_next_request_restarts(
    manager_core: tuple[ProviderManager, CoreServer],
) -> None:
    manager, core = manager_core
    profile = preset(core)
    [gen] = submit(core, profile, LONG_TEXT)
    deadline = time.monotonic() + 60
    while core.http.get(f"/generations/{gen['id']}").json()["status"] != "generating":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    sup = manager.supervisors["pytorch-cpu"]
    assert sup.process is not None
    first_pid = sup.process.pid
    os.kill(first_pid, signal.SIGKILL)
    failed = core.wait(gen["id"], timeout=30)
    assert failed["status"] == "failed"
    assert "exited unexpectedly" in failed["error"] and "SIGKILL" in failed["error"], failed
    assert failed["error_code"] == "unreachable"
    [again] = submit(core, profile, "After the crash.")
    done = core.wait(again["id"], timeout=60)
    assert done["status"] == "completed", done
    assert sup.spawn_count == 2 and sup.process is not None and sup.process.pid != first_pid
    listed = manager.selected.info()
    assert listed.state == "ready" and listed.pid == sup.process.pid


def test_sigkilled_core_leaves_no_provider_after_3_s(tmp_path: Path) -> None:
    script = tmp_path / "core_like.py"
    script.write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "data"), json.dumps(PIPER)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()
        provider_pid = json.loads(line)["provider_pid"]
        assert alive(provider_pid)
        assert psutil.Process(provider_pid).ppid() == parent.pid
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        gone = wait_gone(provider_pid, timeout=3.0)
        print(f"\nprovider exited {gone} s after its core was SIGKILLed")
        assert gone is not None, "the provider outlived its SIGKILLed core by 3 s"
    finally:
        parent.kill()
        parent.wait()


def test_stale_pidfiles_are_reaped_but_strangers_are_not(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pidfiles = PidFiles(data / "run")
    keeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    # An orphan provider from "an earlier run": its parent-pid watchdog watches `keeper`, so
    # only the reaper can end it.
    orphan = launch_provider(PIPER, data_dir=tmp_path / "p", token="t0ken", parent_pid=keeper.pid)
    try:
        rec = record_for("pytorch-cpu", orphan.pid)
        assert rec is not None
        pidfiles.write(dataclasses.replace(rec, core_pid=dead.pid))  # its core is gone
        other = record_for("pytorch-cuda", stranger.pid)
        assert other is not None
        # The pid is alive but now runs something else / was started at another time.
        pidfiles.write(dataclasses.replace(other, core_pid=dead.pid, cmdline=["tts-provider"]))
        reused = dataclasses.replace(other, provider_id="mlx", create_time=other.create_time - 50)
        pidfiles.write(dataclasses.replace(reused, core_pid=dead.pid))
        manager = ProviderManager(ManagerConfig(data, source_command=PIPER))
        assert manager.reaped == [orphan.pid]
        assert wait_gone(orphan.pid, timeout=5) is not None
        assert stranger.poll() is None and alive(stranger.pid), "a stranger was killed"
        assert pidfiles.records() == []
        # A record whose core is still alive (another core on this data dir) is left alone.
        pidfiles.write(
            dataclasses.replace(
                other,
                provider_id="x",
                core_pid=keeper.pid,
                core_create_time=psutil.Process(keeper.pid).create_time(),
            )
        )
        assert ProviderManager(ManagerConfig(data, source_command=PIPER)).reaped == []
        assert stranger.poll() is None and len(pidfiles.records()) == 1
    finally:
        orphan.stop(grace_s=1)
        for proc in (keeper, stranger):
            proc.kill()
            proc.wait()


async def test_selection_is_read_on_every_async_call(tmp_path: Path, piper: PiperProvider) -> None:
    from provider_sdk.models import GenerateRequest

    manager = ProviderManager(
        ManagerConfig(tmp_path / "data", source_command=PIPER, idle_unload_s=None)
    )
    selected = manager.selected
    events: list[tuple[str, str]] = []
    manager.listeners.append(lambda pid, phase, _failure: events.append((pid, phase.value)))
    try:
        summary = await manager.set_remote(piper.url, piper.token)
        assert summary.ok, summary.message()
        await manager.select("remote")
        request = GenerateRequest(text="Over the network.", engine="piper", voice="joe")
        result = await selected.generate(request)
        assert result.sample_rate == 22_050 and selected.info().kind == "remote"
        assert manager.supervisors == {}  # nothing local was spawned for it
        await manager.select("auto")
        described = await selected.describe()  # now served by a local process it spawned
        assert selected.info().kind == "local" and manager.supervisors["pytorch-cpu"].running
        assert described.provider == "pytorch-cpu" and selected.info().pid is not None
        assert ("pytorch-cpu", "ready") in events  # the core can publish these
        # The choice persists across restarts; the idle local provider is let go.
        await manager.select("remote")
        assert not manager.supervisors["pytorch-cpu"].running
        assert events[-1] == ("pytorch-cpu", "stopped")
        assert (
            ProviderManager(ManagerConfig(tmp_path / "data"), reap=False).choice.value.active
            == "remote"
        )
    finally:
        await manager.close()
