"""LocalProvider: the TTSProvider of a spawned provider process, driven by a
`ProviderSupervisor` (lifecycle, crash detection, lazy restart, idle unload).
`core.tts.manager` builds one per local provider (installed build or the source checkout)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import cast

from core.tts.base import (
    DownloadEvent,
    ModelsOverview,
    ProviderInfo,
    ReferenceSample,
    Synthesis,
    TTSProvider,
)
from core.tts.lifecycle import as_state
from core.tts.supervisor import ProviderSupervisor
from core.tts.wav import synthesis as synthesis_from_wav
from provider_sdk.errors import ProviderError
from provider_sdk.models import (
    DescribeResponse,
    GenerateRequest,
    HealthResponse,
    ModelDeleteResponse,
    StreamPiece,
    VoicePrompt,
)


class LocalProvider(TTSProvider):
    kind = "local"

    def __init__(self, supervisor: ProviderSupervisor) -> None:
        self.supervisor = supervisor
        self.id = supervisor.id
        self._describe: DescribeResponse | None = None
        self._described_spawn = -1

    async def start(self) -> None:
        await self.supervisor.ensure_running()

    async def stop(self) -> None:
        await self.supervisor.stop()

    async def health(self) -> HealthResponse:
        return await self.supervisor.call(lambda c: c.health())

    async def describe(self) -> DescribeResponse:
        """Cached per spawn: a restarted (maybe updated) provider is asked again."""
        await self.supervisor.ensure_running()
        if self._describe is None or self._described_spawn != self.supervisor.spawn_count:
            self._describe = await self.supervisor.call(lambda c: c.describe())
            self._described_spawn = self.supervisor.spawn_count
        return self._describe

    async def create_voice_prompt(
        self, samples: list[ReferenceSample], engine: str, model_size: str
    ) -> VoicePrompt:
        clips = [(s.wav, s.reference_text or None) for s in samples]
        response = await self.supervisor.call(
            lambda c: c.create_voice_prompt(clips, engine=engine, model_size=model_size),
            busy=True,
        )
        return response.voice_prompt

    async def generate(self, request: GenerateRequest) -> Synthesis:
        return synthesis_from_wav(await self.supervisor.generate_wav(request))

    async def stream(self, request: GenerateRequest) -> AsyncGenerator[StreamPiece, None]:
        """`ProviderClient.stream` under supervision: a crash fails the stream at once, with
        the crash's reason, like a crash fails `generate`."""
        sup = self.supervisor
        client = await sup.ensure_running()
        gone = sup.gone
        pieces = cast(AsyncGenerator[StreamPiece, None], client.stream(request))
        sup.hold(busy=True)
        try:
            while (piece := await sup.until_gone(gone, anext(pieces, None))) is not None:
                sup.model_loaded = True
                yield piece
        finally:
            sup.release()
            with contextlib.suppress(RuntimeError, ProviderError):
                await pieces.aclose()

    async def model_overview(self) -> ModelsOverview:
        """A fresh describe (it refreshes the cache) and the resident model."""
        described = await self.supervisor.call(lambda c: c.describe())
        self._describe, self._described_spawn = described, self.supervisor.spawn_count
        status = await self.supervisor.call(lambda c: c.status())
        loaded = None
        if status.model_loaded and status.engine and status.model_size:
            loaded = (status.engine, status.model_size)
        return ModelsOverview(described, loaded)

    async def download_model(self, engine: str, model_size: str) -> AsyncIterator[DownloadEvent]:
        """`ProviderClient.download_model` under supervision (a crash fails it at once);
        closing this iterator closes the provider's stream, which cancels the download."""
        sup = self.supervisor
        client = await sup.ensure_running()
        gone = sup.gone
        events = client.download_model(engine, model_size)
        sup.hold(busy=False)
        try:
            while (event := await sup.until_gone(gone, anext(events, None))) is not None:
                yield event
        finally:
            sup.release()
            self._describe = None  # `downloaded` changed
            with contextlib.suppress(RuntimeError, ProviderError):
                await events.aclose()

    async def delete_model(self, engine: str, model_size: str) -> ModelDeleteResponse:
        try:
            return await self.supervisor.call(lambda c: c.delete_model(engine, model_size))
        finally:
            self._describe = None

    def info(self) -> ProviderInfo:
        sup = self.supervisor
        snap = sup.snapshot()
        engines = [e.name for e in self._describe.engines] if self._describe else []
        return ProviderInfo(
            id=self.id,
            kind=self.kind,
            state=as_state(sup.phase),
            error=sup.failure.describe() if sup.failure else None,
            engines=engines,
            pid=snap["pid"],
            url=snap["url"],
        )
