"""History: filters, FTS5 prefix search, pagination with total, favourites, delete, stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core.store.models import Generation, Profile
from tests.core.conftest import CoreServer, files_under
from tests.core.test_generation import preset, submit

WORDS = ["harbour", "lantern", "meadow", "thunder", "velvet"]


def seed_rows(core: CoreServer, count: int) -> tuple[int, int]:
    """Insert finished generations straight into the store (no synthesis needed)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(core.core.db) as session:
        a, b = Profile(name="A"), Profile(name="B")
        session.add_all([a, b])
        session.commit()
        for i in range(count):
            session.add(
                Generation(
                    profile_id=a.id if i % 2 else b.id,
                    profile_name="A" if i % 2 else "B",
                    text=f"Line {i} about the {WORDS[i % 5]} and its story",
                    seed=i,
                    engine="piper" if i % 3 else "qwen",
                    status="completed" if i % 4 else "failed",
                    favourite=i % 10 == 0,
                    created_at=base + timedelta(hours=i),
                )
            )
        session.commit()
        return int(a.id or 0), int(b.id or 0)


def test_filters_search_and_pagination(bare_core: CoreServer) -> None:
    a, _ = seed_rows(bare_core, 100)
    get = lambda **p: bare_core.http.get("/history", params=p).json()  # noqa: E731
    everything = get(limit=30)
    assert everything["total"] == 100 and len(everything["items"]) == 30
    assert everything["items"][0]["text"].startswith("Line 99 ")  # newest first
    pages = [get(limit=30, offset=o)["items"] for o in (0, 30, 60, 90)]
    ids = [g["id"] for page in pages for g in page]
    assert len(ids) == 100 == len(set(ids))
    assert get(q="lant")["total"] == 20  # prefix search
    assert get(q="lantern story")["total"] == 20
    assert get(q="lantern meadow")["total"] == 0
    assert get(q="Line 7 ")["total"] == 1 or get(q="Line 7")["total"] >= 1
    assert get(q='"; DROP TABLE generation; --')["total"] == 0
    assert get(q="***")["total"] == 0
    assert get(profile_id=a)["total"] == 50
    assert get(status="failed")["total"] == 25
    assert get(engine="qwen")["total"] == 34
    assert get(favourite="true")["total"] == 10
    assert get(q="harb", profile_id=a, status="completed")["total"] == 10
    assert get(q="lantern", since="2026-01-03T00:00:00Z")["total"] == 10
    since = get(since="2026-01-03T00:00:00Z")
    assert since["total"] == 100 - 48
    window = get(since="2026-01-01T10:00:00Z", until="2026-01-01T19:00:00Z")
    assert window["total"] == 10
    stats = bare_core.http.get("/history/stats").json()
    assert stats["total"] == 100 and stats["by_status"] == {"completed": 75, "failed": 25}
    assert stats["favourites"] == 10
    assert bare_core.http.get("/history", params={"limit": 0}).status_code == 422
    assert bare_core.http.get("/history", params={"since": "yesterday"}).status_code == 422


def test_favourite_and_delete_remove_files(core_server: CoreServer) -> None:
    profile = preset(core_server)
    [gen] = submit(core_server, profile, "Keep me, then delete me.")
    done = core_server.wait(gen["id"])
    assert done["status"] == "completed"
    assert len(files_under(core_server.data_dir)) == 2  # normalized + raw take
    fav = core_server.http.post(f"/generations/{gen['id']}/favourite", json={"favourite": True})
    assert fav.json()["favourite"] is True
    bad = core_server.http.post(f"/generations/{gen['id']}/favourite", json={"favourite": "y"})
    assert bad.status_code == 422
    assert core_server.http.get("/history", params={"favourite": True}).json()["total"] == 1
    assert core_server.http.delete(f"/generations/{gen['id']}").status_code == 204
    assert files_under(core_server.data_dir) == []
    assert core_server.http.get(f"/generations/{gen['id']}").status_code == 404
    assert core_server.http.get("/history").json()["total"] == 0
