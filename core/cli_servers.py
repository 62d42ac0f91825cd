"""`voicebox mcp` (MCP over stdio) and `voicebox wyoming` (a Wyoming server for Home
Assistant). Both open the core on the data dir, as the other commands do, and speak through
its provider; what they make lands in History with its source (mcp, wyoming)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer()

DataDir = Annotated[Path | None, typer.Option(help="Data folder (default: the user data dir).")]


def _open(data_dir: Path | None) -> Any:
    from core.logging import setup_logging
    from core.services.context import Core
    from core.settings import Settings

    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    setup_logging(settings.data_dir, "WARNING")  # logs go to stderr and the log file
    return Core.open(settings)


@app.command()
def mcp(data_dir: DataDir = None) -> None:
    """Serve the MCP tools (speak, transcribe, list_voices, list_generations) over stdio."""
    from core.mcp_server import serve_stdio

    async def main() -> None:
        core = _open(data_dir)
        try:
            await serve_stdio(core)
        finally:
            await core.close()

    asyncio.run(main())


@app.command()
def wyoming(
    uri: Annotated[str, typer.Option(help="tcp://HOST:PORT or unix://PATH.")] = (
        "tcp://127.0.0.1:10200"
    ),
    allow_lan: Annotated[
        bool, typer.Option(help="Allow a non-loopback address (Wyoming has no password).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Serve the voices (TTS) and Whisper (ASR) to Home Assistant over Wyoming."""
    from core.wyoming_server import check_uri, start_server

    try:
        check_uri(uri, allow_lan)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    async def main() -> None:
        core = _open(data_dir)
        try:
            server = await start_server(core, uri)
        except OSError as exc:
            await core.close()
            typer.echo(f"error: cannot listen on {uri}: {exc.strerror}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Voicebox Wyoming server on {uri}", err=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()
            await core.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
