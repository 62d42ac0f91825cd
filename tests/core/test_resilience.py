"""Crashes: a provider killed mid-generation, the core killed with work queued, and the
core staying torch-free through start-up and a full generation."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.core.conftest import CoreServer
from tests.core.test_generation import LONG_TEXT, preset, submit
from tests.provider_sdk.conftest import TOKEN, serve_engines
from tests.provider_sdk.tone_engine import ToneEngine

REPO = Path(__file__).resolve().parents[2]


def wait_status(core: CoreServer | httpx.Client, gen_id: int, wanted: str, timeout: float = 60):
    http = core.http if isinstance(core, CoreServer) else core
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        gen = http.get(f"/generations/{gen_id}").json()
        if gen["status"] == wanted:
            return gen
        time.sleep(0.02)
    raise AssertionError(f"generation {gen_id} never reached {wanted}: {gen}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_provider_killed_mid_generation_fails_it_and_the_next_succeeds(
    make_core: Callable[..., CoreServer],
) -> None:
    core = make_core(speech=False, provider_url=None)  # the real LocalProvider spawns its own
    profile = preset(core)
    [victim] = submit(core, profile, LONG_TEXT)
    wait_status(core, victim["id"], "generating")
    [local] = core.http.get("/health").json()["providers"]
    assert local["kind"] == "local" and local["pid"]
    os.killpg(local["pid"], signal.SIGKILL)
    failed = core.wait(victim["id"])
    assert failed["status"] == "failed"
    assert "provider" in failed["error"] and (
        "died" in failed["error"] or "stopped" in failed["error"]
    ), failed["error"]
    [after] = submit(core, profile, "Back on my feet.")
    assert core.wait(after["id"])["status"] == "completed"
    [restarted] = core.http.get("/health").json()["providers"]
    assert restarted["pid"] and restarted["pid"] != local["pid"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(
    data_dir: Path, port: int, **env_vars: str
) -> tuple[subprocess.Popen[bytes], httpx.Client]:
    env = {**os.environ, "VOICEBOX_DATA_DIR": str(data_dir), **env_vars}
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http.get("/health").status_code == 200:
                return proc, http
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("voicebox serve did not become healthy")


def test_core_killed_with_work_queued_recovers(tmp_path: Path) -> None:
    port = _free_port()
    proc, http = _serve(tmp_path, port)
    try:
        body = {
            "name": "Joe",
            "voice_type": "preset",
            "preset_engine": "piper",
            "preset_voice": "joe",
        }
        profile = http.post("/profiles", json=body).json()["id"]
        first = http.post("/generate", json={"profile_id": profile, "text": "Done before."})
        first_id = first.json()["generations"][0]["id"]
        wait_status(http, first_id, "completed")
        long_id = http.post("/generate", json={"profile_id": profile, "text": LONG_TEXT}).json()[
            "generations"
        ][0]["id"]
        queued = [
            http.post("/generate", json={"profile_id": profile, "text": f"Queued {i}."}).json()[
                "generations"
            ][0]["id"]
            for i in range(3)
        ]
        wait_status(http, long_id, "generating")
        provider_pid = http.get("/health").json()["providers"][0]["pid"]
        proc.kill()  # SIGKILL: no shutdown code runs
        proc.wait()
    finally:
        http.close()
        if proc.poll() is None:
            proc.kill()
    # The orphaned provider notices its parent is gone and exits on its own.
    deadline = time.monotonic() + 10
    while alive(provider_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(provider_pid)
    proc, http = _serve(tmp_path, port)
    try:
        interrupted = http.get(f"/generations/{long_id}").json()
        assert interrupted["status"] == "failed"
        assert "core stopped" in interrupted["error"]
        done = http.get(f"/generations/{first_id}").json()
        assert done["status"] == "completed"
        assert http.get(done["audio_url"]).status_code == 200
        for gen_id in queued:
            assert wait_status(http, gen_id, "completed", timeout=90)["error"] is None
        assert http.get("/history").json()["total"] == 5
    finally:
        http.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.slow
def test_core_stopped_with_sigterm_fails_the_running_generation_with_the_reason(
    tmp_path: Path,
) -> None:
    """A shutdown (SIGTERM) while a generation runs: after the restart it is failed as
    interrupted, with the reason, not `cancelled` as if the user had cancelled it; what was
    queued behind it runs."""
    engine = ToneEngine()
    engine.load_gate = threading.Event()  # the model load waits: the generation stays running
    with serve_engines([engine]) as provider:
        env = {"VOICEBOX_PROVIDER_URL": provider, "VOICEBOX_PROVIDER_TOKEN": TOKEN}
        port = _free_port()
        proc, http = _serve(tmp_path, port, **env)
        try:
            body = {"name": "Tone", "voice_type": "preset", "preset_engine": "tone"}
            profile = http.post("/profiles", json=body | {"preset_voice": "a4"}).json()["id"]
            ids = [
                http.post(
                    "/generate",
                    json={"profile_id": profile, "text": text, "model_size": "preset"},
                ).json()["generations"][0]["id"]
                for text in ("Running when it stops.", "Queued behind it.")
            ]
            wait_status(http, ids[0], "generating")  # its model load is held
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)  # uvicorn shuts down, then re-raises the signal (-15)
        finally:
            http.close()
            if proc.poll() is None:
                proc.kill()
        engine.load_gate.set()
        proc, http = _serve(tmp_path, port, **env)
        try:
            running = http.get(f"/generations/{ids[0]}").json()
            assert running["status"] == "failed", running
            assert running["error_code"] == "interrupted"
            assert "shut down while this was generating" in running["error"]
            assert wait_status(http, ids[1], "completed")["error"] is None
        finally:
            http.close()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


HEAVY_CHECK = textwrap.dedent(
    """
    import json, sys, tempfile, threading, time
    import httpx, uvicorn
    from core.app import create_app
    from core.settings import Settings

    app = create_app(Settings(data_dir=tempfile.mkdtemp()))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, trust_env=False)
    heavy = ("torch", "transformers", "mlx", "providers")
    def loaded():
        return sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
    after_start = loaded()
    body = {"name": "Joe", "voice_type": "preset", "preset_engine": "piper",
            "preset_voice": "joe"}
    pid = http.post("/profiles", json=body).json()["id"]
    sentence = "The quick brown fox jumps over the lazy dog."
    gid = http.post("/generate", json={"profile_id": pid, "text": sentence}).json()[
        "generations"][0]["id"]
    while http.get(f"/generations/{gid}").json()["status"] not in ("completed", "failed"):
        time.sleep(0.05)
    gen = http.get(f"/generations/{gid}").json()
    wav = http.get(gen["audio_url"]).content
    text = http.post("/transcribe", files={"file": ("a.wav", wav)}).json()["text"]
    mp3 = http.get(gen["audio_url"], params={"format": "mp3"}).status_code
    server.should_exit = True
    print(json.dumps({"after_start": after_start, "after_generation": loaded(),
                      "status": gen["status"], "text": text, "mp3": mp3}))
    """
)


@pytest.mark.timeout(120)
def test_core_never_imports_torch_transformers_mlx_or_providers() -> None:
    result = subprocess.run(
        [sys.executable, "-c", HEAVY_CHECK],
        cwd=REPO,
        capture_output=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    report = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert report["status"] == "completed" and report["mp3"] == 200
    heard = report["text"].lower()
    # Piper samples noise, so a word may be misheard: most of the sentence must come through.
    assert sum(word in heard for word in ("quick", "brown", "fox", "lazy", "dog")) >= 3, heard
    assert report["after_start"] == [] and report["after_generation"] == [], report
