"""The core endpoints the UI relies on, over real HTTP against the real app and a real SQLite
database: the provider list says what this machine can run and that the CPU provider runs from
the source checkout; selecting it, restarting it and reading its log; cancelling a running
install (a slow release server on 127.0.0.1); /health with the data folder; /describe of the
active provider; and the response shapes the OpenAPI schema declares hold for real responses."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from core.api.responses import (
    DescribeOut,
    GenerateOut,
    GenerationOut,
    HealthOut,
    HistoryPage,
    ProfileOut,
    SampleOut,
)
from core.settings import Settings
from installer.release import package_build, write_index
from tests.core.conftest import CoreServer, start_core
from tests.core.manager_fixtures import PIPER, make_wrapper_build
from tests.installer.httpserver import FileServer


@pytest.fixture
def source_core(tmp_path: Path) -> Iterator[CoreServer]:
    """A core with no installed provider: pytorch-cpu runs from source (Piper only)."""
    settings = Settings(data_dir=tmp_path / "data", provider_command=PIPER)
    server = start_core(settings)
    yield server
    server.stop()


def test_list_says_what_runs_here_and_the_cpu_provider_starts_from_source(
    source_core: CoreServer,
) -> None:
    http = source_core.http
    listed = http.get("/providers/list").json()
    [row] = listed["providers"]
    assert row["id"] == "pytorch-cpu" and row["source"] is True and row["installed"] is False
    assert row["can_run"] is True and "source" in row["reason"]
    assert row["state"] == "installed" and listed["active"] == "auto"
    support = listed["support"]
    assert set(support) == {"pytorch-cpu", "pytorch-cuda", "mlx"}
    assert support["pytorch-cpu"]["can_run"] is True
    if os.uname().sysname != "Darwin":
        assert support["mlx"]["can_run"] is False and "Apple Silicon" in support["mlx"]["reason"]
    if shutil.which("nvidia-smi") is None:
        cuda = support["pytorch-cuda"]
        assert cuda["can_run"] is False and "NVIDIA" in cuda["reason"], cuda

    selected = http.put("/providers/selection", json={"provider": "pytorch-cpu"})
    assert selected.status_code == 200 and selected.json() == {"active": "pytorch-cpu"}
    started = http.post("/providers/pytorch-cpu/start").json()
    assert started == {"provider": "pytorch-cpu", "state": "ready"}
    row = http.get("/providers/list").json()["providers"][0]
    assert row["active"] and row["state"] == "ready" and row["process"]["pid"]
    first_pid = row["process"]["pid"]

    restarted = http.post("/providers/pytorch-cpu/restart").json()
    assert restarted["state"] == "ready"
    row = http.get("/providers/list").json()["providers"][0]
    assert row["process"]["pid"] != first_pid and row["process"]["spawn_count"] == 2
    assert http.post("/providers/pytorch-cpu/test").json()["ok"] is True

    log = http.get("/providers/pytorch-cpu/log", params={"lines": 5}).json()
    assert log["provider"] == "pytorch-cpu" and log["path"].endswith("pytorch-cpu.log")
    assert 0 < len(log["lines"]) <= 5, log
    assert Path(log["path"]).is_file()


def test_log_and_cancel_refuse_clearly(source_core: CoreServer) -> None:
    http = source_core.http
    unknown = http.get("/providers/nope/log")
    assert unknown.status_code == 404 and "nope" in unknown.json()["error"]["message"]
    assert http.get("/providers/pytorch-cpu/log", params={"lines": 0}).status_code == 422
    never_started = http.get("/providers/pytorch-cpu/log").json()
    assert never_started["lines"] == []
    idle = http.post("/providers/pytorch-cpu/cancel")
    assert idle.status_code == 409
    assert "no install of pytorch-cpu is running" in idle.json()["error"]["message"]


def test_health_describe_and_declared_response_shapes(source_core: CoreServer) -> None:
    http = source_core.http
    health = HealthOut.model_validate(http.get("/health").json())
    assert health.data_dir == str(source_core.data_dir)

    described = DescribeOut.model_validate(http.get("/describe").json())
    assert described.provider == "pytorch-cpu"
    piper = next(e for e in described.engines if e.name == "piper")
    assert piper.provider == "voicebox" and piper.models[0].preset_voices

    body = {"name": "Joe", "voice_type": "preset", "preset_engine": "piper", "preset_voice": "joe"}
    created = ProfileOut.model_validate(http.post("/profiles", json=body).json())
    TypeAdapter(list[ProfileOut]).validate_python(http.get("/profiles").json())
    text = "Hello there. The quick brown fox jumps over the lazy dog near the riverbank."
    queued = http.post("/generate", json={"profile_id": created.id, "text": text})
    gen = GenerateOut.model_validate(queued.json()).generations[0]
    done = GenerationOut.model_validate(source_core.wait(gen.id))
    assert done.status == "completed" and done.audio_url
    page = HistoryPage.model_validate(http.get("/history", params={"q": "hello"}).json())
    assert [g.id for g in page.items] == [gen.id]

    wav = http.get(done.audio_url).content
    cloned = http.post("/profiles", json={"name": "Clone"}).json()
    sample = http.post(
        f"/profiles/{cloned['id']}/samples",
        files={"audio": ("s.wav", wav)},
        data={"reference_text": text},
    )
    assert sample.status_code == 201, sample.text
    SampleOut.model_validate(sample.json())
    TypeAdapter(list[SampleOut]).validate_python(
        http.get(f"/profiles/{cloned['id']}/samples").json()
    )


def _events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    event = None
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event:
            yield event, json.loads(line.split(":", 1)[1])
            event = None


def test_a_running_install_is_cancelled_and_nothing_is_installed(tmp_path: Path) -> None:
    build = make_wrapper_build(tmp_path / "build")
    (build / "padding.bin").write_bytes(os.urandom(4 * 1024 * 1024))  # incompressible
    serve = tmp_path / "serve"
    serve.mkdir()
    with FileServer(serve) as files:
        entry = package_build(build, serve, base_url=files.url, version="1.0.0", compresslevel=1)
        write_index(serve, [entry])
        files.faults.delay_per_chunk = 0.05  # about 3 s for the whole download
        settings = Settings(
            data_dir=tmp_path / "data",
            provider_index_url=f"{files.url}/index.json",
            provider_command=PIPER,
        )
        core = start_core(settings)
        try:
            seen: list[tuple[str, dict[str, Any]]] = []
            cancelled = threading.Event()
            with core.http.stream("POST", "/providers/pytorch-cpu/install") as stream:
                assert stream.status_code == 200
                for kind, body in _events(stream):
                    seen.append((kind, body))
                    if kind == "progress" and not cancelled.is_set():
                        with httpx.Client(base_url=core.url, trust_env=False) as other:
                            answer = other.post("/providers/pytorch-cpu/cancel")
                        assert answer.json() == {"provider": "pytorch-cpu", "cancelling": True}
                        cancelled.set()
            kind, body = seen[-1]
            assert kind == "error" and body["code"] == "install_cancelled", seen
            assert "cancelled" in body["message"]
            [row] = core.http.get("/providers/list").json()["providers"]
            assert row["installed"] is False and row["install"] is None
            assert not (settings.data_dir / "providers" / "pytorch-cpu").exists()
            again = core.http.post("/providers/pytorch-cpu/cancel")
            assert again.status_code == 409
        finally:
            core.stop()
