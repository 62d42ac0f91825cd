"""Helpers for the provider manager tests: the real Piper provider command, small real provider
stand-ins (separate processes speaking HTTP, for behaviour the real one cannot be made to show:
never listening, loading forever, no auth), a provider build wrapping the real provider for the
installer, and a uvicorn server for the providers API."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import uvicorn
from fastapi import FastAPI

PIPER = [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"]

# A stand-in provider: binds port 0, prints the listening line, answers the spec's GETs.
# MODE=loading: health says `loading`; status progress grows for PROGRESS_S seconds, then stops.
# MODE=open: healthy; checks no token (an unauthenticated port) unless STANDIN_TOKEN is set.
# STANDIN_FLAKY=1: the first request to each (method, path) loses its connection.
STANDIN = textwrap.dedent(
    """
    import json, os, sys, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    MODE = os.environ.get("STANDIN_MODE", "loading")
    PROGRESS_S = float(os.environ.get("STANDIN_PROGRESS_S", "0"))
    TOKEN = os.environ.get("STANDIN_TOKEN")
    FLAKY = os.environ.get("STANDIN_FLAKY") == "1"
    T0 = time.monotonic()
    SEEN = {}

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _gate(self):
            # Checks the token when one is set; counts authorized requests and, when flaky,
            # drops the first one per (method, path). Returns True when it may go on.
            if TOKEN and self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, {"error": {"code": "unauthorized", "message": "wrong token"}})
                return False
            key = f"{self.command} {self.path}"
            SEEN[key] = SEEN.get(key, 0) + 1
            if FLAKY and SEEN[key] == 1 and self.path != "/counts":
                self.close_connection = True
                self.connection.shutdown(2)
                return False
            return True

        def do_GET(self):
            if not self._gate():
                return
            status = "loading" if MODE == "loading" else "healthy"
            if self.path == "/counts":
                self._send(200, SEEN)
            elif self.path == "/tts/health":
                self._send(200, {"status": status, "provider": "standin", "version": "0.0.1",
                                 "spec_version": "1.0", "model": None, "device": "cpu"})
            elif self.path == "/tts/status":
                elapsed = min(time.monotonic() - T0, PROGRESS_S)
                progress = {"stage": "downloading", "engine": "x", "model_size": "m",
                            "downloaded_bytes": int(elapsed * 10) * 1000}
                self._send(200, {"model_loaded": False, "progress": progress})
            elif self.path == "/tts/describe":
                self._send(200, {"provider": "standin", "version": "0.0.1",
                                 "spec_version": "1.0", "engines": []})
            else:
                self._send(404, {"error": {"code": "not_found", "message": "no"}})

        def do_POST(self):
            if not self._gate():
                return
            self._send(404, {"error": {"code": "not_found", "message": "no"}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(json.dumps({"event": "listening", "host": "127.0.0.1",
                      "port": server.server_address[1], "pid": os.getpid(),
                      "provider": "standin", "version": "0.0.1", "spec_version": "1.0"}),
          flush=True)
    server.serve_forever()
    """
)

# A provider build for the installer that runs the real provider from this checkout; it reads
# the version a release stamps into build-info.json, like the frozen launcher does.
WRAPPER = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        with open(os.path.join(here, "build-info.json")) as f:
            version = json.load(f).get("version")
    except OSError:
        version = None
    import providers
    if version:
        providers.__version__ = version
    from providers.pytorch_cpu.__main__ import main
    sys.argv[1:1] = ["--engines", "piper"]
    sys.exit(main())
    """
)


def standin_command(tmp: Path) -> list[str]:
    script = tmp / "standin_provider.py"
    script.write_text(STANDIN, encoding="utf-8")
    return [sys.executable, str(script)]


def make_wrapper_build(parent: Path, provider: str = "pytorch-cpu") -> Path:
    name = f"tts-provider-{provider}"
    folder = parent / name
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text(WRAPPER.format(python=sys.executable), encoding="utf-8")
    exe.chmod(0o755)
    return folder


def alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def wait_gone(pid: int, timeout: float) -> float | None:
    """Seconds until `pid` is gone, or None if it outlived `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not alive(pid):
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def processes_with(marker: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if any(marker in part for part in cmdline) and proc.info["pid"] != os.getpid():
            found.append(proc.info["pid"])
    return found


class AppServer:
    """A FastAPI app on 127.0.0.1 in a thread (its own event loop, like the real core)."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app server did not start")
            time.sleep(0.01)
        return self

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
