"""RemoteProvider: a provider someone runs elsewhere (same HTTP spec, bearer token)."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

from core.tts.base import ProviderInfo, ProviderState, ReferenceSample, Synthesis, TTSProvider
from provider_sdk.errors import ProviderError
from provider_sdk.models import DescribeResponse, GenerateRequest, HealthResponse, VoicePrompt

if TYPE_CHECKING:  # httpx and soundfile load on first use, not at start-up
    from provider_sdk.client import ProviderClient


def synthesis_from_wav(wav: bytes) -> Synthesis:
    import soundfile as sf

    info = sf.info(io.BytesIO(wav))
    return Synthesis(wav=wav, sample_rate=int(info.samplerate), duration=float(info.duration))


class ClientProvider(TTSProvider):
    """Shared logic for providers reached through `ProviderClient`. The client is made per event
    loop (an httpx client belongs to the loop it was made in)."""

    kind = "remote"

    def __init__(self, provider_id: str) -> None:
        self.id = provider_id
        self.state = ProviderState.stopped
        self.error: str | None = None
        self._client: ProviderClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._url: str | None = None
        self._token: str | None = None
        self._describe: DescribeResponse | None = None

    def _connect(self, url: str, token: str | None) -> None:
        self._url, self._token = url, token
        self._client = None
        self._describe = None

    def client(self) -> ProviderClient:
        loop = asyncio.get_running_loop()
        if self._url is None:
            raise RuntimeError("provider not started")
        if self._client is None or self._client_loop is not loop:
            from provider_sdk.client import ProviderClient

            self._client = ProviderClient(self._url, self._token)
            self._client_loop = loop
        return self._client

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._client_loop is asyncio.get_running_loop():
            await client.aclose()

    async def health(self) -> HealthResponse:
        await self.start()
        return await self.client().health()

    async def describe(self) -> DescribeResponse:
        await self.start()
        if self._describe is None:
            self._describe = await self.client().describe()
        return self._describe

    async def create_voice_prompt(
        self, samples: list[ReferenceSample], engine: str, model_size: str
    ) -> VoicePrompt:
        await self.start()
        response = await self.client().create_voice_prompt(
            [(s.wav, s.reference_text or None) for s in samples],
            engine=engine,
            model_size=model_size,
        )
        return response.voice_prompt

    async def generate(self, request: GenerateRequest) -> Synthesis:
        await self.start()
        self.state = ProviderState.busy
        try:
            wav = await self.client().generate_wav(request)
        finally:
            if self.state == ProviderState.busy:
                self.state = ProviderState.ready
        return synthesis_from_wav(wav)

    def info(self) -> ProviderInfo:
        engines = [e.name for e in self._describe.engines] if self._describe else []
        return ProviderInfo(self.id, self.kind, self.state, self.error, engines)


class RemoteProvider(ClientProvider):
    kind = "remote"

    def __init__(self, provider_id: str, url: str, token: str | None) -> None:
        super().__init__(provider_id)
        self._connect(url, token)

    async def start(self) -> None:
        if self.state in (ProviderState.ready, ProviderState.busy):
            return
        try:
            await self.client().health()
        except ProviderError as exc:
            self.state, self.error = ProviderState.failed, exc.message
            raise
        self.state, self.error = ProviderState.ready, None

    async def stop(self) -> None:
        await self._drop_client()
        self.state = ProviderState.stopped
