"""The parent side of the handshake against real child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from provider_sdk.launch import ProviderStartCancelled, ProviderStartError, launch_provider


def py(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_child_that_dies_reports_exit_code_and_stderr(tmp_path: Path) -> None:
    command = py(
        "import sys; sys.stderr.write('boom: the model folder is missing\\n'); sys.exit(7)"
    )
    with pytest.raises(ProviderStartError) as caught:
        launch_provider(command, data_dir=tmp_path, token="t", startup_timeout=10)
    assert caught.value.exit_code == 7
    assert "boom: the model folder is missing" in str(caught.value)


def test_silent_child_times_out_and_is_stopped(tmp_path: Path) -> None:
    command = py("""
        import os, time
        open(os.environ['PIDFILE'], 'w').write(str(os.getpid()))
        time.sleep(60)
    """)
    pidfile = tmp_path / "pid"
    env = {**os.environ, "PIDFILE": str(pidfile)}
    started = time.monotonic()
    with pytest.raises(ProviderStartError, match="did not report listening within 1 s"):
        launch_provider(command, data_dir=tmp_path, token="t", env=env, startup_timeout=1)
    assert time.monotonic() - started < 5
    assert not psutil.pid_exists(int(pidfile.read_text()))


def test_stop_kills_the_whole_group_even_when_sigterm_is_ignored(tmp_path: Path) -> None:
    command = py("""
        import json, os, signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        grandchild = subprocess.Popen(['sleep', '60'])
        print(json.dumps({'event': 'listening', 'host': '127.0.0.1', 'port': 1,
                          'pid': os.getpid(), 'provider': 'x', 'version': '1',
                          'spec_version': '1.0', 'grandchild': grandchild.pid}), flush=True)
        print('ready', file=sys.stderr, flush=True)
        time.sleep(60)
    """)
    process = launch_provider(command, data_dir=tmp_path, token="secret", startup_timeout=10)
    assert process.info is not None and process.url == "http://127.0.0.1:1"
    log_text = (tmp_path / "provider-stdio.log").read_bytes().decode()
    grandchild = json.loads(log_text.split("[stdout] ", 1)[1].splitlines()[0])["grandchild"]
    assert psutil.pid_exists(grandchild)
    started = time.monotonic()
    code = process.stop(grace_s=0.5)
    assert code is not None and code < 0  # killed by a signal
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 3
    while psutil.pid_exists(grandchild) and psutil.Process(grandchild).status() != "zombie":
        assert time.monotonic() < deadline, "grandchild survived the group kill"
        time.sleep(0.05)
    assert process._log.closed  # no leaked log handle


def test_a_cancelled_start_stops_the_child_at_once(tmp_path: Path) -> None:
    command = py("""
        import os, time
        open(os.environ['PIDFILE'] + '.tmp', 'w').write(str(os.getpid()))
        os.replace(os.environ['PIDFILE'] + '.tmp', os.environ['PIDFILE'])
        time.sleep(60)
    """)
    pidfile = tmp_path / "pid"
    env = {**os.environ, "PIDFILE": str(pidfile)}
    cancel = threading.Event()

    def cancel_once_running() -> None:
        deadline = time.monotonic() + 30
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        cancel.set()

    threading.Thread(target=cancel_once_running, daemon=True).start()
    with pytest.raises(ProviderStartCancelled, match="cancelled"):
        launch_provider(
            command, data_dir=tmp_path, token="t", env=env, startup_timeout=600, cancel=cancel
        )
    pid = int(pidfile.read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_token_goes_through_the_environment_not_argv(tmp_path: Path) -> None:
    command = py("""
        import json, os, sys
        print(json.dumps({'event': 'listening', 'host': '127.0.0.1', 'port': 2, 'pid': 1,
                          'provider': os.environ['VOICEBOX_PROVIDER_TOKEN'],
                          'version': ' '.join(sys.argv[1:]), 'spec_version': '1.0'}), flush=True)
    """)
    process = launch_provider(command, data_dir=tmp_path, token="s3cret", startup_timeout=10)
    process.stop()
    assert process.info is not None
    assert process.info.provider == "s3cret"
    assert "s3cret" not in process.info.version
    assert "--port 0" in process.info.version and f"--parent-pid {os.getpid()}" in (
        process.info.version
    )


def test_version_json_imports_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "providers.pytorch_cpu", "--version", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    info = json.loads(result.stdout)
    assert info["provider"] == "pytorch-cpu" and info["spec_version"] == "1.0"
    assert "piper" in info["engines"]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()}
    assert not imported & {"torch", "onnxruntime", "piper", "uvicorn", "fastapi", "qwen_tts"}


def test_refuses_public_bind_without_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VOICEBOX_PROVIDER_TOKEN"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "providers.pytorch_cpu",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode != 0
    assert "refusing to listen on 0.0.0.0 without a token" in result.stderr
