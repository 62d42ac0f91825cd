"""Whisper model management on a real core: list, offline download fails fast, a local
"downloaded" model is activated (persisted) and transcribes, delete rules, bad names; downloads
with byte progress, cancel by closing the stream and resume, from a fake hub on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.services.transcription import packaged_model_path
from core.services.whisper_models import REGISTRY, models_dir
from core.settings import Settings
from tests.core.conftest import CoreServer
from tests.core.fake_hub import FakeHub


@pytest.fixture
def core(make_core: Callable[..., CoreServer], monkeypatch: pytest.MonkeyPatch) -> CoreServer:
    monkeypatch.delenv("VOICEBOX_SETTINGS_FILE", raising=False)
    monkeypatch.delenv("VOICEBOX_WHISPER_MODEL", raising=False)
    return make_core(speech=False)


def fake_download(core: CoreServer, name: str) -> Path:
    """A model "downloaded" by copying the packaged tiny.en files into its folder."""
    target = models_dir(core.data_dir) / name
    shutil.copytree(packaged_model_path(), target)
    return target


def test_list_shows_packaged_active_and_the_registry(core: CoreServer) -> None:
    body = core.http.get("/models/whisper").json()
    rows = {m["name"]: m for m in body["models"]}
    assert set(rows) == set(REGISTRY)
    assert body["active"] == "tiny.en"
    tiny = rows["tiny.en"]
    assert tiny["packaged"] and tiny["downloaded"] and tiny["active"]
    base = rows["base.en"]
    assert base == {
        "name": "base.en",
        "repo_id": "Systran/faster-whisper-base.en",
        "size_mb": 145,
        "languages": "English",
        "packaged": False,
        "downloaded": False,
        "downloading": False,
        "active": False,
    }
    assert body["models_dir"] == str(models_dir(core.data_dir))


def test_download_offline_fails_fast_naming_the_repo(
    core: CoreServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    response = core.http.post("/models/whisper/small.en/download")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    error = response.json()["error"]
    assert "Systran/faster-whisper-small.en" in error["message"]
    assert "HF_HUB_OFFLINE" in error["message"]
    assert not (models_dir(core.data_dir) / "small.en").exists()


@pytest.fixture
def silent_hub() -> Iterator[str]:
    """A hub that accepts connections and never answers (what a captive or dead network does)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_download_with_an_unreachable_hub_fails_within_seconds(
    core: CoreServer, monkeypatch: pytest.MonkeyPatch, silent_hub: str
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", silent_hub)
    started = time.monotonic()
    response = core.http.post("/models/whisper/base.en/download")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert "Systran/faster-whisper-base.en" in message and "did not answer" in message
    listed = {m["name"]: m for m in core.http.get("/models/whisper").json()["models"]}
    assert not listed["base.en"]["downloading"] and not listed["base.en"]["downloaded"]


def test_a_downloaded_model_is_activated_persisted_and_transcribes(
    core: CoreServer, speech_wav: bytes
) -> None:
    assert core.http.put("/models/whisper/active", json={"name": "base.en"}).status_code == 409
    fake_download(core, "base.en")
    listed = {m["name"]: m for m in core.http.get("/models/whisper").json()["models"]}
    assert listed["base.en"]["downloaded"] and not listed["base.en"]["active"]
    response = core.http.put("/models/whisper/active", json={"name": "base.en"})
    assert response.status_code == 200, response.text
    assert response.json()["active"] == "base.en"
    assert json.loads((core.data_dir / "settings.json").read_text())["whisper_model"] == "base.en"
    assert Settings(data_dir=core.data_dir).whisper_model == "base.en"  # what the next start reads
    result = core.http.post("/transcribe", files={"file": ("s.wav", speech_wav)}).json()
    assert "fox" in result["text"].lower()
    transcriber = core.core.transcriber
    assert transcriber.model_name == "base.en"
    assert transcriber._model_source() == str(models_dir(core.data_dir) / "base.en")
    # The active one cannot be deleted; switching back frees it.
    refused = core.http.delete("/models/whisper/base.en")
    assert refused.status_code == 409 and "active" in refused.json()["error"]["message"]
    assert core.http.put("/models/whisper/active", json={"name": "tiny.en"}).status_code == 200
    assert not transcriber.loaded


def test_delete_rules_and_nothing_left_behind(core: CoreServer) -> None:
    packaged = core.http.delete("/models/whisper/tiny.en")
    assert packaged.status_code == 409 and "built into" in packaged.json()["error"]["message"]
    assert packaged_model_path().is_dir()
    missing = core.http.delete("/models/whisper/small.en")
    assert missing.status_code == 404 and "not downloaded" in missing.json()["error"]["message"]
    target = fake_download(core, "small.en")
    partial = target / ".cache" / "huggingface" / "download"
    partial.mkdir(parents=True)
    (partial / "model.bin.incomplete").write_bytes(b"x" * 10)
    assert core.http.delete("/models/whisper/small.en").status_code == 204
    assert not target.exists()
    assert list(models_dir(core.data_dir).iterdir()) == []
    rows = {m["name"]: m for m in core.http.get("/models/whisper").json()["models"]}
    assert not rows["small.en"]["downloaded"]


def test_bad_names(core: CoreServer) -> None:
    for path in ("/models/whisper/huge.en", "/models/whisper/tiny"):
        response = core.http.delete(path)
        assert response.status_code == 404, path
        assert "no Whisper model named" in response.json()["error"]["message"]
    assert core.http.post("/models/whisper/nope/download").status_code == 404
    for bad in ("a..b", "A.en", "x" * 60, ".hidden"):
        assert core.http.delete(f"/models/whisper/{bad}").status_code in (404, 422), bad
    assert core.http.post("/models/whisper/..%2F..%2Fetc/download").status_code in (404, 405, 422)
    for body in ({"name": "../../etc"}, {"name": "nope"}, {}, {"name": 3}):
        response = core.http.put("/models/whisper/active", json=body)
        assert response.status_code in (404, 422), body
    already = core.http.post("/models/whisper/tiny.en/download")
    assert already.status_code == 409


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    fake = FakeHub(packaged_model_path())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", fake.url)
    yield fake
    fake.close()


def sse_events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line.split(":", 1)[1])


def test_download_streams_byte_progress_and_the_model_works(core: CoreServer, hub: FakeHub) -> None:
    hub.delay_s = 0.01
    with core.http.stream("POST", "/models/whisper/small.en/download") as response:
        assert response.status_code == 200
        events = list(sse_events(response))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done" and kinds.count("progress") >= 2, kinds
    progress = [data for kind, data in events if kind == "progress"]
    total = sum(len(d) for d in hub.files.values())
    assert all(p["total_bytes"] == total for p in progress)
    done_bytes = [p["downloaded_bytes"] for p in progress]
    assert done_bytes == sorted(done_bytes) and done_bytes[-1] == total
    assert any(0 < b < total for b in done_bytes), done_bytes  # bytes, not only whole files
    target = models_dir(core.data_dir) / "small.en"
    for name, data in hub.files.items():
        assert (target / name).read_bytes() == data
    rows = {m["name"]: m for m in core.http.get("/models/whisper").json()["models"]}
    assert rows["small.en"]["downloaded"] and not rows["small.en"]["downloading"]
    assert core.http.put("/models/whisper/active", json={"name": "small.en"}).status_code == 200
    again = core.http.post("/models/whisper/small.en/download")
    assert again.status_code == 409 and "already downloaded" in again.json()["error"]["message"]


def test_closing_the_stream_cancels_and_a_new_download_resumes(
    core: CoreServer, hub: FakeHub
) -> None:
    hub.delay_s = 0.05  # model.bin (first) takes about 15 s
    with core.http.stream("POST", "/models/whisper/medium.en/download") as response:
        for kind, data in sse_events(response):
            assert kind == "progress"
            if data["downloaded_bytes"] > 0:
                break
    service = core.core.whisper_models
    download = service.downloads["medium.en"]
    deadline = time.monotonic() + 5
    while not download.cancel.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert download.cancel.is_set()
    busy = core.http.post("/models/whisper/medium.en/download")
    assert busy.status_code == 409 and "already downloading" in busy.json()["error"]["message"]
    hub.delay_s = 0  # the file being fetched finishes in the background; nothing after it
    assert download.finished.wait(30)
    target = models_dir(core.data_dir) / "medium.en"
    assert (target / "model.bin").is_file() and not (target / "config.json").exists()
    rows = {m["name"]: m for m in core.http.get("/models/whisper").json()["models"]}
    assert not rows["medium.en"]["downloaded"] and not rows["medium.en"]["downloading"]
    with core.http.stream("POST", "/models/whisper/medium.en/download") as response:
        kinds = [kind for kind, _ in sse_events(response)]
    assert kinds[-1] == "done"
    assert hub.gets["model.bin"] == 1  # resumed: the finished file was not fetched again
    assert core.http.delete("/models/whisper/medium.en").status_code == 204
    assert not target.exists()
