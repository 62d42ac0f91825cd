"""Speech model management on a real core (/models/tts): Piper's packaged model listed and its
delete refused with the provider's own message (the real Piper provider); OpenAI's hosted
models refused; and a Qwen model downloaded with byte progress, cancelled by closing the
stream, resumed and deleted through the core's own spawned provider process and a fake hub on
127.0.0.1 (HF_ENDPOINT, inherited by the provider)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.api.responses import TtsModelList
from core.settings import Settings
from core.tts.openai_provider import OpenAIProvider
from tests.core.conftest import CoreServer, start_core
from tests.core.fake_hub import FakeHub

REPO = Path(__file__).resolve().parents[2]
BASE = "Qwen3-TTS-12Hz-0.6B-Base"
FIRST = "model.safetensors"
BUILD = (
    "import sys; from pathlib import Path;"
    "from providers.engines.qwen_random import build_random_model;"
    "build_random_model(Path(sys.argv[1]), model_type='base', max_new_tokens=16)"
)


def sse_events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line.split(":", 1)[1])


def rows(core: CoreServer) -> dict[str, dict[str, Any]]:
    response = core.http.get("/models/tts")
    assert response.status_code == 200, response.text
    listed = TtsModelList.model_validate(response.json())
    return {
        f"{e.name}/{m.model_size}": {"provider": e.provider, **m.model_dump()}
        for e in listed.engines
        for m in e.models
    }


def test_piper_is_listed_packaged_and_its_delete_is_refused(core_server: CoreServer) -> None:
    http = core_server.http
    piper = rows(core_server)["piper/medium"]
    assert piper["provider"] == "remote" and piper["availability"] == "packaged"
    assert piper["downloaded"] and not piper["downloading"]
    refused = http.delete("/models/tts/piper/medium")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "model_packaged"
    assert "piper/medium is packaged with the provider" in error["message"]
    assert rows(core_server)["piper/medium"]["downloaded"]
    with http.stream("POST", "/models/tts/piper/medium/download") as response:
        assert response.status_code == 200
        events = list(sse_events(response))
    assert [kind for kind, _ in events] == ["done"] and events[0][1]["packaged"]

    unknown_engine = http.delete("/models/tts/nosuch/medium")
    assert unknown_engine.status_code == 404
    assert unknown_engine.json()["error"]["param"] == "engine"
    assert "nosuch" in unknown_engine.json()["error"]["message"]
    unknown_size = http.post("/models/tts/piper/huge/download")
    assert unknown_size.status_code == 404
    assert unknown_size.json()["error"]["param"] == "model_size"
    assert "'huge'" in unknown_size.json()["error"]["message"]
    odd = http.delete("/models/tts/piper/.hidden")
    assert odd.status_code == 422 and odd.json()["error"]["param"] == "model_size"


def test_openai_models_are_hosted_and_refused(tmp_path: Path) -> None:
    core = start_core(Settings(data_dir=tmp_path / "data"), OpenAIProvider("openai", None))
    try:
        listed = rows(core)
        assert listed["openai/tts-1"]["availability"] == "hosted"
        deleted = core.http.delete("/models/tts/openai/tts-1")
        assert deleted.status_code == 409 and "OpenAI's servers" in deleted.text
        download = core.http.post("/models/tts/openai/tts-1/download")
        assert download.status_code == 409 and "nothing on this computer" in download.text
        assert "text/event-stream" not in download.headers.get("content-type", "")
        # No engine of this provider clones or designs: it says so and names the choice that can.
        listed = TtsModelList.model_validate(core.http.get("/models/tts").json())
        assert listed.for_voice_type.cloned is None and listed.for_voice_type.designed is None
        assert listed.for_voice_type.preset is not None
        assert "OpenAI's speech API cannot clone voices" in (listed.unavailable.cloned or "")
        assert listed.unavailable.preset is None
        made = core.http.post(
            "/profiles",
            json={"name": "Narrator", "voice_type": "designed", "description": "A calm voice"},
        )
        assert made.status_code == 201, made.text
        refused = core.http.post(
            "/generate", json={"profile_id": made.json()["id"], "text": "Hello."}
        )
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "capability_unavailable" and error["param"] == "provider"
        assert error["settings"] == "provider"
        assert "cannot design voices" in error["message"]
        assert "Choose 'This computer' in Settings → Provider" in error["message"]
    finally:
        core.stop()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    """A fake hub serving a tiny random-weight Qwen model, built in a subprocess (the test
    process never imports torch)."""
    import importlib.util

    if importlib.util.find_spec("qwen_tts") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("the qwen extra (torch, qwen-tts) is not installed")
    folder = tmp_path_factory.mktemp("hub") / BASE
    result = subprocess.run(
        [sys.executable, "-c", BUILD, str(folder)],
        cwd=REPO,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    fake = FakeHub(folder, first=FIRST)
    yield fake
    fake.close()


@pytest.fixture
def qwen_core(
    make_core: Callable[..., CoreServer], hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> CoreServer:
    """A core whose own spawned provider (piper + qwen, from source) reaches the fake hub."""
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("VOICEBOX_QWEN_MODEL_DIR", raising=False)
    return make_core(speech=False, provider_url=None)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_qwen_download_cancel_resume_and_delete(qwen_core: CoreServer, hub: FakeHub) -> None:
    http = qwen_core.http
    before = rows(qwen_core)["qwen/0.6B"]
    assert before["availability"] == "downloadable" and not before["downloaded"]
    assert before["provider"] == "pytorch-cpu"

    hub.gets.clear()
    hub.delay_s = 0.6  # the first file (3 chunks) takes about 2 s
    with http.stream("POST", "/models/tts/qwen/0.6B/download") as response:
        assert response.status_code == 200
        for kind, data in sse_events(response):
            assert kind == "progress", data
            if data["downloaded_bytes"] > 0:
                assert rows(qwen_core)["qwen/0.6B"]["downloading"]
                refused = http.delete("/models/tts/qwen/0.6B")
                assert refused.status_code == 409 and "cancel the download" in refused.text
                break
    hub.delay_s = 0.0
    time.sleep(3)  # the provider finishes the file it was fetching, then stops
    assert hub.gets[FIRST] == 1
    assert sum(hub.gets.values()) < len(hub.files), hub.gets  # cancelled: not every file
    after = rows(qwen_core)["qwen/0.6B"]
    assert not after["downloaded"] and not after["downloading"]

    with http.stream("POST", "/models/tts/qwen/0.6B/download") as response:
        events = list(sse_events(response))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done" and "progress" in kinds, kinds
    total = sum(len(d) for d in hub.files.values())
    progress = [d for kind, d in events if kind == "progress"]
    assert all(p["total_bytes"] == total for p in progress)
    assert progress[-1]["downloaded_bytes"] == total
    assert hub.gets[FIRST] == 1  # resumed: the finished file was not fetched again
    assert rows(qwen_core)["qwen/0.6B"]["downloaded"]
    folder = qwen_core.data_dir / "provider-data" / "pytorch-cpu" / "models" / "qwen" / BASE
    assert folder.is_dir()

    nothing = http.post("/models/tts/qwen/0.6B/cancel")
    assert nothing.status_code == 200 and not nothing.json()["cancelled"]
    deleted = http.delete("/models/tts/qwen/0.6B")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted"] and not deleted.json()["downloaded"]
    assert not folder.exists()
    assert not rows(qwen_core)["qwen/0.6B"]["downloaded"]
    again = http.delete("/models/tts/qwen/0.6B")
    assert again.status_code == 404 and "not downloaded" in again.text
