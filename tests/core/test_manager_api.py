"""The providers REST API over real HTTP: a release served from 127.0.0.1 (a provider build that
runs the real Piper provider), installed with server-sent progress, selected, started, tested,
updated, a corrupted update refused with its checksum error (never swallowed), the choice kept
across restarts, uninstalled without leftovers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from core.api import errors
from core.api.deps import get_providers
from core.api.providers import router
from core.services.providers import Providers
from core.tts.manager import ManagerConfig, ProviderManager
from installer.release import package_build, write_index
from provider_sdk.models import GenerateRequest
from tests.core.conftest import CoreServer
from tests.core.manager_fixtures import AppServer, make_wrapper_build
from tests.core.test_generation import preset
from tests.installer.httpserver import FileServer


def sse(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in response.text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":"
        )
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events


def make_app(manager: ProviderManager) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await manager.close()

    app = FastAPI(lifespan=lifespan)
    errors.install(app)
    app.include_router(router)
    app.dependency_overrides[get_providers] = lambda: Providers(manager)
    return app


@pytest.fixture
def release(tmp_path: Path) -> Iterator[tuple[FileServer, Path, Path]]:
    serve = tmp_path / "serve"
    serve.mkdir()
    build = make_wrapper_build(tmp_path / "build")
    with FileServer(serve) as server:
        yield server, serve, build


def publish(server: FileServer, serve: Path, build: Path, version: str, **over: Any) -> None:
    entry = package_build(build, serve, base_url=server.url, version=version, compresslevel=1)
    entry.update(over)
    write_index(serve, [entry])


def test_install_select_start_update_corrupt_uninstall(
    tmp_path: Path, release: tuple[FileServer, Path, Path]
) -> None:
    server, serve, build = release
    publish(server, serve, build, "1.0.0")
    data = tmp_path / "data"
    config = ManagerConfig(
        data, index_url=f"{server.url}/index.json", source_command=None, idle_unload_s=None
    )
    with AppServer(make_app(ProviderManager(config))) as app:
        http = httpx.Client(base_url=app.url, timeout=120, trust_env=False)
        listed = http.get("/providers/list").json()
        [row] = listed["providers"]
        assert row["id"] == "pytorch-cpu" and row["installed"] is False
        assert row["available_version"] == "1.0.0" and row["state"] == "not_installed"
        assert row["download_bytes"] > 0 and listed["active"] == "auto"
        assert listed["recommended"]["provider"] == "pytorch-cpu"
        assert "pytorch-cpu" in listed["recommended"]["reason"]

        installed = http.post("/providers/pytorch-cpu/install")
        assert installed.headers["content-type"].startswith("text/event-stream")
        events = sse(installed)
        kinds = [kind for kind, _ in events]
        assert kinds[-1] == "done" and "progress" in kinds, events
        steps = [body["step"] for kind, body in events if kind == "progress"]
        assert "downloading" in steps and "validating" in steps and steps[-1] == "done"
        assert events[-1][1]["version"] == "1.0.0"

        row = http.get("/providers/list").json()["providers"][0]
        assert row["installed"] and row["installed_version"] == "1.0.0" and row["compatible"]
        assert row["state"] == "installed" and row["installed_bytes"] > 0

        assert http.put("/providers/selection", json={"provider": "pytorch-cpu"}).status_code == 200
        started = http.post("/providers/pytorch-cpu/start").json()
        assert started["state"] == "ready"
        tested = http.post("/providers/pytorch-cpu/test").json()
        assert tested["ok"] and tested["health"]["version"] == "1.0.0"
        row = http.get("/providers/list").json()["providers"][0]
        assert row["active"] and row["state"] == "ready" and row["process"]["pid"]
        assert row["process"]["model_loaded"] is False

        publish(server, serve, build, "1.1.0")
        row = http.get("/providers/list", params={"refresh": "true"}).json()["providers"][0]
        assert row["update_available"] == "1.1.0"
        events = sse(http.post("/providers/pytorch-cpu/update"))
        kind, body = events[-1]
        assert kind == "done" and body["version"] == "1.1.0" and "piper" in body["engines"]
        tested = http.post("/providers/pytorch-cpu/test").json()
        assert tested["health"]["version"] == "1.1.0"  # restarted lazily on the new build

        # A corrupted download: the error reaches the client and the list; 1.1.0 keeps working.
        publish(server, serve, build, "1.2.0", sha256="0" * 64)
        events = sse(http.post("/providers/pytorch-cpu/update"))
        kind, body = events[-1]
        assert kind == "error" and body["code"] == "checksum_error", events
        assert "sha256" in body["message"].lower()
        row = http.get("/providers/list").json()["providers"][0]
        assert row["installed_version"] == "1.1.0"
        assert row["install"]["phase"] == "failed" and "sha256" in row["install"]["error"].lower()
        assert http.post("/providers/pytorch-cpu/test").json()["health"]["version"] == "1.1.0"

        # An installed provider speaking a spec this core does not accept is never started.
        http.post("/providers/pytorch-cpu/stop")
        manifest = data / "providers" / "pytorch-cpu" / ".voicebox-install.json"
        original = manifest.read_text()
        manifest.write_text(json.dumps({**json.loads(original), "spec_version": "9.0"}))
        refused = http.post("/providers/pytorch-cpu/start")
        assert refused.status_code == 503 and "cannot be started" in refused.text
        row = http.get("/providers/list").json()["providers"][0]
        assert row["compatible"] is False and "update Voicebox" in row["compatibility"]
        manifest.write_text(original)

        as_query = http.put("/providers/selection", params={"provider": "remote"})
        assert as_query.status_code == 422  # bodies are JSON bodies, never query parameters
        bad = http.put("/providers/selection", json={"provider": "nope"})
        assert bad.status_code == 404 and "not installed" in bad.json()["error"]["message"]
        stopped = http.post("/providers/pytorch-cpu/stop").json()
        assert stopped["state"] == "stopped"

    # The choice survives a restart of the core, and the installed build speaks.
    async def speak() -> tuple[list[int], float, int]:
        again = ProviderManager(config)
        assert again.active_id() == "pytorch-cpu"
        try:
            result = await again.selected.generate(
                GenerateRequest(text="Installed and speaking.", engine="piper", voice="joe")
            )
        finally:
            await again.close()
        return again.reaped, result.duration, result.sample_rate

    reaped, duration, rate = asyncio.run(speak())
    assert reaped == [] and duration > 0.5 and rate == 22_050  # nothing was left running
    manager = ProviderManager(config)
    assert manager.choice.value.active == "pytorch-cpu"
    with AppServer(make_app(manager)) as app:
        http = httpx.Client(base_url=app.url, timeout=120, trust_env=False)
        assert http.delete("/providers/pytorch-cpu").status_code == 204
        listed = http.get("/providers/list").json()
        assert listed["active"] == "auto" and listed["providers"][0]["installed"] is False
        assert not (data / "providers" / "pytorch-cpu").exists()
        missing = http.post("/providers/pytorch-cpu/start")
        assert missing.status_code == 404 and "install it first" in missing.text


def test_remote_and_openai_settings_over_http(
    tmp_path: Path, piper: Any, make_core: Callable[..., CoreServer]
) -> None:
    manager = ProviderManager(
        ManagerConfig(tmp_path / "data", source_command=None, use_keyring=False)
    )
    with AppServer(make_app(manager)) as app:
        http = httpx.Client(base_url=app.url, timeout=120, trust_env=False)
        wrong = http.put("/providers/remote", json={"url": piper.url, "token": "wrong"})
        assert wrong.status_code == 401 and "refused the token" in wrong.json()["error"]["message"]
        assert manager.choice.value.remote is None  # nothing saved on failure
        saved = http.put("/providers/remote", json={"url": piper.url, "token": piper.token})
        assert saved.status_code == 200 and saved.json()["conformance"]["ok"]
        assert http.put("/providers/selection", json={"provider": "remote"}).status_code == 200
        tested = http.post("/providers/remote/test").json()
        assert tested["ok"] and tested["conformance"]["ok"]
        second = make_core()
        preset(second, "Joe")
        body = {"api_key": "sk-abc", "base_url": f"{second.url}/v1", "voices": ["Joe"]}
        key = http.put("/providers/openai", json=body)
        assert key.json()["key_storage"].startswith("file")
        listed = http.get("/providers/list").json()
        assert listed["openai"]["key_set"] and listed["remote"]["active"]
        assert http.put("/providers/selection", json={"provider": "openai"}).status_code == 200
        tested = http.post("/providers/openai/test").json()
        assert tested["ok"] and tested["health"]["device"] == f"{second.url}/v1"
        assert http.get("/providers/list").json()["openai"]["active"]
        assert http.put("/providers/selection", json={"provider": "remote"}).status_code == 200
        assert listed["remote"]["url"] == piper.url and "sk-abc" not in json.dumps(listed)
        assert piper.token not in (tmp_path / "data" / "provider-choice.json").read_text()
