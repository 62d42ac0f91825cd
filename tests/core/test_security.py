"""Security: Host allow-list, API key on non-loopback binds, CORS to the own origin only,
settings from env and a settings file, UI served with SPA fallback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from core.app import create_app
from core.settings import Settings, host_is_loopback
from tests.core.conftest import CoreServer


def test_foreign_host_header_is_refused(bare_core: CoreServer) -> None:
    ok = bare_core.http.get("/health", headers={"Host": "localhost:17493"})
    assert ok.status_code == 200
    evil = bare_core.http.get("/profiles", headers={"Host": "evil.example:17493"})
    assert evil.status_code == 421
    assert "not allowed" in evil.json()["error"]["message"]


def test_cors_allows_only_the_own_origin(make_core) -> None:
    core = make_core(speech=False, port=17493)
    own = core.http.options(
        "/profiles",
        headers={"Origin": "http://127.0.0.1:17493", "Access-Control-Request-Method": "POST"},
    )
    assert own.headers.get("access-control-allow-origin") == "http://127.0.0.1:17493"
    other = core.http.options(
        "/profiles",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_non_loopback_bind_needs_an_api_key(make_core, tmp_path: Path) -> None:
    assert host_is_loopback("127.0.0.1") and host_is_loopback("::1")
    assert not host_is_loopback("0.0.0.0")
    with pytest.raises(ValueError, match="VOICEBOX_API_KEY"):
        create_app(Settings(data_dir=tmp_path, host="0.0.0.0"))
    core = make_core(speech=False, api_key="s3cret", allowed_hosts=["127.0.0.1"])
    assert core.http.get("/profiles").status_code == 200  # the fixture sends the key
    anonymous = httpx.get(f"{core.url}/profiles", trust_env=False)
    assert anonymous.status_code == 401 and "API key" in anonymous.json()["error"]["message"]
    wrong = httpx.get(
        f"{core.url}/profiles", headers={"Authorization": "Bearer nope"}, trust_env=False
    )
    assert wrong.status_code == 401
    assert httpx.get(f"{core.url}/health", trust_env=False).status_code == 200


def test_settings_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(
        json.dumps({"port": 18000, "max_text_chars": 900, "whisper_threads": 1})
    )
    monkeypatch.setenv("VOICEBOX_SETTINGS_FILE", str(settings_file))
    monkeypatch.setenv("VOICEBOX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICEBOX_MAX_TEXT_CHARS", "1200")
    settings = Settings()
    assert settings.port == 18000 and settings.whisper_threads == 1
    assert settings.max_text_chars == 1200  # the environment wins over the file
    assert settings.data_dir == (tmp_path / "data").resolve()
    assert settings.db_url.endswith(str(tmp_path / "data" / "voicebox.db"))


def test_built_ui_is_served_with_spa_fallback(make_core, tmp_path: Path) -> None:
    ui = tmp_path / "dist"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text("<!doctype html><title>Voicebox</title>")
    (ui / "assets" / "app.js").write_text("console.log('hi')")
    core = make_core(speech=False, ui_dir=ui)
    assert "Voicebox" in core.http.get("/").text
    assert "Voicebox" in core.http.get("/library/42", headers={"Accept": "text/html"}).text
    assert core.http.get("/assets/app.js").text.startswith("console")
    assert core.http.get("/profiles").json() == []  # the API still wins
    missing = core.http.get("/no-such-endpoint")  # an API client gets JSON, not the app
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert core.http.get("/../../etc/passwd").status_code in (200, 404)
    assert "root:" not in core.http.get("/..%2F..%2Fetc%2Fpasswd").text
