"""`voicebox desktop`: the app in a native window (pywebview), with its own core server.

The core runs in a background thread on 127.0.0.1 and a port the OS picks: the socket is bound
here and handed to uvicorn, so no other process can take the port between choosing and serving.
Once /health answers, a pywebview window opens on it. When the window closes (or the process gets
SIGTERM / SIGINT, which close the window), uvicorn shuts down gracefully: requests still running
after REQUEST_GRACE_S are cancelled (a provider start one waits for is cancelled with it, and the
starting process stopped), then the app's lifespan closes the core, which stops any provider
process it started.

pywebview is an optional extra (`pip install 'voicebox[desktop]'`). On Linux it is driven through
Qt 6 (PySide6 + QtWebEngine from PyPI); macOS and Windows use their system web views.
QtWebEngine (Chromium) refuses to run as root without `--no-sandbox`, and on a machine without a
GPU render node it is started with `--disable-gpu` and Qt Quick's software renderer: see
`chromium_environment`. Both only fill in variables the user has not set.

The core never imports pywebview or Qt at module level: only this module does, lazily.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from core.settings import Settings

INSTALL_HINT = "install the desktop extra: pip install 'voicebox[desktop]'"
# What the Qt xcb platform plugin and QtWebEngine need on Debian / Ubuntu (most desktops have
# them; minimal and container images do not).
LINUX_PACKAGES = (
    "libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 "
    "libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 "
    "libnss3 libasound2 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libdbus-1-3"
)
HEALTH_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
REQUEST_GRACE_S = 3
"""On shutdown, requests still running after this long are cancelled (one waiting for a
provider that is still starting would otherwise hold the shutdown until the provider is up)."""


class DesktopError(RuntimeError):
    """The desktop window cannot start here; the message says what to install or set."""


@dataclass
class _Gui:
    webview: Any
    gui: str | None  # pywebview's backend name; None = the platform's default


def chromium_environment(
    environ: Mapping[str, str], *, is_root: bool, has_gpu: bool
) -> dict[str, str]:
    """The variables to add so QtWebEngine starts as root and without a GPU.

    Root: Chromium's sandbox refuses to run as root, so `--no-sandbox`
    (QTWEBENGINE_DISABLE_SANDBOX=1 and the flag). No GPU render node: `--disable-gpu` and Qt
    Quick's software backend, so nothing tries to open a GL context that does not exist.
    Variables the user set are kept as they are."""
    flags = environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    wanted = []
    out: dict[str, str] = {}
    if is_root:
        wanted.append("--no-sandbox")
        if "QTWEBENGINE_DISABLE_SANDBOX" not in environ:
            out["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    if not has_gpu:
        wanted.append("--disable-gpu")
        if "QT_QUICK_BACKEND" not in environ:
            out["QT_QUICK_BACKEND"] = "software"
    added = [f for f in wanted if f not in flags]
    if added:
        out["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([*flags, *added])
    return out


def _has_gpu() -> bool:
    return bool(glob.glob("/dev/dri/renderD*"))


def _missing_qt_libraries() -> list[str]:
    """System libraries the Qt xcb plugin cannot find (ldd), else [] (also when unsure)."""
    try:
        import PySide6  # noqa: F401  (the plugin's location)
    except ImportError:
        return []
    plugin = Path(sys.modules["PySide6"].__file__ or "").parent / (
        "Qt/plugins/platforms/libqxcb.so"
    )
    ldd = shutil.which("ldd")
    if not plugin.is_file() or ldd is None:
        return []
    try:
        out = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def load_gui() -> _Gui:
    """Import pywebview and, on Linux, its Qt backend; DesktopError says what is missing."""
    try:
        import webview
    except ImportError:
        raise DesktopError(f"pywebview is not installed; {INSTALL_HINT}") from None
    if not sys.platform.startswith("linux"):
        return _Gui(webview, None)
    if os.environ.get("PYWEBVIEW_GUI"):  # the user picked a backend (e.g. gtk)
        return _Gui(webview, None)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise DesktopError(
            "no display: DISPLAY and WAYLAND_DISPLAY are unset (run it in a desktop session, "
            "or under Xvfb: xvfb-run voicebox desktop)"
        )
    if "QT_API" not in os.environ and importlib.util.find_spec("PySide6") is not None:
        os.environ["QT_API"] = "pyside6"  # the extra's binding, even if PyQt5 is around too
    try:
        import qtpy  # noqa: F401
        from qtpy import QtWebEngineWidgets  # noqa: F401
    except ImportError as exc:
        detail = str(exc)
        if ".so" in detail:  # a system library QtWebEngine links against is missing
            raise DesktopError(
                f"QtWebEngine cannot load ({detail}); install the system libraries, on "
                f"Debian/Ubuntu: sudo apt-get install {LINUX_PACKAGES}"
            ) from None
        raise DesktopError(f"Qt 6 WebEngine is missing ({detail}); {INSTALL_HINT}") from None
    except Exception as exc:  # qtpy raises its own error when no binding is installed
        raise DesktopError(f"no Qt binding ({exc}); {INSTALL_HINT}") from None
    if os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        missing = _missing_qt_libraries()
        if missing:
            raise DesktopError(
                f"Qt's X11 plugin needs {', '.join(missing)}; on Debian/Ubuntu: "
                f"sudo apt-get install {LINUX_PACKAGES}"
            )
    return _Gui(webview, "qt")


def bind_loopback() -> socket.socket:
    """A listening-ready TCP socket on 127.0.0.1 with a port the OS chose."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections queue from now on; uvicorn serves them once started
    return sock


class CoreServer:
    """The core app under uvicorn in a background thread, on a socket bound beforehand."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        import uvicorn

        from core.app import create_app

        self.sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            create_app(settings),
            log_level="warning",
            ws="none",  # no websockets: skip importing them
            lifespan="on",
            timeout_graceful_shutdown=REQUEST_GRACE_S,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._serve, name="voicebox-core", daemon=True)
        self.error: BaseException | None = None

    def _serve(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # reported by wait_ready / stop
            self.error = exc

    def start(self) -> None:
        self.thread.start()

    def wait_ready(self, timeout: float = HEALTH_TIMEOUT_S) -> None:
        """Until GET /health answers 200; DesktopError if the server died or took too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                why = repr(self.error) if self.error else "see the log above"
                raise DesktopError(f"the core server stopped while starting ({why})")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise DesktopError(f"the core did not answer {self.url}/health within {timeout:.0f} s")

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Graceful shutdown (lifespan: the core closes, its provider stops); True when done."""
        self.server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(5)
        with contextlib.suppress(OSError):
            self.sock.close()
        return not self.thread.is_alive()


def _close_on_signals(window: Any) -> None:
    """SIGTERM / SIGINT close the window, so shutdown takes the same path as the close button.

    (pywebview's Qt backend runs a timer that lets Python signal handlers run inside Qt's loop.)"""

    def handler(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=window.destroy, name="voicebox-close", daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def run_desktop(
    data_dir: Path | None = None,
    *,
    width: int = 1280,
    height: int = 820,
    debug: bool = False,
) -> int:
    """Start the core, open the window, stop the core when it closes. Returns an exit code."""
    gui = load_gui()
    if sys.platform.startswith("linux") and gui.gui == "qt":
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        os.environ.update(chromium_environment(os.environ, is_root=is_root, has_gpu=_has_gpu()))

    extra: dict[str, Any] = {}
    if data_dir is not None:
        extra["data_dir"] = data_dir
    sock = bind_loopback()
    settings = Settings(host="127.0.0.1", port=sock.getsockname()[1], **extra)
    from core.app import default_ui_dir

    ui_dir = settings.ui_dir or default_ui_dir()
    if not (ui_dir / "index.html").is_file():
        sock.close()
        raise DesktopError(f"the UI is not built ({ui_dir}): run bash ci/install-ui.sh build")
    server = CoreServer(settings, sock)
    server.start()
    try:
        server.wait_ready()
    except DesktopError:
        server.stop()
        raise
    print(f"Voicebox desktop on {server.url} (data: {settings.data_dir})", flush=True)

    webview = gui.webview
    window = webview.create_window(
        "Voicebox",
        server.url,
        width=width,
        height=height,
        min_size=(900, 600),
        background_color="#f6f6f8",  # the light theme's page colour, until the page paints
        text_select=True,
    )
    _close_on_signals(window)
    storage = settings.data_dir / "webview"
    storage.mkdir(parents=True, exist_ok=True)
    try:
        webview.start(gui=gui.gui, debug=debug, private_mode=False, storage_path=str(storage))
    except Exception as exc:  # pywebview found no usable backend, or it failed to start
        raise DesktopError(f"the window could not open ({exc}); {INSTALL_HINT}") from exc
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second signal ends it at once
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("Voicebox desktop: window closed, stopping the core", flush=True)
        stopped = server.stop()
    if not stopped:
        print("Voicebox desktop: the core did not stop in time", file=sys.stderr, flush=True)
        return 1
    return 0
