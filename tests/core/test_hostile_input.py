"""Hostile input over real HTTP: ids beyond the database's 64-bit range, text no engine can
speak, odd strings in every field, multichannel uploads, chunked bodies over the limit, bad
CA bundles and provider URLs, configuration problems, and a 500 that keeps the connection."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.core.conftest import CoreServer
from tests.core.tone_core import ToneCore, tone_core

BEYOND = (2**63, 2**64, 10**30)
"""Ids SQLite cannot store (its INTEGER is 64-bit signed)."""
LARGEST = 2**63 - 1
ID_ROUTES = [
    ("GET", "/generations/{}"),
    ("POST", "/generations/{}/cancel"),
    ("POST", "/generations/{}/retry"),
    ("POST", "/generations/{}/regenerate"),
    ("DELETE", "/generations/{}"),
    ("POST", "/generations/{}/favourite"),
    ("GET", "/generations/{}/versions"),
    ("GET", "/generations/{}/audio"),
    ("GET", "/generations/{}/events"),
    ("GET", "/profiles/{}"),
    ("PATCH", "/profiles/{}"),
    ("DELETE", "/profiles/{}"),
    ("GET", "/profiles/{}/samples"),
    ("POST", "/profiles/{}/samples"),
    ("PATCH", "/profiles/1/samples/{}"),
    ("DELETE", "/profiles/1/samples/{}"),
    ("GET", "/profiles/1/samples/{}/audio"),
]
BODIES = {"/favourite": {"favourite": True}, "PATCH /profiles/{}": {"name": "X"}}


@pytest.fixture
def tone(tmp_path: Path) -> Iterator[ToneCore]:
    with tone_core(tmp_path / "data") as running:
        yield running


def _error(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    error: dict[str, str] = response.json()["error"]
    return error


def _call(http: httpx.Client, method: str, route: str, value: int) -> httpx.Response:
    body = BODIES.get(route[route.rfind("/") :]) or BODIES.get(f"{method} {route}")
    if route.endswith("/samples") and method == "POST":
        files = {"audio": ("a.wav", b"RIFF", "audio/wav")}
        return http.request(method, route.format(value), files=files)
    if route.endswith("/samples/{}") and method == "PATCH":
        body = {"reference_text": "x"}
    return http.request(method, route.format(value), json=body)


def test_ids_beyond_64_bits_are_422_and_the_largest_is_404(bare_core: CoreServer) -> None:
    http = bare_core.http
    profile = http.post("/profiles", json={"name": "P"}).json()["id"]
    assert profile == 1
    for method, route in ID_ROUTES:
        for value in BEYOND:
            error = _error(_call(http, method, route, value), 422)
            assert "less than or equal to 9223372036854775807" in error["message"], route
        assert _call(http, method, route, 0).status_code == 422
        assert _call(http, method, route, LARGEST).status_code == 404, route
    generate = {"profile_id": 2**63, "text": "Hello."}
    assert _error(http.post("/generate", json=generate), 422)["param"] == "profile_id"
    assert http.get("/history", params={"profile_id": 2**64}).status_code == 422
    assert http.get("/history", params={"offset": 2**63}).status_code == 422
    assert http.get("/history", params={"offset": LARGEST}).json()["items"] == []
    assert http.get("/generations/1/audio", params={"version": 2**63}).status_code == 422


def test_text_with_controls_is_cleaned_and_unspeakable_text_refused(tone: ToneCore) -> None:
    http = tone.server.http
    profile = tone.preset_profile()
    gen = tone.generate(profile, "Hello\x00 there\x1b[31m\r\nfriend\x7f.", instruct="calm\x00ly")
    done = tone.server.wait(gen["id"])
    assert done["status"] == "completed", done
    assert done["text"] == "Hello there[31m\nfriend." and done["instruct"] == "calmly"
    for text in ("...", "?!  —", "\u200b\u200b\u2060", "\x00\x01", "  \n\t "):
        body = {"profile_id": profile, "text": text, "model_size": "preset"}
        error = _error(http.post("/generate", json=body), 422)
        assert error["param"] == "text"
        assert "nothing speakable" in error["message"] or "empty" in error["message"], text
    raw = b'{"profile_id": %d, "text": "a\\ud800b", "model_size": "preset"}' % profile
    lone = http.post("/generate", content=raw, headers={"Content-Type": "application/json"})
    assert _error(lone, 422)["param"] == "text"
    speech = b'{"model": "tts-1", "input": "hi \\udfff", "voice": "alloy"}'
    refused = http.post(
        "/v1/audio/speech", content=speech, headers={"Content-Type": "application/json"}
    )
    assert 400 <= refused.status_code < 500, refused.text
    assert http.get("/history").json()["total"] == 1  # nothing half-made


def test_odd_strings_in_generate_are_4xx(tone: ToneCore) -> None:
    http = tone.server.http
    profile = tone.preset_profile()
    odd = ["../../etc/passwd", "tone\x00", "\x00", "é" * 64, "TONE", "%s%n", "{engine}", "\ud7ff"]
    for value in odd:
        for field in ("engine", "model_size", "language", "instruct"):
            body = {"profile_id": profile, "text": "Hi.", field: value}
            response = http.post("/generate", json=body)
            assert response.status_code < 500, (field, value, response.text)
            if response.status_code >= 400:
                assert response.json()["error"]["message"], response.text


def _tone_wav(channels: int, peak_dbfs: float, *, clip_first: bool = False) -> bytes:
    rate = 48_000
    t = np.arange(rate * 4) / rate
    voice = np.sin(2 * np.pi * 220 * t) * (0.55 + 0.45 * np.sin(2 * np.pi * 0.7 * t))
    mix = np.stack([voice * (1 - 0.05 * c) for c in range(channels)], axis=1)
    mix *= 10 ** (peak_dbfs / 20) / np.abs(mix).max()
    if clip_first:
        mix[:, 0] = np.clip(mix[:, 0] * 4, -1, 1)
    buffer = io.BytesIO()
    sf.write(buffer, mix, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def test_clipping_is_measured_per_channel(bare_core: CoreServer) -> None:
    http = bare_core.http
    profile = http.post("/profiles", json={"name": "Multichannel"}).json()["id"]

    def upload(data: bytes) -> httpx.Response:
        files = {"audio": ("take.wav", data, "audio/wav")}
        return http.post(f"/profiles/{profile}/samples", files=files, data={"reference_text": "a"})

    assert upload(_tone_wav(2, -2.0)).status_code == 201
    assert upload(_tone_wav(6, -6.0)).status_code == 201
    assert upload(_tone_wav(1, -0.5)).status_code == 201
    clipped = _error(upload(_tone_wav(2, -2.0, clip_first=True)), 422)
    assert "clipped" in clipped["message"] and "input gain" in clipped["message"]
    assert len(http.get(f"/profiles/{profile}/samples").json()) == 3


def test_a_chunked_body_over_the_limit_is_413_naming_it(
    make_core: Callable[..., CoreServer],
) -> None:
    core = make_core(speech=False, max_upload_mb=1)
    profile = core.http.post("/profiles", json={"name": "Big"}).json()["id"]
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:  # an iterator: httpx sends it chunked, no Content-Length
        yield head
        for _ in range(40):
            yield b"\x00" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = core.http.post(
        f"/profiles/{profile}/samples",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert "content-length" not in response.request.headers
    error = _error(response, 413)
    assert "1 MB" in error["message"]
    assert core.http.get(f"/profiles/{profile}/samples").json() == []
    assert core.http.get("/health").status_code == 200


def test_bad_ca_bundles_and_provider_urls_are_4xx_naming_them(
    tone: ToneCore, tmp_path: Path
) -> None:
    http = tone.server.http
    not_pem = tmp_path / "bundle.pem"
    not_pem.write_text("this is not a certificate\n")
    unreadable = tmp_path / "locked.pem"
    unreadable.write_text("-----BEGIN CERTIFICATE-----\n")
    unreadable.chmod(0)
    for bundle, why in (
        (not_pem, "no PEM certificate"),
        (tmp_path / "missing.pem", "no such file"),
        (tmp_path, "a folder"),
        (unreadable, "PEM" if _readable(unreadable) else "cannot be read"),
    ):
        body = {"url": "https://127.0.0.1:9", "token": "t", "ca_bundle": str(bundle)}
        error = _error(http.put("/providers/remote", json=body), 422)
        assert str(bundle) in error["message"] and why in error["message"], error
        assert error["param"] == "ca_bundle"
    for url in (
        "/etc/passwd",
        "file:///etc/passwd",
        "http://[::1",
        "http://host:99999",
        "C:\\x\\y",
    ):
        response = http.put("/providers/remote", json={"url": url, "token": "t"})
        assert 400 <= response.status_code < 500, (url, response.text)
        assert response.json()["error"]["message"]
    [remote] = [p for p in http.get("/health").json()["providers"] if p["id"] == "remote"]
    assert remote["state"] != "failed", remote  # the working provider was left as it was


def _readable(path: Path) -> bool:
    try:
        path.read_bytes()
    except PermissionError:
        return False
    return True  # root reads anything


def test_no_release_index_is_409_naming_the_setting(tone: ToneCore) -> None:
    error = _error(tone.server.http.post("/providers/pytorch-cpu/install"), 409)
    assert "VOICEBOX_PROVIDER_INDEX_URL" in error["message"]


def test_a_500_keeps_the_connection_open(
    make_core: Callable[..., CoreServer], tmp_path: Path
) -> None:
    """An unexpected error answers a 500 in the envelope, and the client's next request on the
    same keep-alive connection is answered (uvicorn drops it when the error is re-raised)."""
    core = make_core(speech=False, ui_dir=tmp_path / "no-ui")  # no SPA route before ours

    def broken() -> None:
        raise RuntimeError("a bug")

    core.app.router.add_api_route("/broken-for-test", broken, methods=["GET"])
    with httpx.Client(base_url=core.url, trust_env=False) as http:
        failed = http.get("/broken-for-test")
        error = _error(failed, 500)
        assert error["code"] == "internal_error" and "a bug" not in error["message"]
        after = http.get("/health")
        assert after.status_code == 200
        first = failed.extensions["network_stream"].get_extra_info("client_addr")
        second = after.extensions["network_stream"].get_extra_info("client_addr")
        assert first == second, "the connection was dropped after the 500"


def test_odd_voices_on_the_openai_api_are_4xx(tone: ToneCore) -> None:
    tone.preset_profile()
    for voice in ("9" * 30, "²", "١", str(2**63), "../../x", "\x00", "0"):
        body = {"model": "tts-1", "input": "Hello there.", "voice": voice}
        response = tone.server.http.post("/v1/audio/speech", json=body)
        assert 400 <= response.status_code < 500, (voice, response.text)
        assert response.json()["error"]["message"]
