"""Progressive playback: a streaming model's pieces reach the generation's event stream as the
real Piper provider makes them, and the stored WAV is still the whole take."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import soundfile as sf

from tests.core.conftest import CoreServer
from tests.core.test_generation import LONG_TEXT, preset, submit

TEXT = (
    "The first sentence is short. The second one follows it closely. "
    "A third sentence ends the passage."
)


def watch(
    core: CoreServer, path: str, events: list[tuple[str, dict[str, Any]]]
) -> threading.Thread:
    """Collect (event name, data) from one SSE stream until it ends."""
    opened = threading.Event()

    def run() -> None:
        with httpx.stream("GET", f"{core.url}{path}", timeout=120, trust_env=False) as response:
            opened.set()
            name = "message"
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    events.append((name, json.loads(line[5:])))
                    if name == "generation" and events[-1][1]["status"] in (
                        "completed",
                        "failed",
                        "cancelled",
                    ):
                        return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert opened.wait(30)
    return thread


def test_pieces_arrive_before_completion_and_the_stored_wav_is_their_sum(
    core_server: CoreServer,
) -> None:
    profile = preset(core_server)
    [gen] = submit(core_server, profile, TEXT)
    events: list[tuple[str, dict[str, Any]]] = []
    watch(core_server, f"/generations/{gen['id']}/events", events).join(120)
    names = [name for name, _ in events]
    assert names[-1] == "generation" and events[-1][1]["status"] == "completed", events[-1]
    pieces = [data for name, data in events if name == "audio_piece"]
    assert len(pieces) >= 2, names
    assert names.index("audio_piece") < len(names) - 1
    assert [p["index"] for p in pieces] == list(range(len(pieces)))
    assert all(p["generation_id"] == gen["id"] for p in pieces)
    total = 0.0
    for piece in pieces:
        info = sf.info(io.BytesIO(base64.b64decode(piece["audio"])))
        assert info.samplerate == 22050 == piece["sample_rate"]
        total += info.duration
    stored = sf.info(io.BytesIO(core_server.http.get(f"/generations/{gen['id']}/audio").content))
    assert stored.samplerate == 22050
    assert abs(stored.duration - total) < 0.05, (stored.duration, total)
    done = core_server.http.get(f"/generations/{gen['id']}").json()
    assert abs(done["duration"] - total) < 0.05
    # Progressive: each piece came out as it was made, not all at once at the end.
    first, last = pieces[0]["elapsed_ms"], pieces[-1]["elapsed_ms"]
    assert last - first > 100 and first < done["synth_ms"], (first, last, done["synth_ms"])


def test_the_app_stream_carries_pieces_too(core_server: CoreServer) -> None:
    profile = preset(core_server)
    events: list[tuple[str, dict[str, Any]]] = []
    thread = watch(core_server, "/events", events)
    [gen] = submit(core_server, profile, TEXT)
    thread.join(120)
    pieces = [d for n, d in events if n == "audio_piece" and d["generation_id"] == gen["id"]]
    assert len(pieces) >= 2


def test_provider_killed_mid_stream_fails_the_generation_with_a_reason(
    make_core: Callable[..., CoreServer],
) -> None:
    core = make_core(speech=False, provider_url=None)  # the supervised local provider
    profile = preset(core)
    [warm] = submit(core, profile, "Warm up.")
    assert core.wait(warm["id"])["status"] == "completed"
    events: list[tuple[str, dict[str, Any]]] = []
    [victim] = submit(core, profile, LONG_TEXT * 3)
    thread = watch(core, f"/generations/{victim['id']}/events", events)
    deadline = time.monotonic() + 60
    while not any(name == "audio_piece" for name, _ in events):
        assert time.monotonic() < deadline and thread.is_alive(), events
        time.sleep(0.005)
    [local] = core.http.get("/health").json()["providers"]
    assert local["kind"] == "local" and local["pid"]
    os.killpg(local["pid"], signal.SIGKILL)
    thread.join(60)
    failed = core.wait(victim["id"])
    assert failed["status"] == "failed", failed
    assert "provider" in failed["error"] and (
        "died" in failed["error"] or "stopped" in failed["error"] or "exited" in failed["error"]
    ), failed["error"]
    assert events[-1][1]["status"] == "failed"
