"""Stories in the store and over the API: migration up and down, every clip operation, and
the rules for deleting stories and the generations they use."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from typer.testing import CliRunner

from core.cli import app as cli_app
from core.errors import ConflictError
from core.services import stories
from core.services.context import Core
from core.settings import Settings
from core.store.db import HEAD_REVISION, MIGRATIONS_DIR, current_revision, migrate, open_db
from core.store.models import Generation, GenerationVersion
from tests.core.conftest import CoreServer
from tests.core.stories_fixtures import generate, tone_core, tone_url, tone_voice
from tests.core.test_postgres import pg_url

__all__ = ["pg_url", "tone_core", "tone_url"]
runner = CliRunner()


def _alembic(db: object, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.begin() as conn:  # type: ignore[attr-defined]
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)


def test_migration_up_and_down_keeps_existing_data_and_search(tmp_path: Path) -> None:
    db = open_db(f"sqlite:///{tmp_path / 'v.db'}")
    _alembic(db, "upgrade", "0003")
    with Session(db) as session:
        session.add(Generation(text="a lighthouse keeper counts the waves", status="completed"))
        session.commit()
    migrate(db)
    assert current_revision(db) == HEAD_REVISION == "0004"
    with db.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert {"story", "story_track", "story_clip", "version_words"} <= names
        hits = conn.execute(
            text("SELECT rowid FROM generation_fts WHERE generation_fts MATCH 'lighthouse'")
        ).all()
        assert hits == [(1,)]
    _alembic(db, "downgrade", "0003")
    assert current_revision(db) == "0003"
    with db.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert not {"story", "story_track", "story_clip", "version_words"} & names
        assert conn.execute(text("SELECT text FROM generation")).scalar() == (
            "a lighthouse keeper counts the waves"
        )
        hits = conn.execute(
            text("SELECT rowid FROM generation_fts WHERE generation_fts MATCH 'waves'")
        ).all()
        assert hits == [(1,)]
    migrate(db)
    assert current_revision(db) == "0004"


def test_story_crud_and_clip_operations(tone_core: CoreServer) -> None:
    http = tone_core.http
    voice = tone_voice(tone_core)
    take = generate(tone_core, voice, "Once upon a time")  # 16 chars: 0.8 s of tone
    story = http.post("/stories", json={"name": "Bedtime", "sample_rate": 16000}).json()
    sid = story["id"]
    assert story["tracks"] == [] and story["clips"] == []
    track = http.post(f"/stories/{sid}/tracks", json={"name": "Narrator"}).json()
    second = http.post(f"/stories/{sid}/tracks", json={}).json()
    assert (track["position"], second["position"], second["name"]) == (0, 1, "Track 2")

    response = http.post(
        f"/stories/{sid}/clips",
        json={"track_id": track["id"], "generation_id": take["id"], "start": 1.0},
    )
    assert response.status_code == 201, response.text
    clip = response.json()
    assert clip["label"] == "Once upon a time" and clip["duration"] == take["duration"]
    assert clip["version"] is None and clip["audio_url"].endswith(f"/clips/{clip['id']}/audio")

    # A clip added with every field (as the timeline's undo of a delete makes it again).
    full = {"start": 0.5, "trim_start": 0.1, "trim_end": 0.05, "gain_db": -3.0, "fade_in": 0.02}
    fields = {**full, "fade_out": 0.03, "muted": True, "label": "Said again", "version": 1}
    again = http.post(
        f"/stories/{sid}/clips",
        json={"track_id": track["id"], "generation_id": take["id"], **fields},
    )
    assert again.status_code == 201, again.text
    assert {k: again.json()[k] for k in fields} == fields
    assert http.delete(f"/stories/{sid}/clips/{again.json()['id']}").status_code == 204

    moved = http.patch(
        f"/stories/{sid}/clips/{clip['id']}",
        json={
            "start": 2.5,
            "trim_start": 0.1,
            "gain_db": -6,
            "fade_in": 0.05,
            "track_id": second["id"],
        },
    ).json()
    assert (moved["start"], moved["trim_start"], moved["gain_db"], moved["track_id"]) == (
        2.5,
        0.1,
        -6.0,
        second["id"],
    )
    too_much = http.patch(f"/stories/{sid}/clips/{clip['id']}", json={"trim_end": 5.0})
    assert too_much.status_code == 422 and "trim less" in too_much.json()["error"]["message"]
    negative = http.patch(f"/stories/{sid}/clips/{clip['id']}", json={"start": -1})
    assert negative.status_code == 422 and negative.json()["error"]["param"] == "start"

    # Split at 2.9 s: 0.4 s into the visible part (which starts at trim 0.1 s).
    left, right = http.post(f"/stories/{sid}/clips/{clip['id']}/split", json={"at": 2.9}).json()
    assert left["id"] == clip["id"] and left["fade_in"] == 0.05
    assert abs(left["trim_end"] - 0.3) < 1e-9 and right["start"] == 2.9
    assert abs(right["trim_start"] - 0.5) < 1e-9 and right["fade_in"] == 0.0
    outside = http.post(f"/stories/{sid}/clips/{clip['id']}/split", json={"at": 9.0})
    assert outside.status_code == 422 and "outside clip" in outside.json()["error"]["message"]

    copy = http.post(f"/stories/{sid}/clips/{right['id']}/duplicate").json()
    assert abs(copy["start"] - (2.9 + 0.3)) < 1e-9 and copy["id"] not in (left["id"], right["id"])
    assert http.delete(f"/stories/{sid}/clips/{copy['id']}").status_code == 204

    source = http.get(left["audio_url"])
    assert source.status_code == 200 and source.content == http.get(take["audio_url"]).content

    renamed = http.patch(f"/stories/{sid}", json={"name": "Bedtime, take 2"}).json()
    assert renamed["name"] == "Bedtime, take 2" and len(renamed["clips"]) == 2
    muted = http.patch(f"/stories/{sid}/tracks/{track['id']}", json={"muted": True, "gain_db": 3})
    assert muted.json()["muted"] is True and muted.json()["gain_db"] == 3.0

    dup = http.post(f"/stories/{sid}/duplicate").json()
    assert dup["id"] != sid and dup["name"] == "Bedtime, take 2 (copy)"
    assert [t["name"] for t in dup["tracks"]] == ["Narrator", "Track 2"]
    assert sorted(c["start"] for c in dup["clips"]) == [2.5, 2.9]
    assert [s["id"] for s in http.get("/stories").json()] == [dup["id"], sid]

    # A generation a story uses cannot be deleted; the refusal names the stories.
    refused = http.delete(f"/generations/{take['id']}")
    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert "'Bedtime, take 2'" in message and "(copy)" in message

    # Deleting stories never deletes their generations; then the generation can go.
    assert http.delete(f"/stories/{sid}").status_code == 204
    assert http.get(f"/stories/{sid}").status_code == 404
    assert http.delete(f"/generations/{take['id']}").status_code == 409  # the copy uses it
    assert http.delete(f"/stories/{dup['id']}").status_code == 204
    assert http.get(f"/generations/{take['id']}").json()["status"] == "completed"
    assert http.delete(f"/generations/{take['id']}").status_code == 204


def test_bad_requests_are_clear_4xx(tone_core: CoreServer) -> None:
    http = tone_core.http
    story = http.post("/stories", json={"name": "S"}).json()
    sid = story["id"]
    track = http.post(f"/stories/{sid}/tracks", json={}).json()
    assert http.get("/stories/999").status_code == 404
    assert http.get(f"/stories/{2**63}").status_code == 422
    missing = http.post(f"/stories/{sid}/clips", json={"track_id": track["id"], "generation_id": 5})
    assert missing.status_code == 404 and "generation 5" in missing.json()["error"]["message"]
    wrong_track = http.post(f"/stories/{sid}/clips", json={"track_id": 999, "generation_id": 5})
    assert wrong_track.status_code == 404 and wrong_track.json()["error"]["param"] == "track_id"
    rate = http.post("/stories", json={"name": "x", "sample_rate": 1000})
    assert rate.status_code == 422 and rate.json()["error"]["param"] == "sample_rate"
    empty = http.get(f"/stories/{sid}/audio")
    assert empty.status_code == 422 and "nothing to play" in empty.json()["error"]["message"]
    fmt = http.get(f"/stories/{sid}/audio", params={"format": "aiff"})
    assert fmt.status_code == 422 and fmt.json()["error"]["param"] == "format"
    junk = http.post(
        f"/stories/{sid}/clips/import",
        data={"track_id": str(track["id"])},
        files={"file": ("x.wav", b"not audio at all", "audio/wav")},
    )
    assert junk.status_code == 422 and "errno" not in junk.text
    assert not (tone_core.data_dir / "audio" / "stories").exists()


def test_cli_lists_and_exports_a_story(
    tone_core: CoreServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = tone_core.http
    take = generate(tone_core, tone_voice(tone_core), "Lights out.")
    sid = http.post("/stories", json={"name": "Night", "sample_rate": 16000}).json()["id"]
    track = http.post(f"/stories/{sid}/tracks", json={}).json()["id"]
    http.post(
        f"/stories/{sid}/clips", json={"track_id": track, "generation_id": take["id"], "start": 1}
    )
    monkeypatch.setenv("VOICEBOX_DATA_DIR", str(tone_core.data_dir))
    listed = runner.invoke(cli_app, ["story", "list"])
    assert listed.exit_code == 0 and f"{sid}\tNight\t16000 Hz" in listed.output
    out, srt = tmp_path / "night.mp3", tmp_path / "night.srt"
    done = runner.invoke(
        cli_app, ["story", "export", str(sid), "-o", str(out), "--captions", str(srt)]
    )
    assert done.exit_code == 0, done.output
    with av.open(str(out)) as probe:
        assert probe.format.name == "mp3"
    assert srt.read_text() == "1\n00:00:01,000 --> 00:00:01,550\nLights out.\n"
    missing = runner.invoke(cli_app, ["story", "export", "999", "-o", str(tmp_path / "x.wav")])
    assert missing.exit_code == 1 and "story 999 does not exist" in missing.output


def test_stories_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    core = Core.open(Settings(data_dir=tmp_path, database_url=pg_url))
    try:
        assert current_revision(core.db) == HEAD_REVISION
        with Session(core.db) as session:
            gen = Generation(text="kept", status="completed", version_count=1)
            session.add(gen)
            session.commit()
            gen_id = gen.id
            assert gen_id is not None
            session.add(
                GenerationVersion(
                    generation_id=gen_id,
                    version=1,
                    audio_path="a.wav",
                    duration=1,
                    sample_rate=8000,
                )
            )
            session.commit()
        story = core.stories.create_story("On PG")
        assert story.id is not None
        track = core.stories.add_track(story.id)
        assert track.id is not None
        core.stories.add_clip(story.id, track.id, gen_id, start=0.5)
        with pytest.raises(ConflictError, match="'On PG'"), core.session() as session:
            core.history.delete_generation(session, gen_id)
        with Session(core.db) as session, pytest.raises(IntegrityError):
            session.exec(delete(Generation))  # type: ignore[call-overload]
            session.commit()
        copy = core.stories.duplicate_story(story.id)
        core.stories.delete_story(story.id)
        assert copy.id is not None
        with Session(core.db) as session:
            assert len(stories.load(session, copy.id).clips) == 1
        _alembic(core.db, "downgrade", "0003")
        _alembic(core.db, "upgrade", "head")
        with Session(core.db) as session:
            assert session.get(Generation, gen_id) is not None
    finally:
        core.db.dispose()
