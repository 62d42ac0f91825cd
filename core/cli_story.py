"""`voicebox story …`: list stories, make one from a dialogue script, export a mix and captions.

core/cli.py mounts `story_app`; the shared CLI helpers are imported from it when a command
runs (so importing this module does not import core.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

story_app = typer.Typer(help="Stories: multi-track pieces made of takes.", no_args_is_help=True)
DataDir = Annotated[Path | None, typer.Option(help="Data folder (default: the user data dir).")]


@story_app.command("list")
def story_list(data_dir: DataDir = None) -> None:
    """List the stories."""
    from core.cli import _run, _settings

    async def work(core: Any) -> list[Any]:
        stories: list[Any] = core.stories.list_stories()
        return stories

    for story in _run(_settings(data_dir), "Reading stories…", work):
        typer.echo(f"{story.id}\t{story.name}\t{story.sample_rate} Hz")


@story_app.command("new")
def story_new(
    script: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, readable=True, help="Dialogue script.")
    ],
    voice: Annotated[
        list[str], typer.Option(help="SPEAKER=PROFILE (name or id); once per speaker.")
    ],
    name: Annotated[str | None, typer.Option(help="Story name (default: the file's).")] = None,
    pause: Annotated[float, typer.Option(min=0, max=60, help="Seconds between turns.")] = 0.4,
    sample_rate: Annotated[int, typer.Option(help="The story's sample rate.")] = 24_000,
    engine: Annotated[str | None, typer.Option(help="Engine (default: each profile's).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Make a story from a dialogue script ('Name: text' lines): every line is spoken, then
    laid out on one track per speaker."""
    from core.cli import _console, _run, _settings
    from core.services.stories_dialogue import DialogueRequest

    voices: dict[str, str] = {}
    for item in voice:
        speaker, sep, profile = item.partition("=")
        if not sep or not speaker.strip() or not profile.strip():
            _console().print(f"[red]error:[/red] --voice {item!r}: write it as SPEAKER=PROFILE")
            raise typer.Exit(2)
        voices[speaker.strip()] = profile.strip()
    request = DialogueRequest(
        script=script.read_text(encoding="utf-8"),
        voices=voices,
        name=name or script.stem,
        pause=pause,
        sample_rate=sample_rate,
        engine=engine,
    )

    async def work(core: Any) -> tuple[int, int, list[str]]:
        import asyncio

        from sqlmodel import Session

        from core.services.generation import get_generation

        made = await core.dialogues.create(request, background=False)
        await core.dialogues.wait_all(made)
        await asyncio.to_thread(core.dialogues.layout, made)
        with Session(core.db) as session:
            gens = [get_generation(session, line.generation_id) for line in made.lines]
        failed = [f"line {i}: {g.error}" for i, g in enumerate(gens, 1) if g.status != "completed"]
        return made.story.id or 0, len(made.lines), failed

    story_id, count, failed = _run(_settings(data_dir), f"Speaking {script.name}…", work)
    for problem in failed:
        _console().print(f"[yellow]warning:[/yellow] {problem}")
    _console().print(
        f"created story {story_id} ({count} lines); export it with "
        f"`voicebox story export {story_id} -o story.mp3 --captions story.srt`"
    )


@story_app.command("export")
def story_export(
    story_id: Annotated[int, typer.Argument(min=1, help="The story's id (see `story list`).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Audio file (wav/mp3/flac/opus).")],
    captions: Annotated[
        Path | None, typer.Option(help="Also write captions (.srt or .vtt).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Render a story's mix to a file (format from its extension) and optionally captions."""
    from core.cli import _console, _run, _settings

    fmt = output.suffix.lstrip(".").lower() or "wav"
    caption_fmt = captions.suffix.lstrip(".").lower() if captions else None

    async def work(core: Any) -> tuple[bytes, str | None]:
        text = core.story_render.captions(story_id, caption_fmt) if caption_fmt else None
        return await core.story_render.export_audio(story_id, "opus" if fmt == "ogg" else fmt), text

    audio, text = _run(_settings(data_dir), f"Rendering story {story_id}…", work)
    output.write_bytes(audio)
    _console().print(f"wrote {output} ({len(audio) / 1024:.0f} KiB)")
    if captions is not None and text is not None:
        captions.write_text(text, encoding="utf-8")
        _console().print(f"wrote {captions}")
