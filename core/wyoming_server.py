"""A Wyoming server (rhasspy's protocol for Home Assistant's local voice) over the core:
`describe` lists the voice profiles as TTS voices and the active Whisper model as ASR,
`synthesize` streams audio chunks as the speech is made, audio sent after `transcribe` comes
back as a transcript. A bad request gets an `error` event; the connection stays usable.

The `wyoming` library is imported when the server starts, never at the app's start-up."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from sqlmodel import Session, col, select

from core import __version__
from core.audio.formats import PCM_RATE
from core.errors import CoreError, ValidationFailed
from core.logging import get_logger
from core.services.openai_voices import resolve_voice
from core.services.speech_stream import SpeechRequest, open_stream
from core.services.transcription import WHISPER_RATE
from core.store.models import Profile
from provider_sdk.errors import ProviderError

if TYPE_CHECKING:
    from core.services.context import Core

log = get_logger("wyoming")
CHUNK_BYTES = 2 * PCM_RATE // 10
"""Audio chunks of 100 ms (16-bit mono at 24 kHz)."""
SENTENCE_END = re.compile(r".*[.!?…。！？]\s", re.DOTALL)
"""Up to the last sentence end followed by a space (a chunk ending in "3." may go on "5")."""


def check_uri(uri: str, allow_lan: bool) -> None:
    """tcp://HOST:PORT or unix://PATH; a non-loopback TCP host needs `allow_lan` (the Wyoming
    protocol has no authentication: anyone who reaches the port can use it)."""
    parsed = urlparse(uri)
    if parsed.scheme == "unix" and parsed.path:
        return
    if parsed.scheme != "tcp" or not parsed.hostname or parsed.port is None:
        raise ValueError(f"{uri!r} is not a Wyoming address; use tcp://127.0.0.1:10200")
    host = parsed.hostname
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback and not allow_lan:
        raise ValueError(
            f"{host} is reachable from other machines and Wyoming has no password; "
            "pass --allow-lan to serve it anyway (and limit who can reach the port)"
        )


def describe(core: Core) -> Any:
    """The Info event: profiles as TTS voices, the Whisper model as ASR."""
    from wyoming.info import AsrModel, AsrProgram, Attribution, Info, TtsProgram, TtsVoice

    credit = Attribution(name="Voicebox", url="")
    with Session(core.db) as session:
        profiles = session.exec(select(Profile).order_by(col(Profile.name))).all()
    voices = [
        TtsVoice(
            name=p.name,
            description=p.description or f"{p.voice_type} voice",
            attribution=credit,
            installed=True,
            version=None,
            languages=[p.language],
        )
        for p in profiles
    ]
    whisper = core.transcriber.model_name
    asr_model = AsrModel(
        name=whisper,
        description=f"Whisper {whisper}",
        attribution=credit,
        installed=True,
        version=None,
        languages=["en"] if whisper.endswith(".en") else [],
    )
    return Info(
        asr=[
            AsrProgram(
                name="voicebox-whisper",
                description="Voicebox transcription (faster-whisper)",
                attribution=credit,
                installed=True,
                version=__version__,
                models=[asr_model],
            )
        ],
        tts=[
            TtsProgram(
                name="voicebox",
                description="Voicebox voices (cloned and preset)",
                attribution=credit,
                installed=True,
                version=__version__,
                voices=voices,
                supports_synthesize_streaming=True,
            )
        ],
    )


def split_sentences(text: str) -> tuple[str, str]:
    """(the complete sentences of `text`, what follows them) for streamed text input."""
    match = SENTENCE_END.search(text)
    if match is None:
        return "", text
    return text[: match.end()].strip(), text[match.end() :]


def handler_factory(core: Core) -> Any:
    """A class the wyoming server instantiates per connection."""
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
    from wyoming.error import Error
    from wyoming.event import Event
    from wyoming.info import Describe
    from wyoming.server import AsyncEventHandler
    from wyoming.tts import (
        Synthesize,
        SynthesizeChunk,
        SynthesizeStart,
        SynthesizeStop,
        SynthesizeStopped,
    )

    converter = AudioChunkConverter(rate=WHISPER_RATE, width=2, channels=1)

    class Handler(AsyncEventHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.language: str | None = None
            self.audio = bytearray()
            self.too_long = False
            self.streamed_text: str | None = None
            """Text of a streamed request (synthesize-start ... synthesize-stop) not spoken yet."""
            self.streamed_voice: str | None = None

        async def handle_event(self, event: Event) -> bool:
            try:
                await self._handle(event)
            except (CoreError, ProviderError) as exc:
                await self.write_event(Error(text=exc.message, code=exc.code).event())
            except Exception:
                log.exception("wyoming request failed")
                await self.write_event(
                    Error(text="Voicebox could not do that; see its log", code="internal").event()
                )
            return True

        async def _handle(self, event: Event) -> None:
            if Describe.is_type(event.type):
                await self.write_event(describe(core).event())
            elif SynthesizeStart.is_type(event.type):
                start = SynthesizeStart.from_event(event)
                self.streamed_text = ""
                self.streamed_voice = start.voice.name if start.voice else None
            elif SynthesizeChunk.is_type(event.type) and self.streamed_text is not None:
                self.streamed_text += SynthesizeChunk.from_event(event).text
                ready, self.streamed_text = split_sentences(self.streamed_text)
                if ready:
                    await self._synthesize(ready, self.streamed_voice)
            elif SynthesizeStop.is_type(event.type) and self.streamed_text is not None:
                rest, self.streamed_text = self.streamed_text.strip(), None
                if rest:
                    await self._synthesize(rest, self.streamed_voice)
                await self.write_event(SynthesizeStopped().event())
            elif Synthesize.is_type(event.type):
                if self.streamed_text is not None:
                    return  # the same text, sent again for clients without streaming
                synth = Synthesize.from_event(event)
                await self._synthesize(synth.text, synth.voice.name if synth.voice else None)
            elif Transcribe.is_type(event.type):
                self.language = Transcribe.from_event(event).language
                self.audio.clear()
                self.too_long = False
            elif AudioStart.is_type(event.type):
                self.audio.clear()
                self.too_long = False
            elif AudioChunk.is_type(event.type):
                chunk = converter.convert(AudioChunk.from_event(event))
                if len(self.audio) + len(chunk.audio) > core.settings.max_upload_bytes:
                    self.too_long = True
                else:
                    self.audio += chunk.audio
            elif AudioStop.is_type(event.type):
                await self._transcribe()

        async def _synthesize(self, text: str, voice: str | None) -> None:
            with Session(core.db) as session:
                profile = resolve_voice(session, core.settings.data_dir, voice)
            assert profile.id is not None
            request = SpeechRequest(profile.id, text, fmt="pcm", source="wyoming")
            stream = await open_stream(core.speech, request)
            await self.write_event(AudioStart(rate=PCM_RATE, width=2, channels=1).event())
            async for data in stream.chunks:
                for start in range(0, len(data), CHUNK_BYTES):
                    piece = data[start : start + CHUNK_BYTES]
                    chunk = AudioChunk(rate=PCM_RATE, width=2, channels=1, audio=piece)
                    await self.write_event(chunk.event())
            await self.write_event(AudioStop().event())

        async def _transcribe(self) -> None:
            import numpy as np

            if self.too_long:
                raise ValidationFailed(
                    f"the audio is longer than {core.settings.max_upload_mb:g} MB allows; "
                    "send a shorter clip",
                    field="audio",
                )
            if not self.audio:
                raise ValidationFailed("no audio came before audio-stop", field="audio")
            samples = (np.frombuffer(bytes(self.audio), "<i2") / 32768).astype(np.float32)
            self.audio.clear()
            result = await core.transcriber.transcribe_array(samples, self.language)
            await self.write_event(Transcript(text=result.text, language=result.language).event())

    return Handler


async def start_server(core: Core, uri: str) -> Any:
    """Start serving (non-blocking); returns the wyoming server (call `stop()` to end it)."""
    from wyoming.server import AsyncServer

    server = AsyncServer.from_uri(uri)
    await server.start(handler_factory(core))
    return server
