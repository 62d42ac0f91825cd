"""What each engine is for and how fast it has been here, on a real core (uvicorn on 127.0.0.1,
its own SQLite file) whose provider serves the SDK's tone engine over HTTP: GET /models/tts
passes the engine's description through and reports, per model, the median real-time factor
of its latest completed takes in the history (null for a model never used)."""

from __future__ import annotations

from pathlib import Path
from statistics import median
from typing import Any

from sqlmodel import Session

from core.api.responses import TtsModelList
from core.services.model_speed import measured_speeds
from core.store.models import Generation, GenerationStatus
from tests.core.tone_core import ToneCore, tone_core


def model_rows(core: ToneCore) -> dict[str, dict[str, Any]]:
    response = core.server.http.get("/models/tts")
    assert response.status_code == 200, response.text
    listed = TtsModelList.model_validate(response.json())
    (engine,) = [e for e in listed.engines if e.name == "tone"]
    assert engine.description == "A sine tone per word: instant, for tests."
    return {m.model_size: m.model_dump() for m in engine.models}


def test_models_report_the_median_rtf_of_completed_takes(tmp_path: Path) -> None:
    with tone_core(tmp_path / "data") as core:
        before = model_rows(core)
        assert before["preset"]["speed"] is None and before["clone"]["speed"] is None

        profile = core.preset_profile()
        takes = [core.generate(profile, f"Take number {n} of five.") for n in range(5)]
        done = [core.server.wait(t["id"]) for t in takes]
        assert all(g["status"] == "completed" and g["rtf"] is not None for g in done)
        # A failed take's timing is not a measure of the model: it must not count.
        with Session(core.server.core.db) as session:
            failed = Generation(
                profile_id=profile,
                text="x",
                engine="tone",
                model_size="preset",
                provider=done[0]["provider"],
                status=GenerationStatus.failed,
                rtf=1000.0,
            )
            session.add(failed)
            session.commit()

        after = model_rows(core)
        speed = after["preset"]["speed"]
        assert speed == {"rtf": round(median(g["rtf"] for g in done), 4), "takes": 5}
        assert after["clone"]["speed"] is None  # never used: nothing measured

        # Only the latest takes count: the figure follows the model as it is now.
        newest = sorted(done, key=lambda g: (g["completed_at"], g["id"]))[-3:]
        recent = measured_speeds(core.server.core.db, recent=3)
        key = ("tone", "preset")
        assert recent[key].takes == 3
        assert recent[key].rtf == round(median(g["rtf"] for g in newest), 4)


def test_describe_carries_the_engine_description(tmp_path: Path) -> None:
    with tone_core(tmp_path / "data") as core:
        described = core.server.http.get("/describe")
        assert described.status_code == 200, described.text
        (engine,) = [e for e in described.json()["engines"] if e["name"] == "tone"]
        assert engine["description"] == "A sine tone per word: instant, for tests."
