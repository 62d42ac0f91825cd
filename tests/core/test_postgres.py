"""The same store code on PostgreSQL: migrations, foreign keys, tsvector search with filters.

Runs against a throwaway cluster (initdb in a temp folder, unix socket only) when the
PostgreSQL server binaries and the psycopg driver are installed; skipped otherwise."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.services.context import Core
from core.services.history import HistoryQuery
from core.settings import Settings
from core.store.db import HEAD_REVISION, current_revision, migrate
from core.store.models import Generation, Profile

pytest.importorskip("psycopg")
INITDB = shutil.which("initdb")


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if INITDB is None or shutil.which("pg_ctl") is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a 'postgres' user for initdb")
    root = Path(tempfile.mkdtemp(prefix="vb-pg-"))
    if os.geteuid() == 0:
        os.chown(root, user.pw_uid, user.pw_gid)
    data, port = root / "data", 54329
    run = lambda *a: subprocess.run(_as_postgres(list(a)), check=True, capture_output=True)  # noqa: E731
    run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust")
    run(
        "pg_ctl",
        "-D",
        str(data),
        "-w",
        "-o",
        f"-k {root} -p {port} -c listen_addresses=''",
        "-l",
        str(root / "log"),
        "start",
    )
    try:
        run("createdb", "-h", str(root), "-p", str(port), "-U", "postgres", "voicebox")
        yield f"postgresql+psycopg://postgres@/voicebox?host={root}&port={port}"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_store_and_search_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    core = Core.open(Settings(data_dir=tmp_path, database_url=pg_url))
    migrate(core.db)  # idempotent
    assert current_revision(core.db) == HEAD_REVISION
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(core.db) as session:
        profile = Profile(name="Ada")
        session.add(profile)
        session.commit()
        profile_id = profile.id
        for i, text in enumerate(
            [
                "the quiet harbour",
                "a harbourmaster speaks",
                "lanterns at night",
                "harbour lights and lanterns",
            ]
        ):
            session.add(
                Generation(
                    profile_id=profile_id,
                    text=text,
                    seed=i,
                    engine="piper",
                    status="completed" if i % 2 else "failed",
                    created_at=base + timedelta(hours=i),
                )
            )
        session.commit()

    def search(**fields: object) -> tuple[list[Generation], int]:
        with core.session() as session:
            return core.history.list_history(session, HistoryQuery(**fields))  # type: ignore[arg-type]

    rows, total = search(q="harb")
    assert total == 3 and rows[0].text == "harbour lights and lanterns"
    assert search(q="harbour lantern")[1] == 1
    assert search(q="harb", status="completed")[1] == 2
    assert search(q="zebra")[1] == 0
    with Session(core.db) as session:
        session.delete(session.get(Profile, profile_id))
        session.commit()
        assert {g.profile_id for g in session.exec(select(Generation))} == {None}
    core.db.dispose()
