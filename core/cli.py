"""`voicebox`: serve the app, speak, manage profiles, transcribe.

Commands other than `serve` work directly on the data dir (SQLite in WAL mode is safe to share
with a running server) and start their own provider when they need speech."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlmodel import Session, col, select

from core.cli_history import history_app
from core.cli_models import models_app
from core.cli_servers import app as servers_app
from core.cli_story import story_app
from core.errors import CoreError
from core.settings import Settings
from provider_sdk.errors import ProviderError

app = typer.Typer(help="Voicebox: a local voice studio.", no_args_is_help=True)
profiles_app = typer.Typer(help="Voice profiles.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")
app.add_typer(servers_app)  # mcp, wyoming
app.add_typer(models_app, name="models")
app.add_typer(story_app, name="story")
app.add_typer(history_app, name="history")
T = TypeVar("T")


@functools.cache
def _console() -> Any:
    """rich is imported only when something is printed (keeps `serve` start-up light)."""
    from rich.console import Console

    return Console(stderr=True)


DataDir = Annotated[Path | None, typer.Option(help="Data folder (default: the user data dir).")]


def _settings(data_dir: Path | None, **extra: Any) -> Settings:
    if data_dir is not None:
        extra["data_dir"] = data_dir
    return Settings(**extra)


def _run(
    settings: Settings,
    label: str,
    work: Callable[[Any], Awaitable[T]],
    *,
    spinner: bool = True,
    cancelled: str = "cancelled",
) -> T:
    """Open the core, run `work(core)` (under a spinner unless the work shows its own
    progress), close it. Errors become exit code 1 with a message in the command line's words;
    Ctrl-C prints `cancelled` and exits with 130."""
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from core.logging import setup_logging
    from core.services.context import Core
    from core.tts.guidance import ModelNotDownloaded, cli_message

    setup_logging(settings.data_dir, "WARNING")

    async def main() -> T:
        core = Core.open(settings)
        try:
            if not spinner:
                return await work(core)
            with Progress(  # a spinner while the work runs (model loads, synthesis)
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=_console(),
                transient=True,
            ) as progress:
                progress.add_task(label, total=None)
                return await work(core)
        finally:
            await core.close()

    try:
        return asyncio.run(main())
    except ModelNotDownloaded as exc:
        _console().print(f"[red]error:[/red] {escape(cli_message(exc))}")
        raise typer.Exit(1) from None
    except (CoreError, ProviderError) as exc:
        _console().print(f"[red]error:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _console().print(escape(cancelled))
        raise typer.Exit(130) from None


def _find(session: Session, ref: str) -> Any:
    """A profile by name or id, or an error that points at `voicebox profiles list`."""
    from core.errors import NotFoundError
    from core.services.profiles import find_profile

    try:
        return find_profile(session, ref)
    except NotFoundError:
        raise NotFoundError(
            f"no voice profile named {ref!r}; `voicebox profiles list` shows them",
            field="profile",
        ) from None


def _default(session: Session) -> Any:
    from core.services.profiles import default_profile

    found = default_profile(session)
    if found is None:
        raise CoreError(
            "there is no voice profile yet: create one in the app or with `voicebox profiles "
            "create NAME`, then pass it with --profile"
        )
    return found


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 17493).")] = None,
    api_key: Annotated[str | None, typer.Option(help="Required for non-loopback binds.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Start the Voicebox app (API, event streams and the UI when built)."""
    import uvicorn

    from core.app import create_app

    extra: dict[str, Any] = {}
    for key, value in (("host", host), ("port", port), ("api_key", api_key)):
        if value is not None:
            extra[key] = value
    settings = _settings(data_dir, **extra)
    try:
        settings.check_bind()
    except ValueError as exc:
        _console().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    # Plain echo: importing rich here would add ~70 ms to every start.
    typer.echo(f"Voicebox on http://{settings.host}:{settings.port} (data: {settings.data_dir})")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        ws="none",  # no websockets: skip importing them
    )


@app.command()
def desktop(
    data_dir: DataDir = None,
    debug: Annotated[bool, typer.Option(help="Enable the web inspector.")] = False,
) -> None:
    """Open the app in a native window (the desktop extra); the core stops when it closes."""
    from rich.markup import escape

    from core.desktop import DesktopError, run_desktop

    try:
        code = run_desktop(data_dir, debug=debug)
    except DesktopError as exc:
        _console().print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
def say(
    text: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the audio.")],
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile name or id (default: the one used last, else the first preset voice).",
        ),
    ] = None,
    engine: Annotated[str | None, typer.Option(help="Engine (default: the profile's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for a repeatable take.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Speak TEXT in a profile's voice and write it to a file (format from its extension)."""
    fmt = output.suffix.lstrip(".").lower() or "wav"

    async def work(core: Any) -> bytes:
        with Session(core.db) as session:
            found = _find(session, profile) if profile else _default(session)
        audio: bytes = await core.speech.speak(
            found.id or 0, text, engine=engine, seed=seed, fmt=fmt
        )
        return audio

    audio = _run(_settings(data_dir), f"Speaking as {profile or 'the default voice'}…", work)
    output.write_bytes(audio)
    _console().print(f"wrote {output} ({len(audio) / 1024:.0f} KiB)")


@profiles_app.command("list")
def profiles_list(data_dir: DataDir = None) -> None:
    """List the voice profiles."""
    from core.store.models import Profile, ProfileSample

    async def work(core: Any) -> list[tuple[Profile, int]]:
        with Session(core.db) as session:
            rows = session.exec(select(Profile).order_by(col(Profile.name))).all()
            return [
                (
                    p,
                    len(
                        session.exec(
                            select(ProfileSample.id).where(ProfileSample.profile_id == p.id)
                        ).all()
                    ),
                )
                for p in rows
            ]

    from rich.console import Console
    from rich.table import Table

    table = Table("id", "name", "type", "language", "samples / voice")
    for prof, count in _run(_settings(data_dir), "Reading profiles…", work):
        voice = f"{prof.preset_engine}/{prof.preset_voice}" if prof.preset_voice else str(count)
        table.add_row(str(prof.id), prof.name, prof.voice_type, prof.language, voice)
    Console().print(table)


@profiles_app.command("create")
def profiles_create(
    name: str,
    voice_type: Annotated[str, typer.Option(help="cloned, preset or designed")] = "cloned",
    preset_engine: Annotated[str | None, typer.Option()] = None,
    preset_voice: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str, typer.Option()] = "",
    language: Annotated[str, typer.Option()] = "en",
    data_dir: DataDir = None,
) -> None:
    """Create a profile."""
    from pydantic import ValidationError

    from core.api.schemas import ProfileCreate
    from core.services.profiles import create_profile

    try:
        body = ProfileCreate.model_validate(
            {
                "name": name,
                "voice_type": voice_type,
                "preset_engine": preset_engine,
                "preset_voice": preset_voice,
                "description": description,
                "language": language,
            }
        )
    except ValidationError as exc:
        _console().print(f"[red]error:[/red] {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    if body.voice_type == "preset" and not (body.preset_engine and body.preset_voice):
        _console().print(
            "[red]error:[/red] a preset voice needs --preset-engine and --preset-voice "
            "(e.g. --preset-engine piper --preset-voice joe)"
        )
        raise typer.Exit(2)

    async def work(core: Any) -> Any:
        with Session(core.db) as session:
            return create_profile(session, **body.model_dump())

    made = _run(_settings(data_dir), "Creating…", work)
    _console().print(f"created profile {made.name!r} (id {made.id})")


@profiles_app.command("add-sample")
def profiles_add_sample(
    profile: str,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    text: Annotated[str | None, typer.Option(help="What the sample says.")] = None,
    transcribe: Annotated[bool, typer.Option(help="Transcribe when no --text.")] = True,
    data_dir: DataDir = None,
) -> None:
    """Add a voice sample (2-30 s of clear speech) to a cloned profile."""
    data = file.read_bytes()

    async def work(core: Any) -> Any:
        with core.session() as session:
            found = _find(session, profile)
            return await core.profiles.add_sample(
                session, found.id or 0, data, text, transcribe=transcribe
            )

    sample = _run(_settings(data_dir), "Checking and cleaning the sample…", work)
    _console().print(
        f"added sample {sample.id}: {sample.duration:.1f} s, text: {sample.reference_text!r}"
    )


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    language: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Segments and words as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Transcribe an audio or video file."""
    from dataclasses import asdict

    data = file.read_bytes()

    async def work(core: Any) -> Any:
        return await core.transcriber.transcribe(data, language)

    result = _run(_settings(data_dir), f"Transcribing {file.name}…", work)
    typer.echo(json.dumps(asdict(result), indent=2) if as_json else result.text)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
