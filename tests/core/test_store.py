"""The store: migrations (idempotent), SQLite pragmas, foreign keys, FTS5 triggers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.services.history import fts_query
from core.store.db import HEAD_REVISION, current_revision, migrate, open_db
from core.store.models import Generation, Profile, ProfileSample


def test_migrations_are_idempotent_and_set_pragmas(tmp_path: Path) -> None:
    db = open_db(f"sqlite:///{tmp_path / 'v.db'}")
    assert current_revision(db) is None
    migrate(db)
    migrate(db)
    assert current_revision(db) == HEAD_REVISION
    with db.connect() as conn:
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
    # A second handle on the same file (a restart) sees head and changes nothing.
    again = open_db(f"sqlite:///{tmp_path / 'v.db'}")
    migrate(again)
    assert current_revision(again) == HEAD_REVISION


def test_foreign_keys_and_fts_follow_rows(tmp_path: Path) -> None:
    db = open_db(f"sqlite:///{tmp_path / 'v.db'}")
    migrate(db)
    with Session(db) as session:
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


def _fts_integrity(session: Session) -> None:
    """FTS5 compares its index with the content table (rank 1: every row); raises if stale."""
    session.exec(  # type: ignore[call-overload]
        text("INSERT INTO generation_fts(generation_fts, rank) VALUES ('integrity-check', 1)")
    )


def test_search_facets_follow_every_change_and_match_a_plain_scan(tmp_path: Path) -> None:
    """The facet tokens (migration 0002) stay in step with status, favourite, engine and
    profile changes, including a profile's deletion (ON DELETE SET NULL), and a filtered
    search through the index gives exactly what a plain scan of the table gives."""
    import itertools

    from core.services.context import Core
    from core.services.history import HistoryQuery
    from core.settings import Settings

    core = Core.open(Settings(data_dir=tmp_path))
    db = core.db
    with Session(db) as session:
        ada, bob = Profile(name="Ada"), Profile(name="Bob")
        session.add_all([ada, bob])
        session.commit()
        rows = [
            Generation(
                profile_id=(ada if i % 2 else bob).id,
                text=f"the {('harbour', 'lantern', 'meadow')[i % 3]} number {i}",
                engine=("piper", "qwen-mlx", None)[i % 3],
                status="completed" if i % 4 else "failed",
                favourite=i % 5 == 0,
            )
            for i in range(60)
        ]
        session.add_all(rows)
        session.commit()
        for gen in rows[:10]:  # every kind of change the app makes
            gen.status, gen.favourite, gen.engine = "cancelled", not gen.favourite, "piper"
            session.add(gen)
        session.commit()
        session.delete(rows[11])
        session.delete(bob)
        session.commit()
        _fts_integrity(session)
        ada_id = int(ada.id or 0)
        table = list(session.exec(select(Generation)).all())

    def scan(q: HistoryQuery) -> set[int]:
        word = (q.q or "").lower()
        return {
            int(g.id or 0)
            for g in table
            if any(w.startswith(word) for w in g.text.split())
            and all(
                v is None or getattr(g, name) == v
                for name, v in (
                    ("status", q.status),
                    ("favourite", q.favourite),
                    ("profile_id", q.profile_id),
                    ("engine", q.engine),
                )
            )
        }

    queries = itertools.product(
        ("harb", "the", "numb"),
        (None, "completed", "cancelled"),
        (None, True, False),
        (None, ada_id),
        (None, "piper", "qwen-mlx"),
    )
    for word, status, favourite, profile_id, engine_name in queries:
        query = HistoryQuery(
            q=word,
            status=status,
            favourite=favourite,
            profile_id=profile_id,
            engine=engine_name,
            limit=200,
        )
        with core.session() as session:
            found, total = core.history.list_history(session, query)
        expected = scan(query)
        assert {g.id for g in found} == expected, query
        assert total == len(expected), query
    db.dispose()


def test_upgrade_from_0001_indexes_existing_rows(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from core.store.db import MIGRATIONS_DIR

    db = open_db(f"sqlite:///{tmp_path / 'v.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO generation (profile_name, text, language, provider, normalize, "
                "status, favourite, version_count, created_at) VALUES "
                "('', 'an old lantern', 'en', 'local', 1, 'completed', 1, 0, '2026-01-01')"
            )
        )
    migrate(db)
    assert current_revision(db) == HEAD_REVISION
    with Session(db) as session:
        _fts_integrity(session)
        match = "SELECT rowid FROM generation_fts WHERE generation_fts MATCH :q"
        hits = session.exec(text(match).bindparams(q='text : ("lant"*) AND search_facets : "f1"'))
        assert len(hits.all()) == 1
    with db.begin() as conn:  # and back down: the 0001 index, still in step
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    with Session(db) as session:
        _fts_integrity(session)
    db.dispose()
