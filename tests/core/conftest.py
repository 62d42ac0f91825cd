"""Fixtures: the real Piper provider (spawned once per session), real core servers on
127.0.0.1 (uvicorn in a thread, a fresh SQLite data dir each), and real speech to test with."""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from core.app import create_app
from core.settings import Settings
from provider_sdk.launch import ProviderProcess, launch_provider

PROVIDER_COMMAND = [sys.executable, "-m", "providers.pytorch_cpu"]


@dataclass
class PiperProvider:
    process: ProviderProcess
    url: str
    token: str

    def speak(self, text: str) -> bytes:
        """Real speech from the provider (WAV, 22.05 kHz) for use as test audio."""
        response = httpx.post(
            f"{self.url}/tts/generate",
            json={"text": text, "engine": "piper", "voice": "joe"},
            headers={"Authorization": f"Bearer {self.token}", "Accept": "audio/wav"},
            timeout=120,
            trust_env=False,
        )
        response.raise_for_status()
        return response.content


@pytest.fixture(scope="session")
def piper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PiperProvider]:
    token = secrets.token_urlsafe(16)
    process = launch_provider(
        PROVIDER_COMMAND,
        data_dir=tmp_path_factory.mktemp("piper"),
        token=token,
        startup_timeout=120,
    )
    yield PiperProvider(process, process.url, token)
    process.stop(grace_s=3)


@pytest.fixture(scope="session")
def speech_wav(piper: PiperProvider) -> bytes:
    """About 4-5 s of real English speech."""
    return piper.speak(
        "The quick brown fox jumps over the lazy dog. Voices are made of many small sounds."
    )


@dataclass
class CoreServer:
    url: str
    data_dir: Path
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    http: httpx.Client

    @property
    def core(self) -> Any:
        return self.app.state.core

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def wait(self, generation_id: int, timeout: float = 120) -> dict[str, Any]:
        """The generation once it is final, woken by its event stream (which starts with its
        current state and ends at a final one), not by polling."""
        final = ("completed", "failed", "cancelled")
        url = f"/generations/{generation_id}/events"
        with self.http.stream("GET", url, timeout=timeout) as events:
            for line in events.iter_lines():
                if line.startswith("data:") and json.loads(line[5:]).get("status") in final:
                    break
        gen = self.http.get(f"/generations/{generation_id}").json()
        if gen["status"] not in final:
            raise AssertionError(f"generation {generation_id} did not finish: {gen}")
        return dict(gen)

    def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Return once `condition()` holds, checking it again on every line of the app's
        event stream (each event, and the keep-alive ping every 15 s), never on a timer."""
        deadline = time.monotonic() + timeout
        with self.http.stream("GET", "/events", timeout=timeout) as events:
            if condition():
                return
            for _line in events.iter_lines():
                if condition():
                    return
                if time.monotonic() > deadline:
                    break
        raise AssertionError(what)


def start_core(settings: Settings, provider: Any | None = None) -> CoreServer:
    app = create_app(settings, provider)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the core server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    http = httpx.Client(base_url=url, timeout=120, trust_env=False, headers=headers)
    return CoreServer(url, settings.data_dir, app, server, thread, http)


@pytest.fixture
def make_core(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., CoreServer]]:
    """Start a core on 127.0.0.1. By default it uses the session's Piper provider (as a
    RemoteProvider); `speech=False` points it at a closed port instead (no provider needed)."""
    servers: list[CoreServer] = []

    def make(speech: bool = True, **overrides: Any) -> CoreServer:
        fields: dict[str, Any] = {"data_dir": tmp_path / f"data{len(servers)}"}
        if speech:
            piper: PiperProvider = request.getfixturevalue("piper")
            fields.update(provider_url=piper.url, provider_token=piper.token)
        else:
            fields.update(provider_url="http://127.0.0.1:9", provider_token="none")
        fields.update(overrides)
        server = start_core(Settings(**fields))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def core_server(make_core: Callable[..., CoreServer]) -> CoreServer:
    return make_core()


@pytest.fixture
def bare_core(make_core: Callable[..., CoreServer]) -> CoreServer:
    """A core with no reachable provider: profiles, samples, history, transcription."""
    return make_core(speech=False)


def files_under(root: Path) -> list[Path]:
    audio = root / "audio"
    return sorted(p for p in audio.rglob("*") if p.is_file()) if audio.exists() else []
