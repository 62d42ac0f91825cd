"""The store: migrations (idempotent), SQLite pragmas, foreign keys, FTS5 triggers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.services.history import fts_query
from core.store.db import HEAD_REVISION, current_revision, make_engine, migrate
from core.store.models import Generation, Profile, ProfileSample


def test_migrations_are_idempotent_and_set_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    assert current_revision(engine) is None
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert {
        "profile",
        "profile_sample",
        "voice_prompt_cache",
        "generation",
        "generation_version",
        "generation_fts",
    } <= tables
    # A second engine on the same file (a restart) sees head and changes nothing.
    again = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    migrate(again)
    assert current_revision(again) == HEAD_REVISION


def test_foreign_keys_and_fts_follow_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    migrate(engine)
    with Session(engine) as session:
        session.add(
            ProfileSample(
                profile_id=999,
                audio_path="a",
                original_path="b",
                original_format="wav",
                duration=3,
                sample_rate=16000,
                content_hash="x",
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        profile = Profile(name="Ada")
        session.add(profile)
        session.commit()
        gen = Generation(profile_id=profile.id, text="Hello wonderful world", seed=1)
        session.add(gen)
        session.commit()
        match = "SELECT rowid FROM generation_fts WHERE generation_fts MATCH :q"
        assert session.exec(text(match).bindparams(q=fts_query("wonder"))).all() == [(gen.id,)]
        gen.text = "Goodbye"
        session.add(gen)
        session.commit()
        assert session.exec(text(match).bindparams(q=fts_query("wonder"))).all() == []
        session.delete(profile)  # generations keep their text; profile_id becomes NULL
        session.commit()
        session.refresh(gen)
        assert gen.profile_id is None


def test_fts_query_is_always_safe() -> None:
    assert fts_query('he said "AND OR NOT (*') == '"he" "said" "AND" "OR" "NOT"*'
    assert fts_query("  ***  ") is None
