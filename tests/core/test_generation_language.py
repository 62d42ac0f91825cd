"""The language a take is spoken in, decided when it is submitted (a real core on 127.0.0.1
whose provider serves the SDK's tone engine): the one asked for, else the voice's, else (a
preset voice whose model does not speak the profile's language) the preset's own; a language
the model does not speak is a 422 naming those it does, and nothing is queued."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from provider_sdk.engine import ModelRegistry
from provider_sdk.models import PresetVoice
from tests.core.tone_core import tone_core
from tests.provider_sdk.tone_engine import REGISTRY, ToneEngine


class GermanVoiceTone(ToneEngine):
    """The tone engine whose preset model speaks English and German, its one voice German."""

    registry = ModelRegistry.of(
        "tone",
        [
            REGISTRY.configs["clone"],
            dataclasses.replace(
                REGISTRY.configs["preset"],
                languages=("en", "de"),
                preset_voices=(PresetVoice(id="a4", name="A4", language="de"),),
            ),
        ],
    )


def test_the_language_asked_for_else_the_voice_s_else_the_preset_s(tmp_path: Path) -> None:
    with tone_core(tmp_path / "data", GermanVoiceTone()) as core:
        http = core.server.http
        body = {"name": "Greta", "voice_type": "preset", "preset_engine": "tone"}
        made = http.post("/profiles", json=body | {"preset_voice": "a4", "language": "fr"})
        assert made.status_code == 201, made.text
        profile = made.json()["id"]
        # The profile says French, which the model does not speak: the voice's own German.
        assert core.generate(profile, "Guten Tag.")["language"] == "de"
        assert core.generate(profile, "Good day.", language="en")["language"] == "en"
        refused = http.post(
            "/generate",
            json={
                "profile_id": profile,
                "text": "Bonjour.",
                "model_size": "preset",
                "language": "fr",
            },
        )
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["param"] == "language"
        assert error["message"] == "Tone preset does not speak 'fr'; choose one of en, de"
        listed = http.get("/history", params={"limit": 50}).json()
        assert [g["language"] for g in listed["items"]] == ["en", "de"]


def test_a_voice_language_no_model_speaks_is_refused_before_queueing(tmp_path: Path) -> None:
    with tone_core(
        tmp_path / "data"
    ) as core:  # the plain tone preset: English only, no voice language
        http = core.server.http
        body = {"name": "Tone", "voice_type": "preset", "preset_engine": "tone"}
        made = http.post("/profiles", json=body | {"preset_voice": "a4", "language": "ja"})
        profile = made.json()["id"]
        refused = http.post(
            "/generate", json={"profile_id": profile, "text": "Hello.", "model_size": "preset"}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["message"] == (
            "this voice's language 'ja' is not one Tone preset speaks; set 'language' to one of "
            "en, or change the voice's language"
        )
        assert http.get("/history").json()["total"] == 0
