"""Downloading and deleting Qwen models ahead of time through a real provider process
(engines qwen and piper) and a fake Hugging Face hub on 127.0.0.1 serving a tiny random-weight
model: byte progress, a downloaded model that loads, cancel by closing the stream and resume,
delete of the loaded model, Piper's packaged model refused, bad requests refused."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from provider_sdk.launch import ProviderProcess
from tests.core.fake_hub import FakeHub
from tests.providers.qwen.conftest import BASE, client_for, launch, running

pytestmark = pytest.mark.slow
FIRST = "model.safetensors"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    """Serves one tiny Base model's files (speech_tokenizer/ included) for any repo."""
    from providers.engines.qwen_random import build_random_model

    folder = tmp_path_factory.mktemp("hub") / BASE
    build_random_model(folder, model_type="base", max_new_tokens=16)
    fake = FakeHub(folder, first=FIRST)
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qwen-models-provider")


@pytest.fixture(scope="module")
def provider(hub: FakeHub, data_dir: Path) -> Iterator[ProviderProcess]:
    env = {k: v for k, v in os.environ.items() if k != "VOICEBOX_QWEN_MODEL_DIR"}
    env.update(HF_ENDPOINT=hub.url, HF_HUB_OFFLINE="0", OMP_NUM_THREADS="2")
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    command = [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "qwen,piper"]
    with running(launch(command, data_dir, env)) as process:
        yield process


@pytest.fixture(scope="module")
def http(provider: ProviderProcess) -> Iterator[httpx.Client]:
    with client_for(provider) as client:
        yield client


def models(http: httpx.Client) -> dict[str, dict[str, Any]]:
    described = http.get("/tts/describe").json()
    return {f"{e['name']}/{m['model_size']}": m for e in described["engines"] for m in e["models"]}


def download_events(http: httpx.Client, model_size: str) -> list[dict[str, Any]]:
    body = {"engine": "qwen", "model_size": model_size}
    with http.stream("POST", "/tts/models/download", json=body) as response:
        assert response.status_code == 200, response.read()
        return [json.loads(line) for line in response.iter_lines() if line.strip()]


def folder_of(data_dir: Path, repo_name: str) -> Path:
    return data_dir / "models" / "qwen" / repo_name


def test_describe_marks_qwen_managed_and_piper_packaged(http: httpx.Client) -> None:
    rows = models(http)
    qwen = [m for key, m in rows.items() if key.startswith("qwen/")]
    assert len(qwen) == 5 and all(m["managed"] and not m["downloaded"] for m in qwen)
    assert rows["piper/medium"]["downloaded"] and not rows["piper/medium"]["managed"]


def test_download_streams_progress_and_the_model_loads(
    http: httpx.Client, hub: FakeHub, data_dir: Path
) -> None:
    hub.delay_s = 0.15  # about 1.5 s in all: several progress lines
    events = download_events(http, "0.6B")
    assert events[-1]["event"] == "done", events[-3:]
    assert events[-1]["downloaded"] and not events[-1]["already"]
    progress = [e for e in events if e["event"] == "progress"]
    total = sum(len(data) for data in hub.files.values())
    assert len(progress) >= 3 and all(p["total_bytes"] == total for p in progress)
    counts = [p["downloaded_bytes"] for p in progress]
    assert counts == sorted(counts) and counts[-1] == total
    assert any(0 < c < total for c in counts), counts
    assert "Qwen/Qwen3-TTS-12Hz-0.6B-Base" in progress[0]["message"]
    target = folder_of(data_dir, "Qwen3-TTS-12Hz-0.6B-Base")
    for name, data in hub.files.items():
        assert (target / name).read_bytes() == data
    assert models(http)["qwen/0.6B"]["downloaded"]
    assert not models(http)["qwen/1.7B"]["downloaded"]
    assert http.get("/tts/status").json()["progress"] is None
    again = download_events(http, "0.6B")
    assert len(again) == 1 and again[0]["event"] == "done" and again[0]["already"]
    loaded = http.post("/tts/load", json={"engine": "qwen", "model_size": "0.6B"})
    assert loaded.status_code == 200 and loaded.json()["model_loaded"], loaded.text


def test_delete_unloads_the_loaded_model_and_removes_its_folder(
    http: httpx.Client, data_dir: Path
) -> None:
    body = {"engine": "qwen", "model_size": "0.6B"}
    assert http.get("/tts/status").json()["model_size"] == "0.6B"
    target = folder_of(data_dir, "Qwen3-TTS-12Hz-0.6B-Base")
    assert target.is_dir()
    response = http.post("/tts/models/delete", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["deleted"] and response.json()["unloaded"]
    assert not target.exists() and target.parent.is_dir()
    assert not models(http)["qwen/0.6B"]["downloaded"]
    assert not http.get("/tts/status").json()["model_loaded"]
    again = http.post("/tts/models/delete", json=body)
    assert again.status_code == 404 and again.json()["error"]["code"] == "model_not_downloaded"


def test_piper_is_packaged_and_bad_requests_are_refused(http: httpx.Client) -> None:
    refused = http.post("/tts/models/delete", json={"engine": "piper", "model_size": "medium"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "model_packaged"
    assert "packaged with the provider" in refused.json()["error"]["message"]
    assert models(http)["piper/medium"]["downloaded"]
    with http.stream(
        "POST", "/tts/models/download", json={"engine": "piper", "model_size": "medium"}
    ) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line.strip()]
    assert len(lines) == 1 and lines[0]["event"] == "done" and lines[0]["packaged"]
    unknown = http.post("/tts/models/delete", json={"engine": "qwen", "model_size": "9B"})
    assert unknown.status_code == 404 and "'9B'" in unknown.json()["error"]["message"]
    engine = http.post("/tts/models/download", json={"engine": "kokoro", "model_size": "x"})
    assert engine.status_code == 404 and "kokoro" in engine.json()["error"]["message"]
    path = http.post("/tts/models/delete", json={"engine": "qwen", "model_size": "../../etc"})
    assert path.status_code == 422 and "model_size" in path.json()["error"]["message"]


def test_closing_the_stream_cancels_and_a_new_download_resumes(
    http: httpx.Client, hub: FakeHub
) -> None:
    hub.gets.clear()
    hub.delay_s = 0.6  # the first file (3 chunks) takes about 2 s
    body = {"engine": "qwen", "model_size": "1.7B"}
    with http.stream("POST", "/tts/models/download", json=body) as response:
        for line in response.iter_lines():
            event = json.loads(line)
            assert event["event"] == "progress", event
            if event["downloaded_bytes"] > 0:
                break
    hub.delay_s = 0.0
    deadline = time.monotonic() + 20
    while http.get("/tts/status").json()["progress"] is not None:
        assert time.monotonic() < deadline, "the cancelled download did not stop"
        time.sleep(0.1)
    assert hub.gets[FIRST] == 1
    assert sum(hub.gets.values()) < len(hub.files)  # stopped before fetching every file
    assert not models(http)["qwen/1.7B"]["downloaded"]
    events = download_events(http, "1.7B")
    assert events[-1]["event"] == "done"
    assert hub.gets[FIRST] == 1  # resumed: the finished file was not fetched again
    assert models(http)["qwen/1.7B"]["downloaded"]
