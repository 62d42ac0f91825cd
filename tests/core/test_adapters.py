"""The remote and OpenAI adapters against real servers on 127.0.0.1: the session's Piper provider
(spawned with a token), a stand-in provider that answers without a token, and a second running
core whose /v1/audio/speech the official `openai` SDK talks to."""

from __future__ import annotations

import io
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import soundfile as sf

from core.tts.openai_provider import OpenAIProvider
from core.tts.remote_provider import RemoteProvider
from core.tts.secret_store import SecretStore
from provider_sdk.errors import (
    CannotClone,
    InvalidRequest,
    ProviderError,
    ProviderUnreachable,
    Unauthorized,
)
from provider_sdk.launch import launch_provider
from provider_sdk.models import GenerateRequest
from tests.core.conftest import CoreServer, PiperProvider
from tests.core.manager_fixtures import standin_command
from tests.core.test_generation import preset


async def test_remote_with_wrong_token_is_a_clear_auth_error(piper: PiperProvider) -> None:
    remote = RemoteProvider("remote", piper.url, "not-the-token")
    with pytest.raises(Unauthorized) as err:
        await remote.start()
    message = err.value.message
    assert f"the provider at {piper.url} refused the token" in message
    assert "wrong token" in message and "--token-file" in message
    assert remote.info().state == "failed" and remote.info().error == message
    await remote.stop()


async def test_remote_with_right_token_reports_conformance_and_speaks(
    piper: PiperProvider,
) -> None:
    remote = RemoteProvider("remote", piper.url, piper.token)
    try:
        summary = await remote.connect()
        print("\n" + summary.message())
        assert summary.ok and set(summary.passed) == {
            "health",
            "status",
            "describe",
            "auth_missing_token",
            "auth_wrong_token",
        }
        assert summary.warnings == []  # loopback: plain http is fine
        result = await remote.generate(
            GenerateRequest(text="Hello from the GPU box.", engine="piper", voice="joe")
        )
        assert result.sample_rate == 22_050 and result.duration > 0.5
        assert "piper" in remote.info().engines or (await remote.describe()).engines
    finally:
        await remote.stop()


async def test_remote_refuses_an_unauthenticated_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDIN_MODE", "open")
    process = launch_provider(standin_command(tmp_path), data_dir=tmp_path, token="ignored")
    try:
        remote = RemoteProvider("remote", process.url, "any-token")
        with pytest.raises(Unauthorized) as err:
            await remote.connect()
        assert "answers requests without a valid token" in err.value.message
        assert remote.summary is not None and "auth_missing_token" in remote.summary.failed
    finally:
        process.stop(grace_s=1)


async def test_remote_retries_reads_but_never_a_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDIN_MODE", "open")
    monkeypatch.setenv("STANDIN_TOKEN", "s3cret")
    monkeypatch.setenv("STANDIN_FLAKY", "1")
    process = launch_provider(standin_command(tmp_path), data_dir=tmp_path, token="unused")
    try:
        remote = RemoteProvider("remote", process.url, "s3cret")
        summary = await remote.connect()  # its first GET /tts/health was dropped: retried
        assert "describe" in summary.failed  # the stand-in lists no engines: reported
        with pytest.raises(ProviderUnreachable):
            await remote.generate(GenerateRequest(text="Only once.", voice="x"))
        counts = httpx.get(
            f"{process.url}/counts", headers={"Authorization": "Bearer s3cret"}, trust_env=False
        ).json()
        assert counts["POST /tts/generate"] == 1, counts
        assert counts["GET /tts/health"] >= 2, counts
    finally:
        process.stop(grace_s=1)


async def test_remote_unreachable_and_bad_urls_say_what_to_do() -> None:
    with pytest.raises(InvalidRequest):
        RemoteProvider("remote", "ftp://box:8100", "t")
    plain = RemoteProvider("remote", "http://192.0.2.1:8100", "t")
    assert "unencrypted" in plain._warnings[0]
    closed = RemoteProvider("remote", "http://127.0.0.1:9", "t", retries=1)
    with pytest.raises(ProviderUnreachable) as err:
        await closed.connect()
    assert "cannot reach the provider" in err.value.message and "firewall" in err.value.message


@pytest.fixture
def speech_core(make_core: Callable[..., CoreServer]) -> CoreServer:
    core = make_core()
    preset(core, "Joe")
    return core


async def test_openai_provider_speaks_through_a_second_core(speech_core: CoreServer) -> None:
    provider = OpenAIProvider(
        "openai",
        "local-key",
        base_url=f"{speech_core.url}/v1",
        voices=["Joe"],
        models={"tts-1": False},
    )
    try:
        described = await provider.describe()
        [engine] = described.engines
        assert [v.id for v in engine.models[0].preset_voices] == ["Joe"]
        health = await provider.health()
        assert health.status == "healthy"
        result = await provider.generate(
            GenerateRequest(
                text="Spoken through the official SDK.", voice="Joe", model_size="tts-1"
            )
        )
        audio, rate = sf.read(io.BytesIO(result.wav))
        assert rate == 22_050 and audio.size / rate > 1.0 and result.sample_rate == rate
        # `instruct` is sent as `instructions`, never dropped: Piper cannot follow it, so the
        # core refuses it by name instead of speaking without it.
        with pytest.raises(ProviderError) as refused:
            await provider.generate(
                GenerateRequest(text="Whisper this.", voice="Joe", instruct="whisper softly")
            )
        assert "instruct" in refused.value.message and refused.value.status == 422
        with pytest.raises(CannotClone) as clone:
            await provider.create_voice_prompt([], "openai", "tts-1")
        assert "cannot clone" in clone.value.message
    finally:
        await provider.stop()


async def test_openai_defaults_and_errors(tmp_path: Path) -> None:
    provider = OpenAIProvider("openai", None)
    [engine] = (await provider.describe()).engines
    voices = {v.id for v in engine.models[0].preset_voices}
    assert {"alloy", "nova", "shimmer"} <= voices
    assert {m.model_size: m.capabilities.instruct for m in engine.models} == {
        "gpt-4o-mini-tts": True,
        "tts-1": False,
        "tts-1-hd": False,
    }
    with pytest.raises(Unauthorized) as no_key:
        await provider.generate(GenerateRequest(text="hi", voice="alloy"))
    assert "no OpenAI API key is set" in no_key.value.message
    closed = OpenAIProvider("openai", "k", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(ProviderUnreachable):
        await closed.generate(GenerateRequest(text="hi", voice="alloy"))
    await closed.stop()


def test_secrets_fall_back_to_a_0600_file(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, use_keyring=False)
    store.set("openai-api-key", "sk-test-123")
    mode = stat.S_IMODE(store.path.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert SecretStore(tmp_path, use_keyring=False).get("openai-api-key") == "sk-test-123"
    (tmp_path / "settings.json").write_text("{}")
    # Nowhere but the 0600 file.
    grep = subprocess.run(
        ["grep", "-rl", "sk-test-123", str(tmp_path)], capture_output=True, text=True
    )
    assert grep.stdout.split() == [str(store.path)]
    store.set("openai-api-key", None)
    assert store.get("openai-api-key") is None
