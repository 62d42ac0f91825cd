"""Security: Host allow-list, cross-site requests refused, API key on non-loopback binds, CORS
to the own origin only, settings from env and a settings file, UI served with SPA fallback."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from core.app import create_app
from core.settings import Settings, host_is_loopback
from tests.core.conftest import CoreServer
from tests.core.tone_core import tone_core


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


EVIL = {"Origin": "http://evil.example"}


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "cross_site_request"
    assert "another site may not change Voicebox" in error["message"]


def test_cross_site_requests_are_refused_and_change_nothing(tmp_path: Path) -> None:
    """What a page on another site can make a browser send without a preflight (a bodiless
    POST, a multipart form) is refused; the app's own origin and non-browser clients work."""
    with tone_core(tmp_path / "data") as tone:
        http = tone.server.http
        gate = tone.engine.load_gate = threading.Event()  # the generation waits in loading
        profile = tone.preset_profile()
        gen = tone.generate(profile, "Hold on a moment.")
        clone = http.post("/profiles", json={"name": "Clone"}).json()["id"]

        _refused(http.post(f"/generations/{gen['id']}/cancel", headers=EVIL))
        _refused(http.post(f"/generations/{gen['id']}/cancel", headers={"Origin": "null"}))
        _refused(
            http.post(f"/generations/{gen['id']}/cancel", headers={"Sec-Fetch-Site": "cross-site"})
        )
        _refused(http.post("/providers/remote/stop", headers=EVIL))
        form = {"reference_text": (None, "hello")}
        _refused(
            http.post(
                f"/profiles/{clone}/samples",
                files={"audio": ("a.wav", b"RIFF0000WAVE", "audio/wav"), **form},
                headers=EVIL,
            )
        )
        _refused(http.delete(f"/profiles/{clone}", headers=EVIL))
        speech = {"model": "tts-1", "input": "Hi.", "voice": "alloy"}
        _refused(http.post("/v1/audio/speech", json=speech, headers=EVIL))

        assert http.get(f"/generations/{gen['id']}").json()["status"] != "cancelled"
        assert http.get(f"/profiles/{clone}/samples").json() == []
        assert http.get(f"/profiles/{clone}").status_code == 200
        [provider] = [p for p in http.get("/health").json()["providers"] if p["id"] == "remote"]
        assert provider["state"] != "stopped", provider

        own = {"Origin": tone.server.url, "Sec-Fetch-Site": "same-origin"}  # UI, desktop window
        cancelled = http.post(f"/generations/{gen['id']}/cancel", headers=own)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        gate.set()
        assert http.post(f"/profiles/{clone}/samples", headers=EVIL).status_code == 403
        # A non-browser client (no Origin, no Sec-Fetch-Site) and reads from anywhere work.
        assert http.delete(f"/profiles/{clone}").status_code == 204
        assert http.get("/profiles", headers=EVIL).status_code == 200


def test_a_configured_origin_is_trusted(make_core) -> None:
    core = make_core(speech=False, cors_origins=["http://localhost:5173"])
    body = {"name": "Dev"}
    dev = core.http.post("/profiles", json=body, headers={"Origin": "http://localhost:5173"})
    assert dev.status_code == 201
    other_port = core.http.post("/profiles", json=body, headers={"Origin": "http://localhost:5174"})
    _refused(other_port)
    _refused(core.http.post("/profiles", json=body, headers={"Sec-Fetch-Site": "same-site"}))
