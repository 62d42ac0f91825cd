"""The generation queue against the real Piper provider: concurrency, statuses, cancel, retry,
regenerate, variations, events, post-processing, and bad input."""

from __future__ import annotations

import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import soundfile as sf

from tests.core.conftest import CoreServer, files_under

LONG_TEXT = " ".join(
    f"This is sentence number {i} of a long passage that keeps the voice busy for a while."
    for i in range(6)
)


def preset(core: CoreServer, name: str = "Joe") -> int:
    body = {"name": name, "voice_type": "preset", "preset_engine": "piper", "preset_voice": "joe"}
    response = core.http.post("/profiles", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def submit(core: CoreServer, profile_id: int, text: str, **extra: object) -> list[dict]:
    response = core.http.post("/generate", json={"profile_id": profile_id, "text": text, **extra})
    assert response.status_code == 202, response.text
    return list(response.json()["generations"])


def test_twenty_at_once_all_complete_none_lost_or_duplicated(core_server: CoreServer) -> None:
    profile = preset(core_server)
    texts = [f"Take number {i}." for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        batches = list(pool.map(lambda t: submit(core_server, profile, t), texts))
    ids = [b[0]["id"] for b in batches]
    assert len(set(ids)) == 20
    done = [core_server.wait(i, timeout=150) for i in ids]
    assert [d["status"] for d in done] == ["completed"] * 20, [d["error"] for d in done]
    assert sorted(d["text"] for d in done) == sorted(texts)
    page = core_server.http.get("/history", params={"limit": 200}).json()
    assert page["total"] == 20 and sorted(g["id"] for g in page["items"]) == sorted(ids)
    wavs = [p for p in files_under(core_server.data_dir) if p.name == "v1.wav"]
    assert len(wavs) == 20
    described = core_server.http.get("/describe").json()["engines"]
    piper = next(e for e in described if e["name"] == "piper")
    assert piper["models"][0]["capabilities"]["preset"] and piper["provider"] == "remote"
    timings = done[-1]
    assert timings["synth_ms"] > 0 and timings["rtf"] > 0 and timings["queue_wait_ms"] >= 0
    assert timings["engine"] == "piper" and timings["model_size"] == "medium"


def test_audio_is_normalized_and_downloadable(core_server: CoreServer) -> None:
    profile = preset(core_server)
    [raw_gen] = submit(core_server, profile, "Loudness check, one two three.", normalize=False)
    [norm_gen] = submit(core_server, profile, "Loudness check, one two three.")
    raw_done, norm_done = core_server.wait(raw_gen["id"]), core_server.wait(norm_gen["id"])
    assert raw_done["status"] == norm_done["status"] == "completed"
    audio, rate = sf.read(
        io.BytesIO(core_server.http.get(norm_done["audio_url"]).content), dtype="float32"
    )
    assert rate == 22_050 and abs(audio.size / rate - norm_done["duration"]) < 0.01
    rms_db = 20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    assert -21.5 < rms_db < -18.5 or np.max(np.abs(audio)) >= 0.88
    assert np.max(np.abs(audio)) <= 0.9
    for fmt, media_type in (("mp3", "audio/mpeg"), ("flac", "audio/flac"), ("ogg", "audio/ogg")):
        response = core_server.http.get(norm_done["audio_url"], params={"format": fmt})
        assert response.status_code == 200 and response.headers["content-type"] == media_type
        assert len(response.content) > 1000
    bad = core_server.http.get(norm_done["audio_url"], params={"format": "exe"})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "format"


def test_cancel_retry_regenerate_variations_and_events(core_server: CoreServer) -> None:
    profile = preset(core_server)
    events: list[dict] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{core_server.url}/events", timeout=60, trust_env=False) as r:
            ready.set()
            for line in r.iter_lines():
                if line.startswith("data:"):
                    events.append(json.loads(line[5:]))
                    if sum(e.get("status") == "completed" for e in events) >= 4:
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(10)
    [long_gen] = submit(core_server, profile, LONG_TEXT)
    [queued] = submit(core_server, profile, "I will be cancelled while I wait.")
    cancelled = core_server.http.post(f"/generations/{queued['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    # Cancel the running one too.
    while core_server.http.get(f"/generations/{long_gen['id']}").json()["status"] == "queued":
        time.sleep(0.01)
    core_server.http.post(f"/generations/{long_gen['id']}/cancel")
    assert core_server.wait(long_gen["id"])["status"] == "cancelled"
    again = core_server.http.post(f"/generations/{long_gen['id']}/cancel")
    assert again.status_code == 409
    # Retry the cancelled queued one; it completes.
    assert core_server.http.post(f"/generations/{queued['id']}/retry").status_code == 202
    retried = core_server.wait(queued["id"])
    assert retried["status"] == "completed" and retried["error"] is None
    assert core_server.http.post(f"/generations/{queued['id']}/retry").status_code == 409
    # Regenerate: a second version of the same generation.
    assert core_server.http.post(f"/generations/{queued['id']}/regenerate").status_code == 202
    regenerated = core_server.wait(queued["id"])
    assert regenerated["version_count"] == 2
    versions = core_server.http.get(f"/generations/{queued['id']}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    first = core_server.http.get(regenerated["audio_url"], params={"version": 1})
    assert first.status_code == 200
    # Variations: grouped, each its own record.
    variations = submit(core_server, profile, "Three takes of the same line.", variations=3)
    group = variations[0]["group_id"]
    assert group and {v["group_id"] for v in variations} == {group}
    for v in variations:
        assert core_server.wait(v["id"])["status"] == "completed"
    assert core_server.http.get("/history", params={"group_id": group}).json()["total"] == 3
    listener.join(timeout=30)
    statuses = [e["status"] for e in events if e.get("id") == queued["id"]]
    assert statuses[:2] == ["queued", "cancelled"]
    assert "loading_model" in statuses and "generating" in statuses and "completed" in statuses
    # The per-generation stream ends with the final state.
    with httpx.stream(
        "GET", f"{core_server.url}/generations/{queued['id']}/events", timeout=30, trust_env=False
    ) as r:
        lines = [json.loads(x[5:]) for x in r.iter_lines() if x.startswith("data:")]
    assert lines[-1]["status"] == "completed"


def test_bad_generate_requests_are_clear_4xx_and_write_nothing(core_server: CoreServer) -> None:
    profile = preset(core_server)
    clone = core_server.http.post("/profiles", json={"name": "Nobody yet"}).json()["id"]
    limit = core_server.core.settings.max_text_chars
    cases = [
        ({"profile_id": 9999, "text": "hi"}, 404, "profile_id"),
        ({"profile_id": profile, "text": "x" * (limit + 1)}, 422, "text"),
        ({"profile_id": profile, "text": "   "}, 422, "text"),
        ({"profile_id": profile, "text": 42}, 422, "text"),
        ({"profile_id": "one", "text": "hi"}, 422, "profile_id"),
        ({"profile_id": profile, "text": "hi", "seed": "abc"}, 422, "seed"),
        ({"profile_id": profile, "text": "hi", "variations": 0}, 422, "variations"),
        ({"profile_id": profile, "text": "hi", "variations": 11}, 422, "variations"),
        ({"profile_id": profile, "text": "hi", "normalize": "yes"}, 422, "normalize"),
        ({"profile_id": profile, "text": "hi", "tempo": 3}, 422, "tempo"),
        ({"profile_id": profile, "text": "hi", "engine": "nope"}, 422, "engine"),
        ({"profile_id": profile, "text": "hi", "model_size": "huge"}, 422, "model_size"),
        ({"profile_id": profile, "text": "hi", "instruct": "whisper it"}, 422, "instruct"),
        ({"profile_id": clone, "text": "hi"}, 422, "profile_id"),
        ({"text": "hi"}, 422, "profile_id"),
        ([1, 2, 3], 422, None),
    ]
    for body, status, param in cases:
        response = core_server.http.post("/generate", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert error["message"] and (param is None or error["param"] == param), (body, error)
    raw = core_server.http.post(
        "/generate", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 422
    assert core_server.http.get("/history").json()["total"] == 0
    assert files_under(core_server.data_dir) == []
    for path in ("/generations/77", "/generations/77/audio", "/generations/77/versions"):
        assert core_server.http.get(path).status_code == 404
    assert core_server.http.post("/generations/77/cancel").status_code == 404
    bad_query = core_server.http.get("/history", params={"status": "sleeping"})
    assert bad_query.status_code == 422 and bad_query.json()["error"]["param"] == "status"
    assert core_server.http.get("/history", params={"limit": "many"}).status_code == 422
