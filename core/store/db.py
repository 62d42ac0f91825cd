"""The database, `db` throughout the core (a SQLAlchemy engine; "engine" always means a TTS
engine): SQLite (WAL, foreign keys) by default, any SQLAlchemy URL otherwise.

Migrations run at start through Alembic; when the database is already at head the check is a
single query and Alembic is not even imported (fast cold start)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import create_engine

HEAD_REVISION = "0004"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_db(url: str) -> Engine:
    """The database at `url` (no schema check; see `migrate`)."""
    is_sqlite = url.startswith("sqlite")
    if is_sqlite and ":///" in url and not url.endswith(":memory:"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    db = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(db, "connect", _sqlite_pragmas)
    return db


def current_revision(db: Engine) -> str | None:
    """The schema's Alembic revision, None for an empty database (one query, no reflection)."""
    with db.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:  # no such table: a new database
            conn.rollback()
            return None
        return str(row[0]) if row else None


def migrate(db: Engine) -> None:
    """Bring the schema to head; a no-op when it is there already (idempotent)."""
    if current_revision(db) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def is_sqlite(db: Engine) -> bool:
    return db.dialect.name == "sqlite"
