"""The Wyoming server through the `wyoming` library's own client over TCP: describe (profiles
as voices, Whisper as ASR), synthesize (Piper speech in 100 ms chunks that Whisper transcribes
back), transcribe, and error events for bad requests on a connection that stays usable."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from sqlmodel import Session
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from core.services.context import Core
from core.services.profiles import create_profile
from core.settings import Settings
from core.wyoming_server import check_uri, start_server
from tests.core.conftest import PiperProvider

TEXT = "Seven bright lanterns glow over the quiet harbour."


@pytest.fixture
async def served(piper: PiperProvider, tmp_path: Path) -> AsyncIterator[tuple[Core, str]]:
    core = Core.open(
        Settings(data_dir=tmp_path / "data", provider_url=piper.url, provider_token=piper.token)
    )
    with Session(core.db) as session:
        create_profile(
            session, name="Joe", voice_type="preset", preset_engine="piper", preset_voice="joe"
        )
    server = await start_server(core, "tcp://127.0.0.1:0")
    port = server._server.sockets[0].getsockname()[1]
    try:
        yield core, f"tcp://127.0.0.1:{port}"
    finally:
        await server.stop()
        await core.close()


async def read_until(client: AsyncClient, *types: str) -> list[Event]:
    events: list[Event] = []
    while True:
        event = await asyncio.wait_for(client.read_event(), 120)
        assert event is not None, "the server closed the connection"
        events.append(event)
        if event.type in types:
            return events


async def synthesize(client: AsyncClient, text: str, voice: str | None) -> list[Event]:
    voice_arg = SynthesizeVoice(name=voice) if voice else None
    await client.write_event(Synthesize(text=text, voice=voice_arg).event())
    return await read_until(client, AudioStop().event().type, "error")


async def transcribe(client: AsyncClient, pcm: bytes, rate: int) -> Event:
    await client.write_event(Transcribe(language="en").event())
    await client.write_event(AudioStart(rate=rate, width=2, channels=1).event())
    for start in range(0, len(pcm), 8000):
        chunk = AudioChunk(rate=rate, width=2, channels=1, audio=pcm[start : start + 8000])
        await client.write_event(chunk.event())
    await client.write_event(AudioStop().event())
    return (await read_until(client, Transcript(text="").event().type, "error"))[-1]


def words(text: str) -> set[str]:
    return {w.strip(".,").lower() for w in text.split()}


async def test_describe_synthesize_transcribe(served: tuple[Core, str], speech_wav: bytes) -> None:
    core, uri = served
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        assert [v.name for v in info.tts[0].voices] == ["Joe"]
        assert info.asr[0].models[0].name == "tiny.en"
        assert info.asr[0].models[0].languages == ["en"]

        events = await synthesize(client, TEXT, "Joe")
        start, *chunks, stop = events
        assert start.type == "audio-start" and stop.type == "audio-stop"
        assert AudioStart.from_event(start).rate == 24_000
        audio = [AudioChunk.from_event(e) for e in chunks]
        assert len(audio) > 10 and all(a.rate == 24_000 and a.width == 2 for a in audio)
        pcm = b"".join(a.audio for a in audio)
        heard = Transcript.from_event(await transcribe(client, pcm, 24_000))
        assert {"lanterns", "harbour", "harbor", "seven"} & words(heard.text), heard.text

        samples, rate = sf.read(io.BytesIO(speech_wav), dtype="int16")
        heard = Transcript.from_event(await transcribe(client, samples.tobytes(), rate))
        assert {"quick", "fox", "dog"} <= words(heard.text), heard.text

        # Without a voice: the default voice (the profile used last).
        events = await synthesize(client, "Good night.", None)
        assert events[-1].type == "audio-stop"

        bad = [
            await synthesize(client, "Hello there.", "Nobody"),
            await synthesize(client, "", "Joe"),
            await synthesize(client, "x" * 6000, "Joe"),
        ]
        for events in bad:
            error = Error.from_event(events[-1])
            assert error.text and "Traceback" not in error.text, error
        assert "Nobody" in Error.from_event(bad[0][-1]).text
        await client.write_event(AudioStop().event())  # stop with no audio
        error = Error.from_event((await read_until(client, "error"))[-1])
        assert "no audio" in error.text
        # The connection still works after errors.
        await client.write_event(Describe().event())
        assert (await read_until(client, "info"))[-1].type == "info"
    from core.services.history import HistoryQuery

    with core.session() as session:
        rows, _ = core.history.list_history(session, HistoryQuery(limit=10))
    assert {r.source for r in rows} == {"wyoming"} and len(rows) == 2


async def test_streamed_text_is_spoken_sentence_by_sentence(served: tuple[Core, str]) -> None:
    """synthesize-start, text chunks, synthesize-stop: each complete sentence is spoken as soon
    as its chunk arrives (one audio-start/stop per sentence), then synthesize-stopped. The
    plain synthesize a client also sends for older servers is ignored while streaming."""
    core, uri = served
    voice = SynthesizeVoice(name="Joe")
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        assert info.tts[0].supports_synthesize_streaming
        await client.write_event(SynthesizeStart(voice=voice).event())
        await client.write_event(SynthesizeChunk(text="Seven bright lanterns ").event())
        await client.write_event(SynthesizeChunk(text="glow. Over the quiet").event())
        first = await read_until(client, "audio-stop")  # the first sentence, before stop
        assert first[0].type == "audio-start" and len(first) > 3
        await client.write_event(SynthesizeChunk(text=" harbour.").event())
        await client.write_event(Synthesize(text="ignored", voice=voice).event())
        await client.write_event(SynthesizeStop().event())
        second = await read_until(client, "synthesize-stopped")
        assert [e.type for e in second].count("audio-start") == 1
        assert second[-2].type == "audio-stop"
        pcm = b"".join(
            AudioChunk.from_event(e).audio for e in first + second if e.type == "audio-chunk"
        )
        heard = Transcript.from_event(await transcribe(client, pcm, 24_000))
        assert {"lanterns", "harbour", "harbor", "quiet"} & words(heard.text), heard.text
    from core.services.history import HistoryQuery

    with core.session() as session:
        rows, _ = core.history.list_history(session, HistoryQuery(limit=10))
    assert sorted(r.text for r in rows) == [
        "Over the quiet harbour.",
        "Seven bright lanterns glow.",
    ]


def test_addresses_beyond_loopback_need_allow_lan() -> None:
    check_uri("tcp://127.0.0.1:10200", allow_lan=False)
    check_uri("tcp://localhost:10200", allow_lan=False)
    check_uri("unix:///tmp/voicebox.sock", allow_lan=False)
    check_uri("tcp://0.0.0.0:10200", allow_lan=True)
    for uri in ("tcp://0.0.0.0:10200", "tcp://192.168.1.5:10200", "http://x", "tcp://host"):
        with pytest.raises(ValueError) as refused:
            check_uri(uri, allow_lan=False)
        assert str(refused.value)


@pytest.mark.slow
async def test_cli_serves_on_a_unix_socket(piper: PiperProvider, tmp_path: Path) -> None:
    sock = tmp_path / "w.sock"
    env = {
        **os.environ,
        "VOICEBOX_DATA_DIR": str(tmp_path / "data"),
        "VOICEBOX_PROVIDER_URL": piper.url,
        "VOICEBOX_PROVIDER_TOKEN": piper.token,
    }
    refused = subprocess.run(
        [sys.executable, "-m", "core.cli", "wyoming", "--uri", "tcp://0.0.0.0:10200"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "--allow-lan" in refused.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "wyoming", "--uri", f"unix://{sock}"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = await asyncio.to_thread(process.stderr.readline)  # printed once it listens
        assert "Wyoming server on" in line, line
        async with AsyncClient.from_uri(f"unix://{sock}") as client:
            await client.write_event(Describe().event())
            info: Any = Info.from_event((await read_until(client, "info"))[-1])
            assert info.tts[0].voices == [] and info.asr[0].models[0].name == "tiny.en"
            events = await synthesize(client, "Hello.", None)
            assert "no voice" in Error.from_event(events[-1]).text
    finally:
        process.terminate()
        process.wait(30)
