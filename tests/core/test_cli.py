"""The `voicebox` CLI on a real data dir (profiles, samples, transcribe, say)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner

from core.cli import app
from tests.core.conftest import PiperProvider

runner = CliRunner()


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
