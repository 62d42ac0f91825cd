"""`voicebox history …`: a generation's word timings as captions.

core/cli.py mounts `history_app`; the shared CLI helpers are imported from it when a command
runs (so importing this module does not import core.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

history_app = typer.Typer(help="Generated takes.", no_args_is_help=True)
DataDir = Annotated[Path | None, typer.Option(help="Data folder (default: the user data dir).")]
CAPTION_FORMATS = ("srt", "vtt")


@history_app.command("captions")
def history_captions(
    generation_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1, help="The generation.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Captions file (.srt or .vtt).")],
    format: Annotated[
        str | None, typer.Option(help="srt or vtt (default: from the file's extension).")
    ] = None,
    version: Annotated[
        int | None, typer.Option(min=1, help="The take's version (default: the current).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write a completed generation's captions (word timings, aligned now if not yet)."""
    from core.cli import _console, _run, _settings
    from core.services.history_words import take_captions

    fmt = (format or output.suffix.lstrip(".")).lower()
    if fmt not in CAPTION_FORMATS:
        _console().print(
            f"[red]error:[/red] cannot tell the captions format from {output.name!r}; "
            "name the file .srt or .vtt, or pass --format srt|vtt"
        )
        raise typer.Exit(2)

    async def work(core: Any) -> str:
        with core.session() as session:
            text: str = await take_captions(session, core.aligner, generation_id, fmt, version)
        return text

    text = _run(_settings(data_dir), f"Finding the words of generation {generation_id}…", work)
    output.write_text(text, encoding="utf-8")
    _console().print(f"wrote {output}")
