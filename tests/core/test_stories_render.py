"""Rendering stories of tone clips: exact samples at clip boundaries, trims, gains and fades;
one rate through the resampler; the limiter; encoded exports; captions with shifted times."""

from __future__ import annotations

import io
import re

import av
import numpy as np
import soundfile as sf

from core.audio.encode import wav_bytes
from core.audio.mix import limit
from tests.core.conftest import CoreServer
from tests.core.stories_fixtures import generate, tone_core, tone_url, tone_voice

__all__ = ["tone_core", "tone_url"]
RATE = 16_000


def _take(core: CoreServer, url: str) -> np.ndarray:
    data, rate = sf.read(io.BytesIO(core.http.get(url).content), dtype="float32")
    assert rate == RATE
    return np.asarray(data, dtype=np.float32)


def _story(core: CoreServer, rate: int = RATE) -> tuple[int, int, int]:
    sid = core.http.post("/stories", json={"name": "Tones", "sample_rate": rate}).json()["id"]
    a = core.http.post(f"/stories/{sid}/tracks", json={"name": "A"}).json()["id"]
    b = core.http.post(f"/stories/{sid}/tracks", json={"name": "B"}).json()["id"]
    return sid, a, b


def _clip(core: CoreServer, sid: int, **body: object) -> dict[str, object]:
    response = core.http.post(f"/stories/{sid}/clips", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_mix_is_sample_exact(tone_core: CoreServer) -> None:
    voice = tone_voice(tone_core)
    one = generate(tone_core, voice, "a" * 20)  # 1.0 s
    two = generate(tone_core, voice, "b" * 30)  # 1.5 s
    x, y = _take(tone_core, one["audio_url"]), _take(tone_core, two["audio_url"])
    assert (x.size, y.size) == (16_000, 24_000)
    sid, track_a, track_b = _story(tone_core)
    # Clip 1 at 0.5 s, trimmed 0.1 s at the start and 0.2 s at the end, -6 dB, fades 0.1/0.05 s.
    _clip(
        tone_core,
        sid,
        track_id=track_a,
        generation_id=one["id"],
        start=0.5,
        trim_start=0.1,
        trim_end=0.2,
        gain_db=-6,
        fade_in=0.1,
        fade_out=0.05,
    )
    # Clip 2 on the other track overlaps clip 1's end; +3 dB on the track.
    _clip(tone_core, sid, track_id=track_b, generation_id=two["id"], start=1.0)
    tone_core.http.patch(f"/stories/{sid}/tracks/{track_b}", json={"gain_db": 3})
    # A muted clip adds nothing.
    _clip(tone_core, sid, track_id=track_a, generation_id=two["id"], start=0.0, muted=True)

    mixed, rate = tone_core.core.story_render.render_samples(sid)
    assert rate == RATE and mixed.size == 16_000 + 24_000  # clip 2 ends at 2.5 s

    g1, g2 = np.float32(10 ** (-6 / 20)), np.float32(10 ** (3 / 20))
    body1 = x[1600 : 16_000 - 3200] * g1  # 11 200 samples from timeline sample 8000
    body1[:1600] *= np.arange(1600, dtype=np.float32) / 1600
    body1[-800:] *= (np.arange(800, dtype=np.float32) / 800)[::-1]
    expected = np.zeros(40_000, np.float32)
    expected[8000:19_200] += body1
    expected[16_000:40_000] += y * g2
    np.testing.assert_array_equal(mixed[:8000], 0.0)  # nothing before clip 1
    assert mixed[8000] == 0.0  # the fade-in starts at silence
    assert mixed[8001] == np.float32(x[1601] * g1 * np.float32(1 / 1600))
    assert mixed[8800] == np.float32(x[2400] * g1 * np.float32(0.5))  # half-way up the fade
    assert mixed[9600] == np.float32(x[3200] * g1)  # after the fade, the plain gain
    assert mixed[15_999] == np.float32(x[9599] * g1)  # the sample before clip 2 starts
    assert mixed[16_000] == np.float32(x[9600] * g1 + y[0] * g2)  # the overlap begins
    assert mixed[19_198] == np.float32(x[12_798] * g1 * np.float32(1 / 800) + y[3198] * g2)
    assert mixed[19_199] == np.float32(y[3199] * g2)  # the fade-out ends at silence
    assert mixed[19_200] == np.float32(y[3200] * g2)  # clip 1's trimmed end: only clip 2
    np.testing.assert_allclose(mixed, expected, rtol=0, atol=1e-7)

    # Over HTTP: the same mix as 16-bit WAV (one quantization step at most).
    wav = tone_core.http.get(f"/stories/{sid}/audio")
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    data, wav_rate = sf.read(io.BytesIO(wav.content), dtype="int16")
    assert wav_rate == RATE and data.size == 40_000
    reference, _ = sf.read(io.BytesIO(wav_bytes(expected, RATE)), dtype="int16")
    assert int(np.abs(data.astype(int) - reference.astype(int)).max()) <= 1

    # Soloing track A leaves only clip 1 (the muted clip stays muted).
    tone_core.http.patch(f"/stories/{sid}/tracks/{track_a}", json={"solo": True})
    solo, _ = tone_core.core.story_render.render_samples(sid)
    assert solo.size == 19_200
    np.testing.assert_allclose(solo[8000:], body1, rtol=0, atol=1e-7)


def test_resampling_limiter_and_encoded_exports(tone_core: CoreServer) -> None:
    voice = tone_voice(tone_core)
    take = generate(tone_core, voice, "c" * 40)  # 2.0 s at 16 kHz
    sid, track, _ = _story(tone_core, rate=48_000)
    _clip(tone_core, sid, track_id=track, generation_id=take["id"], start=0.25, gain_db=24)
    mixed, rate = tone_core.core.story_render.render_samples(sid)
    assert rate == 48_000 and mixed.size == 12_000 + 96_000
    np.testing.assert_array_equal(mixed[:12_000], 0.0)
    body = mixed[12_000:]
    spectrum = np.abs(np.fft.rfft(body))
    assert abs(np.argmax(spectrum) * 48_000 / body.size - 440.0) < 1.0  # pitch kept
    assert np.abs(mixed).max() <= np.float32(0.98)  # +24 dB would clip: the limiter holds it
    assert float(np.abs(mixed).max()) > 0.9

    for fmt, container in (("mp3", "mp3"), ("flac", "flac"), ("opus", "ogg")):
        response = tone_core.http.get(f"/stories/{sid}/audio", params={"format": fmt})
        assert response.status_code == 200, response.text
        with av.open(io.BytesIO(response.content)) as probe:
            assert container in probe.format.name
            stream = probe.streams.audio[0]
            seconds = float(stream.duration * stream.time_base) if stream.duration else None
        assert seconds is None or abs(seconds - 2.25) < 0.1


def test_limiter_leaves_quiet_audio_untouched() -> None:
    rng = np.random.default_rng(7)
    quiet = (rng.uniform(-0.9, 0.9, 50_000)).astype(np.float32)
    assert limit(quiet, rate=RATE) is quiet
    loud = quiet * np.float32(3)
    out = limit(loud, rate=RATE)
    assert np.abs(out).max() <= np.float32(0.98)
    assert np.all(np.sign(out[np.abs(loud) > 0.01]) == np.sign(loud[np.abs(loud) > 0.01]))


def _times(srt: str) -> list[tuple[str, str, str]]:
    return re.findall(r"(\S+) --> (\S+)\n(.+)\n", srt)


def test_captions_shift_with_clip_positions(tone_core: CoreServer) -> None:
    voice = tone_voice(tone_core)
    first = generate(tone_core, voice, "Hello there, friend.")  # 1.0 s
    second = generate(tone_core, voice, "Goodbye now.")  # 0.6 s
    sid, track_a, track_b = _story(tone_core)
    _clip(tone_core, sid, track_id=track_a, generation_id=first["id"], start=2.0, trim_start=0.25)
    c2 = _clip(tone_core, sid, track_id=track_b, generation_id=second["id"], start=3605.5)
    srt = tone_core.http.get(f"/stories/{sid}/captions").text
    assert _times(srt) == [
        ("00:00:02,000", "00:00:02,750", "Hello there, friend."),
        ("01:00:05,500", "01:00:06,100", "Goodbye now."),
    ]
    assert srt.startswith("1\n00:00:02,000")
    vtt = tone_core.http.get(f"/stories/{sid}/captions", params={"format": "vtt"})
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT\n\n00:00:02.000 --> 00:00:02.750\nHello there, friend.")
    one = tone_core.http.get(f"/stories/{sid}/captions", params={"clip_id": c2["id"]}).text
    assert _times(one) == [("00:00:00,000", "00:00:00,600", "Goodbye now.")]
    bad = tone_core.http.get(f"/stories/{sid}/captions", params={"format": "ass"})
    assert bad.status_code == 422


def test_imported_audio_is_a_clip(tone_core: CoreServer) -> None:
    sid, track, _ = _story(tone_core)
    tone = (0.25 * np.sin(2 * np.pi * 220 * np.arange(8000) / 8000)).astype(np.float32)
    response = tone_core.http.post(
        f"/stories/{sid}/clips/import",
        data={"track_id": str(track), "start": "0.5", "label": "music"},
        files={"file": ("bed.wav", wav_bytes(tone, 8000), "audio/wav")},
    )
    assert response.status_code == 201, response.text
    clip = response.json()
    assert clip["generation_id"] is None and clip["label"] == "music"
    mixed, _ = tone_core.core.story_render.render_samples(sid)
    assert mixed.size == 8000 + 16_000
    np.testing.assert_array_equal(mixed[:8000], 0.0)
    assert abs(float(np.abs(mixed[8000:]).max()) - 0.25) < 0.01
    copy = tone_core.http.post(f"/stories/{sid}/duplicate").json()
    assert tone_core.http.delete(f"/stories/{sid}").status_code == 204
    tone_core.core.story_render.render_samples(copy["id"])  # the copy kept its own file
