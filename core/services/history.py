"""History: filtered, searchable, paginated lists of generations; delete, favourite, stats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, text
from sqlmodel import Session, col, select

from core.audio.files import FileStore
from core.errors import ConflictError, ValidationFailed
from core.services import stories
from core.services.generation import get_generation
from core.store.models import ACTIVE_STATUSES, Generation, GenerationStatus, GenerationVersion

_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_LIMIT = 200


@dataclass
class HistoryQuery:
    q: str | None = None
    profile_id: int | None = None
    status: str | None = None
    engine: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    favourite: bool | None = None
    group_id: str | None = None
    limit: int = 50
    offset: int = 0


def fts_query(q: str) -> str | None:
    """User text to a safe FTS5 query: every word quoted, the last one a prefix."""
    words = _TOKEN.findall(q)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _check(query: HistoryQuery) -> None:
    if not 1 <= query.limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be 1-{MAX_LIMIT}", field="limit")
    if query.offset < 0:
        raise ValidationFailed("offset must be 0 or more", field="offset")
    if query.status is not None and query.status not in {s.value for s in GenerationStatus}:
        names = ", ".join(s.value for s in GenerationStatus)
        raise ValidationFailed(f"unknown status {query.status!r}; use {names}", field="status")


# (HistoryQuery field, column, SQL operator); the same list drives the ORM and raw-SQL paths.
_FILTERS = (
    ("status", "status", "="),
    ("profile_id", "profile_id", "="),
    ("engine", "engine", "="),
    ("since", "created_at", ">="),
    ("until", "created_at", "<="),
    ("favourite", "favourite", "="),
    ("group_id", "group_id", "="),
)


def _active(query: HistoryQuery) -> list[tuple[str, str, str, Any]]:
    out = []
    for name, column_name, op in _FILTERS:
        value = getattr(query, name)
        if value is not None and value != "":
            out.append((name, column_name, op, value))
    return out


def _orm_filters(dialect: str, query: HistoryQuery) -> list[ColumnElement[bool]]:
    table = Generation.__table__.c  # type: ignore[attr-defined]
    where: list[ColumnElement[bool]] = []
    for _, column_name, op, value in _active(query):
        column_ = table[column_name]
        where.append(
            column_ == value if op == "=" else column_ >= value if op == ">=" else column_ <= value
        )
    if query.q and query.q.strip():
        words = _TOKEN.findall(query.q)
        if not words:
            where.append(col(Generation.id) < 0)
        elif dialect == "postgresql":  # tsvector, GIN-indexed (migration)
            terms = " & ".join([*words[:-1], f"{words[-1]}:*"])
            vector = func.to_tsvector("simple", col(Generation.text))
            where.append(vector.op("@@")(func.to_tsquery("simple", terms)))
        else:  # other databases: every word as a case-insensitive substring
            where.append(and_(*[col(Generation.text).ilike(f"%{w}%") for w in words]))
    return where


# Filters the full-text index answers itself (migration 0002 writes these tokens into the
# `search_facets` column): the field and its token prefix. The others are checked per match.
_FACETS = {"status": "s", "favourite": "f", "profile_id": "p", "engine": "e"}


def facet_token(name: str, value: Any) -> str:
    """The index token of a filter value, exactly as the `search_facets` column writes it."""
    if name == "favourite":
        return f"f{int(bool(value))}"
    if name == "profile_id":
        return f"p{int(value)}"
    return _FACETS[name] + str(value).encode().hex()


def _fts_page(session: Session, match: str, query: HistoryQuery) -> tuple[list[int], int]:
    """SQLite: FTS5 drives the query (newest first by rowid). Facet filters are part of the
    MATCH, so counting a common word among completed generations never reads the table; only
    dates and groups are checked per match, and CROSS JOIN pins the join order then (SQLite
    must never run MATCH once per generation row)."""
    table = Generation.__table__.c  # type: ignore[attr-defined]
    facets, conditions, params = [], [], []
    for name, column_name, op, value in _active(query):
        if name in _FACETS:
            facets.append(f'"{facet_token(name, value)}"')
        else:
            conditions.append(f"g.{column_name} {op} :{name}")
            params.append(bindparam(name, value, type_=table[column_name].type))
    expression = f"text : ({match})"
    if facets:
        expression += f" AND search_facets : ({' '.join(facets)})"
    params.insert(0, bindparam("match", expression))
    # Only fixed column names from _FILTERS are formatted in; every value is bound.
    where = " AND ".join(["generation_fts MATCH :match", *conditions])
    source = (
        "generation_fts CROSS JOIN generation g ON g.id = generation_fts.rowid"
        if conditions
        else "generation_fts"
    )
    conn = session.connection()
    total = conn.execute(
        text(f"SELECT count(*) FROM {source} WHERE {where}").bindparams(*params)  # noqa: S608
    ).scalar_one()
    page_sql = (
        f"SELECT generation_fts.rowid FROM {source} WHERE {where} "  # noqa: S608
        "ORDER BY generation_fts.rowid DESC LIMIT :limit OFFSET :offset"
    )
    page = text(page_sql).bindparams(
        *params, bindparam("limit", query.limit), bindparam("offset", query.offset)
    )
    ids = [int(row[0]) for row in conn.execute(page)]
    return ids, int(total)


class History:
    """Lists, searches and tidies stored generations (in the caller's session)."""

    def __init__(self, files: FileStore) -> None:
        self.files = files

    def list_history(self, session: Session, query: HistoryQuery) -> tuple[list[Generation], int]:
        """Newest first (ids grow with creation time), with the total for pagination."""
        _check(query)
        match = fts_query(query.q) if query.q and query.q.strip() else None
        db = session.get_bind()
        if match is not None and db.dialect.name == "sqlite":
            ids, total = _fts_page(session, match, query)
            found = session.exec(select(Generation).where(col(Generation.id).in_(ids))).all()
            by_id = {g.id: g for g in found}
            return [by_id[i] for i in ids if i in by_id], total
        where = _orm_filters(db.dialect.name, query)
        total = session.exec(select(func.count()).select_from(Generation).where(*where)).one()
        rows = session.exec(
            select(Generation)
            .where(*where)
            .order_by(col(Generation.id).desc())
            .offset(query.offset)
            .limit(query.limit)
        ).all()
        return list(rows), int(total)

    def versions(self, session: Session, generation_id: int) -> list[GenerationVersion]:
        get_generation(session, generation_id)
        return list(
            session.exec(
                select(GenerationVersion)
                .where(GenerationVersion.generation_id == generation_id)
                .order_by(col(GenerationVersion.version))
            )
        )

    def delete_generation(self, session: Session, generation_id: int) -> None:
        gen = get_generation(session, generation_id)
        if gen.status in (GenerationStatus.queued, *ACTIVE_STATUSES):
            raise ConflictError(
                f"generation {generation_id} is {gen.status}; cancel it before deleting"
            )
        stories.ensure_unused(session, generation_id)
        session.delete(gen)
        session.commit()
        self.files.delete_tree(f"audio/generations/{int(generation_id)}")

    def set_favourite(self, session: Session, generation_id: int, favourite: bool) -> Generation:
        gen = get_generation(session, generation_id)
        gen.favourite = favourite
        session.add(gen)
        session.commit()
        session.refresh(gen)
        return gen

    def stats(self, session: Session) -> dict[str, Any]:
        """Counts by status and engine, favourites, audio and synthesis seconds, mean RTF."""
        by_status = dict(
            session.exec(
                select(Generation.status, func.count()).group_by(col(Generation.status))
            ).all()
        )
        by_engine = dict(
            session.exec(
                select(Generation.engine, func.count())
                .where(col(Generation.engine).is_not(None))
                .group_by(col(Generation.engine))
            ).all()
        )
        audio, synth, rtf = session.exec(
            select(
                func.coalesce(func.sum(Generation.duration), 0.0),
                func.coalesce(func.sum(Generation.synth_ms), 0.0),
                func.avg(Generation.rtf),
            ).where(Generation.status == GenerationStatus.completed)
        ).one()
        favourites = session.exec(
            select(func.count()).select_from(Generation).where(or_(col(Generation.favourite)))
        ).one()
        return {
            "total": sum(by_status.values()),
            "by_status": by_status,
            "by_engine": by_engine,
            "favourites": int(favourites),
            "audio_seconds": round(float(audio or 0.0), 2),
            "synthesis_seconds": round(float(synth or 0.0) / 1e3, 2),
            "mean_rtf": round(float(rtf), 4) if rtf is not None else None,
        }
