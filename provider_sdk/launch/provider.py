"""Provider side of the launch handshake.

`run_provider(spec)` is the whole `main()` of a provider executable: it answers
`--version --json` and `--list-devices --json` before anything heavy is imported, binds its
socket first (port 0 = the OS picks a free port: no race), then prints one JSON `listening`
line on stdout, serves until SIGTERM or until its parent process is gone.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import logging.handlers
import os
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provider_sdk.info import DeviceInfo
from provider_sdk.version import SPEC_VERSION

if TYPE_CHECKING:  # numpy is not needed to launch, or to answer --version
    from provider_sdk.engine import Engine

TOKEN_ENV = "VOICEBOX_PROVIDER_TOKEN"  # noqa: S105 - a variable name, not a secret
log = logging.getLogger("provider_sdk.provider")


@dataclass(frozen=True)
class ProviderSpec:
    """What a flavor executable is made of."""

    provider: str
    version: str
    engine_names: Sequence[str]
    make_engines: Callable[[Path, Sequence[str]], Sequence[Engine]]
    """Builds the named engines (a subset of `engine_names`) with the provider's data dir."""
    list_devices: Callable[[], dict[str, Any]]
    device: Callable[[], DeviceInfo] = field(default=DeviceInfo)
    preflight: Callable[[], str | None] = field(default=lambda: None)
    """Returns why this flavor cannot run on this machine, or None when it can."""


def _parser(spec: ProviderSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"tts-provider-{spec.provider}",
        description=f"Voicebox TTS provider ({spec.provider}), provider spec v{SPEC_VERSION}.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 lets the OS choose")
    parser.add_argument("--data-dir", type=Path, help="models, logs and caches live here")
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="exit when stdin reaches end of file (the parent holds its write end open)",
    )
    parser.add_argument(
        "--token-file", type=Path, help=f"read the token from this file instead of ${TOKEN_ENV}"
    )
    parser.add_argument(
        "--keep-alive",
        type=float,
        default=300.0,
        help="unload the model after this many idle seconds (0 = never)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--engines", help=f"comma-separated engines to serve (default: all of {spec.engine_names})"
    )
    parser.add_argument("--list-devices", action="store_true", help="print devices and exit")
    parser.add_argument("--json", action="store_true", help="with --version/--list-devices: JSON")
    return parser


def _default_data_dir(provider: str) -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("voicebox")) / "providers" / provider


def _setup_logging(data_dir: Path, provider: str, level: str) -> None:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    to_file = logging.handlers.RotatingFileHandler(
        logs / f"{provider}.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    to_stderr = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in (to_file, to_stderr):
        handler.setFormatter(fmt)
        root.addHandler(handler)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve_token(args: argparse.Namespace, data_dir: Path) -> str:
    """The token from --token-file or the environment; on loopback only, a generated one."""
    if args.token_file is not None:
        try:
            token = str(args.token_file.read_text(encoding="utf-8")).strip()
        except OSError as exc:
            raise SystemExit(
                f"cannot read --token-file {args.token_file}: {exc.strerror}"
            ) from None
        if not token:
            raise SystemExit(
                f"--token-file {args.token_file} is empty; put a long random token in it"
            )
        return token
    from_env = os.environ.pop(TOKEN_ENV, "").strip()
    if from_env:
        return from_env
    if not _is_loopback(args.host):
        raise SystemExit(
            f"refusing to listen on {args.host} without a token: set ${TOKEN_ENV} or pass "
            "--token-file FILE (see docs/remote-provider.md)"
        )
    token = secrets.token_urlsafe(32)
    path = data_dir / "provider-token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token)
    log.warning("no token given; generated one and wrote it to %s", path)
    return token


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


def _emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _ensure_std_streams() -> None:
    """A windowed frozen build may start with sys.stdout/sys.stderr set to None."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115


def run_provider(spec: ProviderSpec, argv: Sequence[str] | None = None) -> int:
    """Run a provider executable; returns the process exit code."""
    _ensure_std_streams()
    args = _parser(spec).parse_args(argv)
    if args.version:
        info = {
            "provider": spec.provider,
            "version": spec.version,
            "spec_version": SPEC_VERSION,
            "engines": list(spec.engine_names),
        }
        human = f"{spec.provider} {spec.version} (spec {SPEC_VERSION})"
        print(json.dumps(info) if args.json else human)
        return 0
    if args.list_devices:
        devices = spec.list_devices()
        print(json.dumps(devices) if args.json else json.dumps(devices, indent=2))
        return 0

    data_dir: Path = (args.data_dir or _default_data_dir(spec.provider)).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _setup_logging(data_dir, spec.provider, args.log_level)
    engines = list(spec.engine_names)
    if args.engines:
        engines = [name.strip() for name in args.engines.split(",") if name.strip()]
        unknown = sorted(set(engines) - set(spec.engine_names))
        if unknown or not engines:
            log.error("--engines %s: this provider has %s", args.engines, spec.engine_names)
            return 2
    problem = spec.preflight()
    if problem:
        log.error("%s", problem)
        return 3
    token = _resolve_token(args, data_dir)

    import uvicorn

    from provider_sdk.server import ProviderInfo, create_provider_app
    from provider_sdk.server.host import tune_allocator

    tune_allocator()
    app = create_provider_app(
        ProviderInfo(spec.provider, spec.version),
        spec.make_engines(data_dir, engines),
        token=token,
        device=spec.device(),
        keep_alive_s=args.keep_alive or None,
    )
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        log.error("cannot bind %s:%s: %s", args.host, args.port, exc.strerror)
        return 2
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws="none",  # the spec has no WebSocket routes: do not import a WebSocket library
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)

    def parent_gone() -> None:
        server.should_exit = True
        # If a long engine call keeps the server from stopping, do not outlive the parent.
        threading.Timer(0.75, os._exit, args=(0,)).start()

    if args.parent_pid:
        from provider_sdk.launch.watchdog import watch_parent

        watch_parent(args.parent_pid, parent_gone)
    if args.watch_stdin:
        from provider_sdk.launch.watchdog import watch_stdin

        watch_stdin(parent_gone)

    _emit(
        {
            "event": "listening",
            "host": host,
            "port": port,
            "pid": os.getpid(),
            "provider": spec.provider,
            "version": spec.version,
            "spec_version": SPEC_VERSION,
        }
    )
    log.info("listening on http://%s:%d", host, port)
    server.run(sockets=[sock])
    return 0
