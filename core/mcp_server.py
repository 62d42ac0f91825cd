"""The MCP server (the official `mcp` SDK): tools `speak`, `transcribe`, `list_voices` and
`list_generations` over the running core.

Two transports: streamable HTTP at `/mcp` inside the app (behind the same guard as the REST
API: Host allow-list, API key beyond loopback, body size limit), and stdio for `voicebox mcp`
(a core opened on the data dir, as the other CLI commands do). The SDK is imported on the first
MCP request, never at start-up. Tool names carry no dots (some clients refuse them)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from core.errors import ValidationFailed
from core.services.generation import GenerateParams, get_generation
from core.services.history import HistoryQuery
from core.services.openai_voices import resolve_voice
from core.services.speech import failure
from core.store.models import GenerationStatus, Profile

if TYPE_CHECKING:
    from fastapi import FastAPI
    from mcp.server.fastmcp import FastMCP
    from starlette.types import ASGIApp, Receive, Scope, Send

    from core.services.context import Core

INSTRUCTIONS = (
    "Voicebox speaks text in cloned and preset voices on this machine and transcribes speech. "
    "Call list_voices first, then speak with one of the names."
)
MAX_GENERATIONS = 100


async def speak_tool(core: Core, text: str, voice: str | None, source: str) -> dict[str, Any]:
    """Speak `text`; the finished generation's id, its WAV's absolute path and the WAV bytes."""
    with Session(core.db) as session:
        profile = resolve_voice(session, core.settings.data_dir, voice)
    assert profile.id is not None
    params = GenerateParams(profile_id=profile.id, text=text, source=source)
    [gen] = await core.speech.submit(params)
    assert gen.id is not None
    await core.speech.wait_for(gen.id)
    with Session(core.db) as session:
        done = get_generation(session, gen.id)
    if done.status != GenerationStatus.completed or not done.audio_path:
        raise failure(done.status, done.error_code, done.error)
    return {
        "generation_id": done.id,
        "voice": done.profile_name,
        "duration": done.duration,
        "path": str(core.files.resolve(done.audio_path)),
        "audio_url": f"/generations/{done.id}/audio",
        "wav": core.files.read(done.audio_path),
    }


def _audio_bytes(core: Core, audio_base64: str | None, generation_id: int | None) -> bytes:
    if (audio_base64 is None) == (generation_id is None):
        raise ValidationFailed(
            "give either audio_base64 (base64 of an audio file) or generation_id (a History "
            "entry), not both and not neither",
            field="audio_base64",
        )
    if generation_id is not None:
        with Session(core.db) as session:
            gen = get_generation(session, generation_id)
        if not gen.audio_path:
            raise ValidationFailed(
                f"generation {generation_id} has no audio yet ({gen.status})", field="generation_id"
            )
        return core.files.read(gen.audio_path)
    assert audio_base64 is not None
    if len(audio_base64) > core.settings.max_upload_bytes * 4 // 3 + 4:
        raise ValidationFailed(
            f"the audio is larger than {core.settings.max_upload_mb:g} MB; send a shorter clip",
            field="audio_base64",
        )
    try:
        return base64.b64decode(audio_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "audio_base64 is not valid base64; encode the file's bytes", field="audio_base64"
        ) from None


def build_server(
    get_core: Callable[[], Core], source: str = "mcp", max_body: int = 4 * 1024 * 1024
) -> FastMCP:
    """The MCP server; `get_core` gives the running core when a tool runs. `max_body` bounds
    an HTTP request (the app passes its own upload limit, so one limit holds for both)."""
    from mcp.server.fastmcp import FastMCP
    from mcp.server.transport_security import TransportSecuritySettings
    from mcp.types import AudioContent, TextContent

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    server = FastMCP(
        "voicebox",
        instructions=INSTRUCTIONS,
        streamable_http_path="/mcp",
        stateless_http=True,
        max_request_body_size=max_body,
        # The app's own guard checks Host (DNS rebinding) and the API key for every path.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    root.handlers[:], root.level = handlers, level  # FastMCP configures the root logger

    @server.tool(structured_output=False)
    async def speak(text: str, voice: str | None = None) -> list[Any]:
        """Speak text in a voice (a name from list_voices; empty: the default voice). Returns
        the History id, the WAV file's path on this machine, and the audio."""
        made = await speak_tool(get_core(), text, voice, source)
        wav = made.pop("wav")
        return [
            TextContent(type="text", text=json.dumps(made)),
            AudioContent(type="audio", data=base64.b64encode(wav).decode(), mimeType="audio/wav"),
        ]

    @server.tool()
    async def transcribe(
        audio_base64: str | None = None,
        generation_id: int | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        """Transcribe speech: base64 of an audio file, or a History generation's audio."""
        core = get_core()
        data = _audio_bytes(core, audio_base64, generation_id)
        result = await core.transcriber.transcribe(data, language or None)
        segments = [{"start": s.start, "end": s.end, "text": s.text} for s in result.segments]
        return {"text": result.text, "language": result.language, "segments": segments}

    @server.tool()
    async def list_voices() -> dict[str, Any]:
        """The voice profiles speak can use, by name."""
        with Session(get_core().db) as session:
            rows = session.exec(select(Profile).order_by(col(Profile.name))).all()
        voices = [
            {"name": p.name, "id": p.id, "voice_type": p.voice_type, "language": p.language}
            for p in rows
        ]
        return {"voices": voices}

    @server.tool()
    async def list_generations(limit: int = 20, query: str | None = None) -> dict[str, Any]:
        """Recent generations in History, newest first; `query` searches their text."""
        if not 1 <= limit <= MAX_GENERATIONS:
            raise ValidationFailed(f"limit must be 1-{MAX_GENERATIONS}", field="limit")
        core = get_core()
        with core.session() as session:
            rows, total = core.history.list_history(session, HistoryQuery(q=query, limit=limit))
        keep = ("id", "text", "profile_name", "status", "duration", "source", "created_at")
        items = [{k: v for k, v in r.model_dump(mode="json").items() if k in keep} for r in rows]
        return {"total": total, "items": items}

    return server


class McpEndpoint:
    """ASGI endpoint for `/mcp`: builds the server and starts its session manager (in a task of
    its own, so it is entered and left in one task) on the first request."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._asgi: ASGIApp | None = None
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _start(self) -> ASGIApp:
        async with self._lock:
            if self._asgi is None:
                settings = self._app.state.core.settings
                limit = settings.max_upload_bytes * 4 // 3 + 1024 * 1024  # base64 and JSON
                server = build_server(lambda: self._app.state.core, max_body=limit)
                asgi = server.streamable_http_app()
                ready = asyncio.Event()

                async def run() -> None:
                    async with server.session_manager.run():
                        ready.set()
                        await self._stop.wait()

                self._task = asyncio.get_running_loop().create_task(run(), name="mcp")
                await ready.wait()
                self._asgi = asgi
            return self._asgi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asgi = await self._start()
        await asgi(scope, receive, send)

    async def close(self) -> None:
        if self._task is not None:
            self._stop.set()
            await self._task


def mount_mcp(app: FastAPI) -> None:
    """Serve MCP at /mcp and stop its session manager when the app stops."""
    from starlette.routing import Route

    endpoint = McpEndpoint(app)
    app.router.routes.append(Route("/mcp", endpoint))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with inner(asgi_app) as state:
            try:
                yield state
            finally:
                await endpoint.close()

    app.router.lifespan_context = lifespan


async def serve_stdio(core: Core) -> None:
    """MCP over stdin/stdout until the client closes it (`voicebox mcp`)."""
    await build_server(lambda: core).run_stdio_async()
