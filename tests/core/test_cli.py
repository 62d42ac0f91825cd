"""The `voicebox` CLI on a real data dir (profiles, samples, transcribe, say), and the clone
path as a person meets it: `say` refused with the download command, `models download` with
its progress (Ctrl-C stops it cleanly), then `say` speaks, also without `--profile`."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import soundfile as sf
from typer.testing import CliRunner

from core.cli import app
from tests.core.conftest import PiperProvider
from tests.core.fake_hub import FakeHub, build_tiny_qwen_base

runner = CliRunner()
VOICEBOX = str(Path(sys.executable).parent / "voicebox")


@pytest.fixture
def env(tmp_path: Path, piper: PiperProvider, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VOICEBOX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICEBOX_PROVIDER_URL", piper.url)
    monkeypatch.setenv("VOICEBOX_PROVIDER_TOKEN", piper.token)
    return tmp_path


def test_cli_profiles_samples_transcribe_and_say(env: Path, speech_wav: bytes) -> None:
    made = runner.invoke(
        app,
        [
            "profiles",
            "create",
            "Joe",
            "--voice-type",
            "preset",
            "--preset-engine",
            "piper",
            "--preset-voice",
            "joe",
        ],
    )
    assert made.exit_code == 0, made.output
    clone = runner.invoke(app, ["profiles", "create", "Ada"])
    assert clone.exit_code == 0
    half = runner.invoke(app, ["profiles", "create", "P", "--voice-type", "preset"])
    assert half.exit_code == 2 and "--preset-engine" in half.output
    assert "GET /" not in half.output
    dup = runner.invoke(app, ["profiles", "create", "Ada"])
    assert dup.exit_code == 1 and "already exists" in dup.output
    clip = env / "clip.wav"
    clip.write_bytes(speech_wav)
    added = runner.invoke(app, ["profiles", "add-sample", "Ada", str(clip)])
    assert added.exit_code == 0, added.output
    assert "fox" in added.output.lower()  # transcribed because no --text was given
    listing = runner.invoke(app, ["profiles", "list"])
    assert "Ada" in listing.output and "piper/joe" in listing.output
    heard = runner.invoke(app, ["transcribe", str(clip)])
    assert heard.exit_code == 0 and "lazy dog" in heard.output.lower()
    out = env / "out.flac"
    said = runner.invoke(app, ["say", "Hello from the command line.", "-p", "Joe", "-o", str(out)])
    assert said.exit_code == 0, said.output
    audio, rate = sf.read(io.BytesIO(out.read_bytes()))
    assert rate == 22_050 and audio.size / rate > 1.0
    missing = runner.invoke(app, ["say", "Hi", "-p", "Nobody", "-o", str(env / "x.wav")])
    assert missing.exit_code == 1 and "no voice profile" in missing.output


def test_serve_refuses_an_open_bind_without_key(env: Path) -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "VOICEBOX_API_KEY" in result.output


@pytest.fixture(scope="module")
def qwen_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    import importlib.util

    if importlib.util.find_spec("qwen_tts") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("the qwen extra (torch, qwen-tts) is not installed")
    folder = build_tiny_qwen_base(tmp_path_factory.mktemp("hub") / "Qwen3-TTS-12Hz-0.6B-Base")
    fake = FakeHub(folder, first="model.safetensors")
    yield fake
    fake.close()


def voicebox(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `voicebox` command, as a person runs it."""
    return subprocess.run(
        [VOICEBOX, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def no_internals(text: str) -> None:
    for word in ("POST /", "GET /", "Errno", "Traceback", "PipelineStatus"):
        assert word not in text, f"{word!r} leaked into: {text}"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_cli_clone_needs_a_download_it_offers_then_speaks(
    tmp_path: Path, qwen_hub: FakeHub, speech_wav: bytes
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICEBOX_")}
    env.update(
        VOICEBOX_DATA_DIR=str(tmp_path / "data"),
        HF_ENDPOINT=qwen_hub.url,
        HF_HUB_OFFLINE="0",
        COLUMNS="120",
    )
    clip = tmp_path / "clip.wav"
    clip.write_bytes(speech_wav)
    assert voicebox(env, "profiles", "create", "Ada").returncode == 0
    added = voicebox(env, "profiles", "add-sample", "Ada", str(clip), "--text", "The quick fox.")
    assert added.returncode == 0, added.stderr
    out = tmp_path / "ada.wav"

    refused = voicebox(env, "say", "Hello there.", "-p", "Ada", "-o", str(out))
    assert refused.returncode == 1 and not out.exists()
    message = " ".join(refused.stderr.split())  # rich wraps long lines
    assert "Voice cloning needs Qwen3-TTS 0.6B" in message and "about 2.5 GB" in message
    assert "`voicebox models download qwen 0.6B`" in message
    no_internals(refused.stderr)
    nobody = voicebox(env, "say", "Hi", "-p", "Nobody", "-o", str(out))
    assert nobody.returncode == 1 and "voicebox profiles list" in nobody.stderr
    no_internals(nobody.stderr)

    listed = voicebox(env, "models", "list")
    assert listed.returncode == 0, listed.stderr
    assert "not downloaded" in listed.stdout and "voice cloning" in listed.stdout
    assert "voicebox models download qwen 0.6B" in " ".join(listed.stdout.split())
    assert "`voicebox models list --folders`" in listed.stdout

    # Ctrl-C during the download: a clean stop that keeps what was fetched. The progress bar
    # is drawn live (TTY_INTERACTIVE), so Ctrl-C is sent once the command itself shows it is
    # downloading and the hub is serving the weights.
    qwen_hub.delay_s = 1.0
    qwen_hub.gets.clear()
    live = {**env, "TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1"}
    with subprocess.Popen(
        [VOICEBOX, "models", "download", "qwen", "0.6B"],
        env=live,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As in a terminal: a test run started in the background inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as running:
        assert running.stderr is not None
        shown: list[str] = []
        downloading = threading.Event()

        def read(stream: IO[str]) -> None:
            while chunk := stream.read(64):
                shown.append(chunk)
                if "Downloading qwen 0.6B" in "".join(shown):
                    downloading.set()

        reader = threading.Thread(target=read, args=(running.stderr,), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while running.poll() is None and time.monotonic() < deadline:
            weights = any(name.endswith("model.safetensors") for name in qwen_hub.gets)
            if downloading.wait(0.1) and weights:
                break
        running.send_signal(signal.SIGINT)
        running.wait(timeout=60)
        reader.join(timeout=10)
        stderr = "".join(shown)
    qwen_hub.delay_s = 0.0
    assert running.returncode == 130, stderr
    assert "cancelled" in stderr and "resumes it" in stderr
    no_internals(stderr)

    fetched = voicebox(env, "models", "download", "qwen", "0.6B")
    assert fetched.returncode == 0, fetched.stderr
    assert "Downloading qwen 0.6B" in fetched.stderr and "MB" in fetched.stderr
    assert "qwen 0.6B is on this machine" in fetched.stderr

    said = voicebox(env, "say", "Hello there.", "-p", "Ada", "-o", str(out))
    assert said.returncode == 0, said.stderr
    audio, rate = sf.read(io.BytesIO(out.read_bytes()))
    assert rate == 24_000 and audio.size > 0
    default = tmp_path / "default.wav"
    again = voicebox(env, "say", "And again, in the voice used last.", "-o", str(default))
    assert again.returncode == 0, again.stderr
    assert sf.info(str(default)).samplerate == 24_000

    deleted = voicebox(env, "models", "delete", "qwen", "0.6B")
    assert deleted.returncode == 0 and "deleted qwen 0.6B" in deleted.stderr
