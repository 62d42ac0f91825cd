from __future__ import annotations

import io
import socket

import httpx
import numpy as np
import pytest
import soundfile as sf

from provider_sdk import errors
from provider_sdk.client import ProviderClient
from provider_sdk.models import GenerateRequest
from provider_sdk.server import ProviderInfo, create_provider_app
from tests.provider_sdk.conftest import TOKEN
from tests.provider_sdk.test_app import tone_wav
from tests.provider_sdk.tone_engine import ToneEngine


def in_process(token: str) -> ProviderClient:
    """The client over ASGI into the SDK app (no port): the same code path as over HTTP."""
    app = create_provider_app(ProviderInfo("test-provider", "9.9.9"), [ToneEngine()], token=TOKEN)
    return ProviderClient("http://provider", token, transport=httpx.ASGITransport(app=app))


async def test_typed_calls_and_errors() -> None:
    async with in_process(TOKEN) as client:
        assert (await client.health()).provider == "test-provider"
        described = await client.describe()
        assert [m.model_size for m in described.engines[0].models] == ["clone", "preset"]
        made = await client.create_voice_prompt(
            [(tone_wav(), "hello")], engine="tone", model_size="clone"
        )
        request = GenerateRequest(
            text="Hi there.",
            engine="tone",
            model_size="clone",
            voice_prompt=made.voice_prompt,
            seed=1,
        )
        result = await client.generate(request)
        assert result.sample_rate == 16_000 and result.duration > 0
        wav = await client.generate_wav(request)
        assert sf.info(io.BytesIO(wav)).samplerate == 16_000
        pieces = [p async for p in client.stream(request.model_copy(update={"text": "A. B."}))]
        assert [p.index for p in pieces] == [0, 1]
        with pytest.raises(errors.UnknownEngine, match="nope"):
            await client.generate(GenerateRequest(text="x", engine="nope"))
        with pytest.raises(errors.CannotClone):
            await client.create_voice_prompt(
                [(tone_wav(), None)], engine="tone", model_size="preset"
            )
        with pytest.raises(errors.InvalidAudio):
            await client.create_voice_prompt([(b"nope", None)], engine="tone", model_size="clone")
        status = await client.load("tone", "preset")
        assert status.model_loaded and status.model_size == "preset"
        assert not (await client.unload()).model_loaded
    async with in_process("wrong") as client:
        with pytest.raises(errors.Unauthorized, match="wrong token"):
            await client.status()


async def test_unreachable_provider_is_a_typed_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ProviderClient(f"http://127.0.0.1:{port}", "t") as client:
        with pytest.raises(errors.ProviderUnreachable, match="cannot reach"):
            await client.health()


def test_tone_wav_is_audio() -> None:
    samples, rate = sf.read(io.BytesIO(tone_wav()))
    assert rate == 16_000 and np.abs(samples).max() > 0.3
