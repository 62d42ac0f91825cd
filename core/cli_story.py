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
    from core.services.stories import list_stories

    async def work(core: Any) -> list[Any]:
        return list_stories(core)

    for story in _run(_settings(data_dir), "Reading stories…", work):
        typer.echo(f"{story.id}\t{story.name}\t{story.sample_rate} Hz")


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
    from core.services.stories_render import captions as make_captions
    from core.services.stories_render import export_audio

    fmt = output.suffix.lstrip(".").lower() or "wav"
    caption_fmt = captions.suffix.lstrip(".").lower() if captions else None

    async def work(core: Any) -> tuple[bytes, str | None]:
        text = make_captions(core, story_id, caption_fmt) if caption_fmt else None
        return await export_audio(core, story_id, "opus" if fmt == "ogg" else fmt), text

    audio, text = _run(_settings(data_dir), f"Rendering story {story_id}…", work)
    output.write_bytes(audio)
    _console().print(f"wrote {output} ({len(audio) / 1024:.0f} KiB)")
    if captions is not None and text is not None:
        captions.write_text(text, encoding="utf-8")
        _console().print(f"wrote {captions}")
