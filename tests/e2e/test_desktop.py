"""`voicebox desktop` under Xvfb: a real process opens a real Qt WebEngine window on a real core;
a screenshot of the X display must show the app, and closing the window (WM_DELETE_WINDOW, what a
window manager's close button sends) must stop the core, free its port and leave no process
behind (provider, QtWebEngine helpers). Also SIGTERM, which takes the same path.

Needs Xvfb and the desktop extra (ci/install-desktop.sh, run by `ci/install.sh dev`); the
screenshot is kept as test-artifacts/desktop.png."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREEN = "1440x900x24"  # larger than the window, which must fit
URL_LINE = re.compile(r"Voicebox desktop on (http://127\.0\.0\.1:(\d+))")

pytestmark = pytest.mark.slow

# Grabs the X screen with Qt (already installed with the desktop extra) until the page has painted:
# many colours (text, icons) and, when known, the UI's page background covering a large share.
GRAB = r"""
import json, sys, time
import numpy as np
from PySide6.QtGui import QGuiApplication, QImage
out, timeout, backgrounds = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
app = QGuiApplication(["grab", "-platform", "xcb"])
deadline = time.monotonic() + timeout
while True:
    shot = app.primaryScreen().grabWindow(0)
    img = shot.toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    px = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.bytesPerLine() // 4 * h)
    px = px.reshape(h, -1)[:, :w] & 0xFFFFFF
    values, counts = np.unique(px, return_counts=True)
    big = counts > px.size / 200  # colours covering at least 0.5 % of the screen
    share = {f"#{v:06x}": round(float(c) / px.size, 4) for v, c in zip(values[big], counts[big])}
    page = max((share.get(b, 0.0) for b in backgrounds), default=1.0)
    ready = len(values) >= 50 and page >= 0.2
    if ready or time.monotonic() > deadline:
        break
    time.sleep(0.5)
shot.save(out)
stats = {"colours": int(len(values)), "share": share, "page": page, "ready": ready}
print(json.dumps({**stats, "size": [w, h]}))
"""


def _theme_backgrounds() -> list[str]:
    """The page background colour of each theme (`--bg` in the UI's CSS), lower-case #rrggbb."""
    found: set[str] = set()
    for css in (ROOT / "ui" / "src").rglob("*.css"):
        found.update(m.lower() for m in re.findall(r"--bg:\s*(#[0-9a-fA-F]{6})\b", css.read_text()))
    return sorted(found)


class _X11:
    """Just enough Xlib (ctypes) to find a top-level window by name and ask it to close."""

    class ClientMessage(ctypes.Structure):
        _fields_ = [  # ctypes layout
            ("type", ctypes.c_int),
            ("serial", ctypes.c_ulong),
            ("send_event", ctypes.c_int),
            ("display", ctypes.c_void_p),
            ("window", ctypes.c_ulong),
            ("message_type", ctypes.c_ulong),
            ("format", ctypes.c_int),
            ("data", ctypes.c_long * 5),
            ("pad", ctypes.c_long * 24),  # XEvent is a union of 24 longs
        ]

    def __init__(self, display: str) -> None:
        path = ctypes.util.find_library("X11") or "libX11.so.6"
        x = self.lib = ctypes.CDLL(path)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, *[ctypes.c_void_p] * 4]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XSendEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_long,
            ctypes.c_void_p,
        ]
        x.XFlush.argtypes = [ctypes.c_void_p]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.dpy = x.XOpenDisplay(display.encode())
        assert self.dpy, f"cannot open X display {display}"

    def windows_named(self, name: str) -> list[int]:
        x, root = self.lib, self.lib.XDefaultRootWindow(self.dpy)
        r, p, n = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_uint()
        children = ctypes.POINTER(ctypes.c_ulong)()
        x.XQueryTree(
            self.dpy,
            root,
            ctypes.byref(r),
            ctypes.byref(p),
            ctypes.byref(children),
            ctypes.byref(n),
        )
        found = []
        for i in range(n.value):
            title = ctypes.c_char_p()
            if x.XFetchName(self.dpy, children[i], ctypes.byref(title)) and title.value:
                if title.value.decode(errors="replace") == name:
                    found.append(children[i])
                x.XFree(title)
        if children:
            x.XFree(children)
        return found

    def close(self, window: int) -> None:
        """Send WM_DELETE_WINDOW, as a window manager does for the title bar's close button."""
        x = self.lib
        event = self.ClientMessage()
        event.type = 33  # ClientMessage
        event.window = window
        event.message_type = x.XInternAtom(self.dpy, b"WM_PROTOCOLS", 0)
        event.format = 32
        event.data[0] = x.XInternAtom(self.dpy, b"WM_DELETE_WINDOW", 0)
        event.data[1] = 0  # CurrentTime
        x.XSendEvent(self.dpy, window, 0, 0, ctypes.byref(event))
        x.XFlush(self.dpy)

    def disconnect(self) -> None:
        self.lib.XCloseDisplay(self.dpy)


@pytest.fixture(scope="module")
def ui_built() -> None:
    if not (ROOT / "ui" / "dist" / "index.html").is_file():
        subprocess.run(["bash", "ci/install-ui.sh", "build"], cwd=ROOT, check=True, timeout=300)


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.fail("Xvfb is not installed: run ci/install-desktop.sh")
    read, write = os.pipe()
    proc = subprocess.Popen(  # -displayfd: Xvfb picks a free display and reports it when ready
        [binary, "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", SCREEN],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number.isdigit(), "Xvfb did not report a display"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


class Desktop:
    """`voicebox desktop` as a subprocess; its URL from the line it prints."""

    def __init__(self, display: str, data_dir: Path, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
        env.pop("WAYLAND_DISPLAY", None)
        env.update(DISPLAY=display, VOICEBOX_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        self.data_dir = data_dir
        self.log = log
        self.lines: list[str] = []
        self.url_found = threading.Event()
        self.url = ""
        self.port = 0
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "desktop", "--data-dir", str(data_dir)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.log.open("w") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self.lines.append(line)
                match = URL_LINE.search(line)
                if match and not self.url_found.is_set():
                    self.url, self.port = match.group(1), int(match.group(2))
                    self.url_found.set()

    def output(self) -> str:
        return "".join(self.lines[-40:])

    def wait_url(self, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        while not self.url_found.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`voicebox desktop` printed no URL:\n{self.output()}")

    def descendants(self) -> list[psutil.Process]:
        try:
            return list(psutil.Process(self.proc.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        for child in [*self.descendants(), psutil.Process(self.proc.pid)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        self.proc.wait(10)


def _health(url: str) -> dict[str, object]:
    import httpx

    resp = httpx.get(f"{url}/health", timeout=5)
    resp.raise_for_status()
    return dict(resp.json())


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            pass
    return alive


def _screenshot(display: str, out: Path, timeout: float) -> dict[str, object]:
    env = {**os.environ, "DISPLAY": display}
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-c", GRAB, str(out), str(timeout), json.dumps(_theme_backgrounds())],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _assert_stops(app: Desktop, procs: list[psutil.Process], how: str) -> float:
    from core.desktop import STOP_TIMEOUT_S

    # The app's own bound on a graceful stop, plus the window's and the process's teardown.
    limit = STOP_TIMEOUT_S + 15
    t0 = time.monotonic()
    try:
        code = app.proc.wait(limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no exit within {limit:.0f} s of {how}:\n{app.output()}")
    took = time.monotonic() - t0
    assert code == 0, f"exit code {code} after {how}:\n{app.output()}"
    assert "stopping the core" in app.output()
    assert not _port_open(app.port), f"port {app.port} still open after {how}"
    deadline = time.monotonic() + 5
    while _alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [(p.pid, " ".join(p.cmdline()[:3])) for p in _alive(procs)]
    assert not left, f"processes left after {how}: {left}"
    # Also one started late (a provider the UI asked for while the window closed): its command
    # line names the data dir.
    late = [
        p.info["pid"]
        for p in psutil.process_iter(["pid", "cmdline"])
        if str(app.data_dir) in " ".join(p.info["cmdline"] or [])
    ]
    assert not late, f"processes on the test's data dir left after {how}: {late}"
    return took


def test_desktop_window_shows_the_app_and_closing_it_stops_the_core(
    ui_built: None, xvfb: str, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    app = Desktop(xvfb, tmp_path / "data", ARTIFACTS / "desktop.log")
    x11 = _X11(xvfb)
    try:
        app.wait_url()
        assert _health(app.url)["status"] == "healthy"

        # The window exists, and once the page has painted the screenshot shows the app.
        deadline = time.monotonic() + 30
        while not x11.windows_named("Voicebox"):
            assert app.proc.poll() is None, f"the desktop process exited:\n{app.output()}"
            assert time.monotonic() < deadline, f"no 'Voicebox' window:\n{app.output()}"
            time.sleep(0.2)
        stats = _screenshot(xvfb, ARTIFACTS / "desktop.png", timeout=30)
        print(f"desktop screenshot: {stats}")
        assert stats["ready"], f"the window did not show the app: {stats}\n{app.output()}"
        share = stats["share"]
        assert isinstance(share, dict)
        assert share.get("#000000", 0.0) < 0.5, "mostly black: the window did not paint"
        assert share.get("#ffffff", 0.0) < 0.9, "all white: the page did not render"

        procs = app.descendants()
        print("desktop descendants:", sorted({p.name() for p in procs}))
        assert any("QtWebEngine" in p.name() for p in procs), "no QtWebEngine process"

        for window in x11.windows_named("Voicebox"):
            x11.close(window)
        took = _assert_stops(app, procs, "closing the window")
        print(f"desktop: core stopped {took:.1f} s after the window closed")
    finally:
        x11.disconnect()
        if app.proc.poll() is None:
            app.kill()


def test_sigterm_closes_the_window_and_stops_the_core(
    ui_built: None, xvfb: str, tmp_path: Path
) -> None:
    app = Desktop(xvfb, tmp_path / "data", ARTIFACTS / "desktop-sigterm.log")
    try:
        app.wait_url()
        deadline = time.monotonic() + 30
        procs: list[psutil.Process] = []
        while time.monotonic() < deadline:  # wait for the web engine to be up
            procs = app.descendants()
            if any("QtWebEngine" in p.name() for p in procs):
                break
            time.sleep(0.2)
        app.proc.send_signal(signal.SIGTERM)
        _assert_stops(app, procs, "SIGTERM")
    finally:
        if app.proc.poll() is None:
            app.kill()


def test_missing_pywebview_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from core.cli import app

    monkeypatch.setitem(sys.modules, "webview", None)  # import webview -> ImportError
    result = CliRunner().invoke(app, ["desktop"])
    assert result.exit_code == 1
    assert "pip install 'voicebox[desktop]'" in " ".join(result.output.split())


def test_chromium_environment_for_root_without_gpu() -> None:
    from core.desktop import chromium_environment

    env = chromium_environment({}, is_root=True, has_gpu=False)
    assert env["QTWEBENGINE_CHROMIUM_FLAGS"].split() == ["--no-sandbox", "--disable-gpu"]
    assert env["QTWEBENGINE_DISABLE_SANDBOX"] == "1"
    assert env["QT_QUICK_BACKEND"] == "software"
    assert chromium_environment({}, is_root=False, has_gpu=True) == {}
    kept = chromium_environment(
        {"QTWEBENGINE_CHROMIUM_FLAGS": "--foo --no-sandbox", "QT_QUICK_BACKEND": "opengl"},
        is_root=True,
        has_gpu=False,
    )
    assert kept == {
        "QTWEBENGINE_CHROMIUM_FLAGS": "--foo --no-sandbox --disable-gpu",
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
    }


# A provider that never becomes ready: "silent" never reports listening; "unhealthy" reports a
# port where nothing answers, so the core keeps waiting for its health.
SLOW_PROVIDER = r"""
import json, os, socket, sys, time
if sys.argv[1] == "unhealthy":
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    line = {"event": "listening", "host": "127.0.0.1", "port": port, "pid": os.getpid(),
            "provider": "slow", "version": "0.0.1", "spec_version": "1.0"}
    print(json.dumps(line), flush=True)
time.sleep(3600)
"""


def _spawned(script: Path, deadline: float) -> psutil.Process:
    """The provider process running `script`, once the core has spawned it."""
    while True:
        found = [p for p in psutil.Process().children(recursive=True) if str(script) in p.cmdline()]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "the provider was never spawned"
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["close", "stop"])
@pytest.mark.parametrize("phase", ["silent", "unhealthy"])
def test_stopping_while_the_provider_starts_stops_it(how: str, phase: str, tmp_path: Path) -> None:
    """A request waits for the provider to start when the window closes ("close") or the user
    stops the provider ("stop"): the start is cancelled, the provider process stopped, and the
    core shuts down gracefully (lifespan included)."""
    import httpx

    from core.desktop import CoreServer, bind_loopback
    from core.settings import Settings

    script = tmp_path / "slow_provider.py"
    script.write_text(SLOW_PROVIDER)
    sock = bind_loopback()
    settings = Settings(
        host="127.0.0.1",
        port=sock.getsockname()[1],
        data_dir=tmp_path / "data",
        provider_command=[sys.executable, str(script), phase],
        provider_start_timeout_s=600,
    )
    server = CoreServer(settings, sock)
    server.start()
    answer: dict[str, httpx.Response | Exception] = {}

    def start_provider() -> None:
        try:
            answer["r"] = httpx.post(f"{server.url}/providers/pytorch-cpu/start", timeout=120)
        except Exception as exc:  # the server went away: also an answer
            answer["r"] = exc

    try:
        server.wait_ready()
        caller = threading.Thread(target=start_provider, daemon=True)
        caller.start()
        deadline = time.monotonic() + 60
        child = _spawned(script, deadline)
        if phase == "unhealthy":  # wait until the core has seen `listening` and polls health
            logs = settings.data_dir / "logs"
            while not any('"listening"' in f.read_text() for f in logs.rglob("*.log")):
                assert time.monotonic() < deadline, "the provider's listening line was not logged"
                time.sleep(0.05)
        if how == "stop":
            stopped = httpx.post(f"{server.url}/providers/pytorch-cpu/stop", timeout=60)
            assert stopped.status_code == 200, stopped.text
            assert stopped.json()["state"] == "stopped"
            caller.join(60)
            started = answer["r"]
            assert isinstance(started, httpx.Response) and started.status_code == 503
            assert "stopped while starting" in started.text
        assert server.stop(timeout=15), "the core did not shut down while its provider started"
        assert not _alive([child]), f"the starting provider {child.pid} was left running"
        caller.join(10)
        assert "r" in answer
    finally:
        server.stop(timeout=5)
