"""Profiles and samples over real HTTP: formats, validation with clear 422s, cleaning, files."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.core import media
from tests.core.conftest import CoreServer, files_under


def _profile(core: CoreServer, name: str = "Ada", **extra: object) -> dict:
    response = core.http.post("/profiles", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _upload(core: CoreServer, profile_id: int, data: bytes, name: str = "clip.bin", **form: str):
    return core.http.post(
        f"/profiles/{profile_id}/samples", files={"audio": (name, data)}, data=form
    )


def test_profile_crud_and_unique_names(bare_core: CoreServer) -> None:
    made = _profile(bare_core, "Ada", description="warm", language="en")
    assert made["voice_type"] == "cloned" and made["sample_count"] == 0
    dup = bare_core.http.post("/profiles", json={"name": "Ada"})
    assert dup.status_code == 409 and "already exists" in dup.json()["error"]["message"]
    for bad in (
        {"name": ""},
        {"name": "x" * 101},
        {"name": 5},
        {"name": "B", "voice_type": "x"},
        {"name": "B", "colour": "red"},
    ):
        response = bare_core.http.post("/profiles", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["param"] in ("name", "voice_type", "colour")
    preset = bare_core.http.post("/profiles", json={"name": "P", "voice_type": "preset"})
    assert preset.status_code == 422 and "preset_voice" in preset.json()["error"]["message"]
    renamed = bare_core.http.patch(f"/profiles/{made['id']}", json={"name": "Ada L"})
    assert renamed.json()["name"] == "Ada L"
    other = _profile(bare_core, "Grace")
    clash = bare_core.http.patch(f"/profiles/{other['id']}", json={"name": "Ada L"})
    assert clash.status_code == 409
    assert "'Ada L' already exists" in clash.json()["error"]["message"]  # the name asked for
    assert bare_core.http.get(f"/profiles/{other['id']}").json()["name"] == "Grace"
    assert [p["name"] for p in bare_core.http.get("/profiles").json()] == ["Ada L", "Grace"]
    assert bare_core.http.delete(f"/profiles/{made['id']}").status_code == 204
    missing = bare_core.http.get(f"/profiles/{made['id']}")
    assert missing.status_code == 404 and "does not exist" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    ("container", "codec", "video"),
    [
        ("wav", None, False),
        ("flac", None, False),
        ("ogg", "libopus", False),
        ("mp3", "libmp3lame", False),
        ("ipod", "aac", False),
        ("webm", "libopus", False),
        ("mp4", "aac", True),
    ],
)
def test_sample_formats_are_decoded_cleaned_and_kept(
    bare_core: CoreServer, container: str, codec: str | None, video: bool
) -> None:
    profile = _profile(bare_core)
    # 1 s of silence on each side, plus a DC offset in lossless files (lossy codecs filter DC
    # themselves): cleaning must remove both.
    voice = media.voice_like(3.0, 44_100, amplitude=0.4)
    pad = np.zeros(44_100, np.float32)
    offset = np.float32(0.05 if container in ("wav", "flac") else 0.0)
    signal = np.concatenate([pad, voice, pad]) + offset
    if container == "wav":
        data = media.wav(signal, 44_100)
    elif container == "flac":
        data = media.flac(signal, 44_100)
    else:
        data = media.encode(signal, 44_100, container, str(codec), video=video)
    response = _upload(bare_core, profile["id"], data, "../../etc/passwd", reference_text="hi")
    assert response.status_code == 201, response.text
    sample = response.json()
    assert 2.9 <= sample["duration"] <= 3.6
    assert sample["reference_text"] == "hi"
    cleaned = bare_core.http.get(sample["audio_url"])
    audio, rate = sf.read(io.BytesIO(cleaned.content), dtype="float32")
    assert audio.ndim == 1 and rate == sample["sample_rate"] >= 44_100
    assert abs(float(audio.mean())) < 0.01
    assert 0.9 < float(np.max(np.abs(audio))) <= 0.96
    original = bare_core.http.get(sample["audio_url"], params={"original": "true"})
    assert original.content == data
    names = [p.relative_to(bare_core.data_dir).as_posix() for p in files_under(bare_core.data_dir)]
    assert all(n.startswith(f"audio/profiles/{profile['id']}/samples/") for n in names)
    assert not any("passwd" in n or ".tmp" in n for n in names)


def test_bad_samples_get_clear_422s_and_leave_nothing(bare_core: CoreServer) -> None:
    profile = _profile(bare_core)
    rate = 44_100
    loud = media.voice_like(4.0, rate, amplitude=1.0)
    clipped = np.clip(loud * 3, -1, 1).astype(np.float32)
    hour = np.zeros(16_000 * 3600, np.float32)
    hour[:16_000] = media.voice_like(1.0, 16_000)
    cases = {
        "not audio": (b"this is plainly a text file, not a recording" * 20, "not audio"),
        "0 bytes": (b"", "empty"),
        "an hour long": (media.flac(hour, 16_000), "long"),
        "silent": (media.wav(np.zeros(rate * 4, np.float32), rate), "silent"),
        "near-silent": (media.wav(media.voice_like(4.0, rate, amplitude=0.0005), rate), "silent"),
        "clipped": (media.wav(clipped, rate), "clipped"),
        "too short": (media.wav(media.voice_like(1.0, rate), rate), "2-30 s"),
        "too long": (media.wav(media.voice_like(40.0, 16_000), 16_000), "2-30 s"),
        "8 kHz": (media.wav(media.voice_like(4.0, 8_000), 8_000), "16000 Hz"),
    }
    for label, (data, expected) in cases.items():
        response = _upload(bare_core, profile["id"], data)
        assert response.status_code == 422, (label, response.text)
        error = response.json()["error"]
        assert expected in error["message"], (label, error)
        assert error["param"] == "audio"
    missing = _upload(bare_core, 424242, media.wav(media.voice_like(3.0), 44_100))
    assert missing.status_code == 404
    no_file = bare_core.http.post(f"/profiles/{profile['id']}/samples", data={"x": "1"})
    assert no_file.status_code == 422 and no_file.json()["error"]["param"] == "audio"
    assert files_under(bare_core.data_dir) == []
    assert bare_core.http.get(f"/profiles/{profile['id']}/samples").json() == []


def test_upload_limit_is_413(make_core) -> None:
    core = make_core(speech=False, max_upload_mb=1)
    profile = _profile(core)
    big = media.wav(media.voice_like(20.0, 44_100), 44_100)  # ~1.7 MB
    response = _upload(core, profile["id"], big)
    assert response.status_code == 413
    assert "MB" in response.json()["error"]["message"]
    assert files_under(core.data_dir) == []


def test_sample_edit_delete_and_profile_delete_remove_files(bare_core: CoreServer) -> None:
    profile = _profile(bare_core)
    data = media.wav(media.voice_like(3.0), 44_100)
    first = _upload(bare_core, profile["id"], data).json()
    second = _upload(bare_core, profile["id"], data).json()
    edited = bare_core.http.patch(
        f"/profiles/{profile['id']}/samples/{first['id']}", json={"reference_text": " Hello "}
    )
    assert edited.json()["reference_text"] == "Hello"
    wrong = bare_core.http.patch(
        f"/profiles/{profile['id']}/samples/{first['id']}", json={"reference_text": 3}
    )
    assert wrong.status_code == 422
    assert len(files_under(bare_core.data_dir)) == 4
    bare_core.http.delete(f"/profiles/{profile['id']}/samples/{first['id']}")
    assert len(files_under(bare_core.data_dir)) == 2
    assert [s["id"] for s in bare_core.http.get(f"/profiles/{profile['id']}/samples").json()] == [
        second["id"]
    ]
    bare_core.http.delete(f"/profiles/{profile['id']}")
    assert files_under(bare_core.data_dir) == []


def test_audio_removed_behind_the_apps_back_is_404(bare_core: CoreServer) -> None:
    profile = _profile(bare_core)
    sample = _upload(bare_core, profile["id"], media.wav(media.voice_like(3.0), 44_100)).json()
    for path in files_under(bare_core.data_dir):
        path.unlink()
    for original in ("false", "true"):
        response = bare_core.http.get(sample["audio_url"], params={"original": original})
        assert response.status_code == 404 and "missing" in response.json()["error"]["message"]


def test_generate_without_a_reachable_provider_is_a_clear_503(bare_core: CoreServer) -> None:
    profile = _profile(
        bare_core, "Joe", voice_type="preset", preset_engine="piper", preset_voice="joe"
    )
    response = bare_core.http.post("/generate", json={"profile_id": profile["id"], "text": "Hi"})
    assert response.status_code == 503
    assert "no speech provider is available" in response.json()["error"]["message"]
    speech = bare_core.http.post(
        "/v1/audio/speech", json={"model": "tts-1", "voice": "Joe", "input": ["x"]}
    )
    assert speech.status_code == 422 and speech.json()["error"]["param"] == "input"
    assert bare_core.http.get("/history").json()["total"] == 0
