"""`voicebox models`: list, download (with a progress bar; Ctrl-C cancels and keeps what was
fetched) and delete the speech models of the active provider."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from core.services.context import Core

models_app = typer.Typer(help="Speech models: list, download, delete.", no_args_is_help=True)
DataDir = Annotated[Path | None, typer.Option(help="Data folder (default: the user data dir).")]
Engine = Annotated[str, typer.Argument(help="An engine, e.g. qwen (see `voicebox models list`).")]
Size = Annotated[str, typer.Argument(help="A model size, e.g. 0.6B.")]
USES = (("clone", "voice cloning"), ("design", "voice design"), ("preset", "preset voices"))


def _status(model: dict[str, Any]) -> str:
    if model["availability"] == "hosted":
        return "hosted (OpenAI)"
    if model["availability"] == "packaged":
        return "installed"
    if model["downloading"]:
        return "downloading"
    return "downloaded" if model["downloaded"] else "not downloaded"


@models_app.command("list")
def models_list(
    data_dir: DataDir = None,
    folders: Annotated[
        bool, typer.Option("--folders", help="Also show where to copy each model by hand.")
    ] = False,
) -> None:
    """The speech models of the active provider: size, whether they are on this machine, and
    what they do."""
    from rich.console import Console
    from rich.table import Table

    from core.cli import _run, _settings

    async def work(core: Core) -> dict[str, Any]:
        return await core.tts_models.overview()

    listed = _run(_settings(data_dir), "Asking the speech provider…", work)
    table = Table("engine", "model", "size", "status", "for", *(["folder"] if folders else []))
    missing = []
    for engine in listed["engines"]:
        for model in engine["models"]:
            caps = model["capabilities"]
            uses = ", ".join(label for key, label in USES if caps.get(key)) or "speech"
            size = (
                f"{model['size_mb'] / 1000:.1f} GB"
                if model["size_mb"] >= 1000
                else (f"{model['size_mb']} MB")
            )
            status = _status(model)
            if status == "not downloaded":
                missing.append((engine["name"], model["model_size"]))
            row = [engine["name"], model["model_size"], size, status, uses]
            table.add_row(*row, *([model["local_dir"] or ""] if folders else []))
    Console().print(table)
    if missing:
        engine_name, size_name = missing[0]
        typer.echo(
            f"Download one with `voicebox models download ENGINE MODEL`, "
            f"e.g. `voicebox models download {engine_name} {size_name}`."
        )
        if not folders:
            typer.echo(
                "Without internet: copy a model's files into its folder "
                "(`voicebox models list --folders`); it is used without a restart."
            )


@models_app.command("download")
def models_download(engine: Engine, model_size: Size, data_dir: DataDir = None) -> None:
    """Download a model ahead of its first use, with progress. Ctrl-C cancels (what was
    fetched is kept; running the command again resumes)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from core.cli import _console, _run, _settings
    from core.errors import CoreError

    async def work(core: Core) -> dict[str, Any]:
        shared, follower = await core.tts_models.join(engine, model_size)
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=_console(),
            ) as bar:
                task = bar.add_task(f"Downloading {engine} {model_size}", total=None)
                while (item := await follower.get()) is not None:
                    kind, data = item
                    if kind == "progress":
                        bar.update(
                            task, completed=data["downloaded_bytes"], total=data["total_bytes"]
                        )
                    elif kind == "error":
                        raise CoreError(data["message"])
                    else:
                        total = bar.tasks[0].total
                        bar.update(task, completed=total or 0, total=total or 1)
                        return data
            raise CoreError(f"the download of {engine} {model_size} stopped; run it again")
        finally:
            shared.leave(follower)
            await shared.finished()

    cancelled = (
        f"cancelled; what was fetched is kept: `voicebox models download {engine} "
        f"{model_size}` resumes it"
    )
    done = _run(_settings(data_dir), "", work, spinner=False, cancelled=cancelled)
    what = "is installed with the provider" if done.get("packaged") else "is on this machine"
    _console().print(f"{engine} {model_size} {what}.")


@models_app.command("delete")
def models_delete(engine: Engine, model_size: Size, data_dir: DataDir = None) -> None:
    """Delete a downloaded model's files."""
    from core.cli import _console, _run, _settings

    async def work(core: Core) -> dict[str, Any]:
        return await core.tts_models.delete(engine, model_size)

    _run(_settings(data_dir), f"Deleting {engine} {model_size}…", work)
    _console().print(f"deleted {engine} {model_size}")
