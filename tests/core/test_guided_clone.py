"""Voice cloning from a fresh data folder, without a browser: a real core whose own provider
process (Piper + Qwen3-TTS, from source) downloads a tiny random-weight model from a fake hub on
127.0.0.1. A request that needs a model not on this machine is a 409 naming the model, its size,
the download request, the CLI command and the folder to copy it into; after the download the
same request succeeds; a model copied into that folder is picked up without a restart; a second
download request joins the running one; preset voices are previewed; the wizard's first-run
flag lives in the data folder."""

from __future__ import annotations

import io
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import soundfile as sf

from core.api.responses import TtsModelList
from core.settings import Settings
from tests.core.conftest import CoreServer, start_core
from tests.core.fake_hub import FakeHub, build_tiny_qwen_base

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
BASE = "Qwen3-TTS-12Hz-0.6B-Base"
INTERNAL = ("Errno", "PipelineStatus", "DEMUXER", "Traceback", "GET /profiles", "Exception")


def clean(text: str) -> None:
    for word in INTERNAL:
        assert word not in text, f"{word!r} leaked into: {text}"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    """A fake hub serving one tiny Base model for any repo, built in a subprocess (this test
    process never imports torch)."""
    import importlib.util

    if importlib.util.find_spec("qwen_tts") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("the qwen extra (torch, qwen-tts) is not installed")
    folder = build_tiny_qwen_base(tmp_path_factory.mktemp("hub") / BASE)
    fake = FakeHub(folder, first="model.safetensors")
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def core(hub: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreServer]:
    """One core for the module; its provider (spawned from source) reaches the fake hub."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_ENDPOINT", hub.url)
        patch.setenv("HF_HUB_OFFLINE", "0")
        patch.delenv("VOICEBOX_QWEN_MODEL_DIR", raising=False)
        patch.delenv("VOICEBOX_PROVIDER_URL", raising=False)
        data = tmp_path_factory.mktemp("guided") / "data"
        server = start_core(Settings(data_dir=data, provider_url=None))
        try:
            yield server
        finally:
            server.stop()


def models(core: CoreServer) -> TtsModelList:
    response = core.http.get("/models/tts")
    assert response.status_code == 200, response.text
    return TtsModelList.model_validate(response.json())


def row(core: CoreServer, engine: str, size: str) -> dict[str, Any]:
    for e in models(core).engines:
        for m in e.models:
            if (e.name, m.model_size) == (engine, size):
                return m.model_dump()
    raise AssertionError(f"{engine}/{size} is not listed")


def sse(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    kind = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield kind, json.loads(line.split(":", 1)[1])


@pytest.fixture(scope="module")
def sample_wav(core: CoreServer) -> bytes:
    """Real speech to clone from: a Piper preset voice spoken through the same core."""
    http = core.http
    joe = http.post(
        "/profiles",
        json={
            "name": "Joe",
            "voice_type": "preset",
            "preset_engine": "piper",
            "preset_voice": "joe",
        },
    )
    assert joe.status_code == 201, joe.text
    queued = http.post(
        "/generate",
        json={"profile_id": joe.json()["id"], "text": "This is my voice, recorded for a clone."},
    )
    assert queued.status_code == 202, queued.text
    done = core.wait(queued.json()["generations"][0]["id"])
    assert done["status"] == "completed", done
    return http.get(f"/generations/{done['id']}/audio").content


@pytest.fixture(scope="module")
def ada(core: CoreServer, sample_wav: bytes) -> int:
    """A cloned voice with one sample."""
    made = core.http.post("/profiles", json={"name": "Ada", "voice_type": "cloned"})
    assert made.status_code == 201, made.text
    added = core.http.post(
        f"/profiles/{made.json()['id']}/samples",
        files={"audio": ("ada.wav", sample_wav, "audio/wav")},
        data={"reference_text": "This is my voice, recorded for a clone."},
    )
    assert added.status_code == 201, added.text
    return int(made.json()["id"])


def test_models_list_what_each_voice_type_needs(core: CoreServer) -> None:
    listed = models(core)
    base = row(core, "qwen", "0.6B")
    assert not base["downloaded"] and base["capabilities"]["clone"]
    assert base["local_dir"] and Path(base["local_dir"]).is_absolute()
    assert base["local_dir"].endswith(BASE)
    assert row(core, "piper", "medium")["local_dir"] is None
    cloned = listed.for_voice_type.cloned
    assert cloned is not None and (cloned.engine, cloned.model_size) == ("qwen", "0.6B")
    assert not cloned.downloaded and cloned.size_mb > 2000
    preset = listed.for_voice_type.preset
    assert preset is not None and preset.engine == "piper" and preset.downloaded
    designed = listed.for_voice_type.designed
    assert designed is not None and designed.model_size == "1.7B-VoiceDesign"
    assert listed.unavailable.cloned is None and listed.unavailable.designed is None


def test_clone_is_refused_with_the_way_to_get_the_model_then_succeeds(
    core: CoreServer, ada: int, hub: FakeHub
) -> None:
    http = core.http
    refused = http.post("/generate", json={"profile_id": ada, "text": "Hello there."})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "model_not_downloaded" and error["param"] == "model_size"
    message = error["message"]
    assert message.startswith("Voice cloning needs Qwen3-TTS 0.6B")
    assert "about 2.5 GB" in message and "not on this machine" in message
    assert "`voicebox models download qwen 0.6B`" in message
    assert "POST /models/tts/qwen/0.6B/download" in message
    model = error["model"]
    assert model["local_dir"] == row(core, "qwen", "0.6B")["local_dir"]
    assert model["local_dir"] in message
    assert model == {
        "engine": "qwen",
        "model_size": "0.6B",
        "display_name": model["display_name"],
        "size_mb": 2520,
        "purpose": "clone",
        "download": "/models/tts/qwen/0.6B/download",
        "cli": "voicebox models download qwen 0.6B",
        "local_dir": model["local_dir"],
    }
    clean(message)
    # The OpenAI-compatible endpoint goes through the same planning: the same refusal.
    speech = http.post("/v1/audio/speech", json={"model": "tts-1", "input": "Hi", "voice": "Ada"})
    assert speech.status_code == 409, speech.text
    assert speech.json()["error"]["code"] == "model_not_downloaded"
    assert http.get("/history").json()["total"] == 1  # only the Piper take; nothing queued

    # Two clients ask for the same download: the second joins the first.
    hub.delay_s = 0.8  # about 5 s in all: the second client arrives while it runs
    joined: list[list[tuple[str, dict[str, Any]]]] = []
    first_progress = threading.Event()

    def follow() -> None:
        with httpx.Client(base_url=core.url, timeout=120, trust_env=False) as other:
            first_progress.wait(60)
            with other.stream("POST", "/models/tts/qwen/0.6B/download") as response:
                assert response.status_code == 200
                joined.append(list(sse(response)))

    joiner = threading.Thread(target=follow)
    joiner.start()
    events = []
    with http.stream("POST", "/models/tts/qwen/0.6B/download") as response:
        assert response.status_code == 200
        for kind, data in sse(response):
            events.append((kind, data))
            if kind == "progress":  # the download runs: the second client joins now
                if not first_progress.is_set():
                    assert row(core, "qwen", "0.6B")["downloading"]
                first_progress.set()
    joiner.join(120)
    hub.delay_s = 0.0
    assert events[-1][0] == "done", events[-3:]
    assert joined and joined[0][-1][0] == "done", joined
    assert joined[0][0][0] == "progress"  # the latest progress at once, not a new download
    assert hub.gets["model.safetensors"] == 1  # one download served both clients
    assert row(core, "qwen", "0.6B")["downloaded"]
    assert models(core).for_voice_type.cloned.downloaded  # type: ignore[union-attr]

    queued = http.post("/generate", json={"profile_id": ada, "text": "Hello there."})
    assert queued.status_code == 202, queued.text
    gen = queued.json()["generations"][0]
    assert (gen["engine"], gen["model_size"], gen["retryable"]) == ("qwen", "0.6B", False)
    done = core.wait(gen["id"])
    assert done["status"] == "completed" and done["retryable"] is False, done
    audio, rate = sf.read(io.BytesIO(http.get(f"/generations/{gen['id']}/audio").content))
    assert rate == 24_000 and audio.size > 0

    # Without the model, regenerating is refused the same way; with it back, it runs.
    assert http.delete("/models/tts/qwen/0.6B").status_code == 200
    again = http.post(f"/generations/{gen['id']}/regenerate")
    assert again.status_code == 409 and again.json()["error"]["code"] == "model_not_downloaded"
    with http.stream("POST", "/models/tts/qwen/0.6B/download") as response:
        assert [k for k, _ in sse(response)][-1] == "done"
    again = http.post(f"/generations/{gen['id']}/regenerate")
    assert again.status_code == 202, again.text
    assert core.wait(gen["id"])["status"] == "completed"


def test_a_model_copied_into_its_folder_is_used_without_restart(
    core: CoreServer, ada: int, hub: FakeHub
) -> None:
    http = core.http
    big = row(core, "qwen", "1.7B")
    assert not big["downloaded"]
    refused = http.post(
        "/generate", json={"profile_id": ada, "text": "Bigger.", "model_size": "1.7B"}
    )
    assert refused.status_code == 409, refused.text
    assert big["local_dir"] in refused.json()["error"]["message"]
    target = Path(big["local_dir"])
    for name, data in hub.files.items():  # what a person copies from another machine
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    assert row(core, "qwen", "1.7B")["downloaded"]
    queued = http.post(
        "/generate", json={"profile_id": ada, "text": "Bigger.", "model_size": "1.7B"}
    )
    assert queued.status_code == 202, queued.text
    assert core.wait(queued.json()["generations"][0]["id"])["status"] == "completed"
    assert http.delete("/models/tts/qwen/1.7B").status_code == 200
    assert not target.exists()


def test_preset_preview_is_generated_once_and_cached(core: CoreServer) -> None:
    http = core.http
    first = http.post("/presets/preview", json={"engine": "piper", "voice": "joe"})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/wav"
    audio, rate = sf.read(io.BytesIO(first.content))
    assert rate == 22_050 and audio.size / rate > 1.0
    cached = list((core.data_dir / "cache" / "previews").glob("*.wav"))
    assert len(cached) == 1
    second = http.post("/presets/preview", json={"engine": "piper", "voice": "joe"})
    assert second.content == first.content
    assert http.get("/history").json()["total"] >= 1  # previews are not in History
    assert not any(g["text"].startswith("Hello! This is how I sound") for g in history(core))

    unknown = http.post("/presets/preview", json={"engine": "piper", "voice": "nobody"})
    assert unknown.status_code == 404 and unknown.json()["error"]["param"] == "voice"
    engine = http.post("/presets/preview", json={"engine": "nope", "voice": "joe"})
    assert engine.status_code == 404 and engine.json()["error"]["param"] == "engine"
    qwen = http.post("/presets/preview", json={"engine": "qwen", "voice": "ryan"})
    assert qwen.status_code == 409, qwen.text
    error = qwen.json()["error"]
    assert error["code"] == "model_not_downloaded" and error["model"]["purpose"] == "preset"
    assert error["model"]["model_size"] == "0.6B-CustomVoice"


def history(core: CoreServer) -> list[dict[str, Any]]:
    return list(core.http.get("/history", params={"limit": 200}).json()["items"])


def test_first_run_flag_lives_in_the_data_folder(core: CoreServer) -> None:
    http = core.http
    assert http.get("/settings/first-run").json() == {"wizard_seen": False}
    saved = http.post("/settings/first-run", json={"wizard_seen": True})
    assert saved.status_code == 200 and saved.json() == {"wizard_seen": True}
    assert http.get("/settings/first-run").json() == {"wizard_seen": True}
    assert json.loads((core.data_dir / "first-run.json").read_text()) == {"wizard_seen": True}
    bad = http.post("/settings/first-run", json={"wizard_seen": "maybe"})
    assert bad.status_code == 422


def test_a_text_file_named_wav_is_refused_in_plain_words(core: CoreServer, ada: int) -> None:
    refused = core.http.post(
        f"/profiles/{ada}/samples",
        files={"audio": ("notes.wav", b"these are my notes, not audio\n" * 20, "audio/wav")},
    )
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]["message"]
    assert "not audio Voicebox can read" in message and "WAV, FLAC" in message
    clean(message)


def test_the_default_voice_is_the_one_used_last(core: CoreServer, ada: int) -> None:
    from sqlmodel import Session

    from core.services.profiles import default_profile

    with Session(core.core.db) as session:
        found = default_profile(session)
    assert found is not None and found.name == "Ada"  # the last generation spoke as Ada


def test_copied_folder_is_not_confused_with_a_partial_download(tmp_path: Path) -> None:
    """A folder the downloader left half-done (its `.cache/huggingface`) does not count."""
    from providers.engines.qwen_download import local_folder

    target = tmp_path / BASE
    (target / "speech_tokenizer").mkdir(parents=True)
    (target / "config.json").write_text("{}")
    (target / "speech_tokenizer" / "config.json").write_text("{}")
    assert local_folder(f"Qwen/{BASE}", tmp_path) == target
    (target / ".cache" / "huggingface").mkdir(parents=True)
    assert local_folder(f"Qwen/{BASE}", tmp_path) is None
    shutil.rmtree(target / ".cache")
    assert local_folder(f"Qwen/{BASE}", tmp_path) == target


def test_a_provider_that_cannot_be_run_says_so_in_words(tmp_path: Path) -> None:
    import asyncio

    from core.errors import CoreError
    from core.tts.lifecycle import LaunchConfig
    from core.tts.supervisor import ProviderSupervisor

    missing = tmp_path / "tts-provider-gone"
    config = LaunchConfig("gone", [str(missing)], tmp_path / "pd", tmp_path / "gone.log")
    supervisor = ProviderSupervisor(config)
    with pytest.raises(CoreError) as failed:
        asyncio.run(supervisor.ensure_running())
    assert "could not be run (no such file or directory: " in failed.value.message
    assert str(missing) in failed.value.message
    clean(failed.value.message)
