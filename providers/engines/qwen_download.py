"""Getting model folders: a local folder, the provider's data dir, or a hub download.

Resolution order for a model whose hub repo is `Org/Name`:

1. `$VOICEBOX_QWEN_MODEL_DIR/Name` (an environment variable naming a folder that holds model
   folders; for air-gapped machines: copy the repo's files there);
2. `<data dir>/Name` when a previous download completed (a `.voicebox-complete` marker);
3. a download from the hub into `<data dir>/Name`, file by file with `hf_hub_download`
   (resumable: partial files are kept and continued), with byte progress and cancellation
   between files.

Offline is detected fast: `HF_HUB_OFFLINE=1` fails at once, and otherwise the file listing
is fetched with a short timeout before anything else, so an unreachable hub gives a clear
`ModelUnavailable` naming the repo within seconds instead of a minute of retries.
`huggingface_hub` is imported here only, inside the functions.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from provider_sdk.errors import ModelUnavailable
from provider_sdk.models import Progress

log = logging.getLogger(__name__)

LOCAL_DIR_ENV = "VOICEBOX_QWEN_MODEL_DIR"
COMPLETE_MARKER = ".voicebox-complete"
HUB_TIMEOUT_S = float(os.environ.get("VOICEBOX_HUB_TIMEOUT_S", "3"))
REQUIRED_FILES = ("config.json", "speech_tokenizer/config.json")


class DownloadCancelled(ModelUnavailable):
    code = "download_cancelled"


@dataclass
class DownloadState:
    """What `progress()` reports while a download runs; written by the downloader thread."""

    engine: str
    model_size: str
    repo_id: str
    total_bytes: int | None = None
    done_bytes: int = 0
    current_file: str = ""

    def progress(self, folder: Path) -> Progress:
        partial = _partial_bytes(folder)
        return Progress(
            stage="downloading",
            engine=self.engine,
            model_size=self.model_size,
            downloaded_bytes=self.done_bytes + partial,
            total_bytes=self.total_bytes,
            message=f"downloading {self.repo_id}: {self.current_file}",
        )


def _partial_bytes(folder: Path) -> int:
    """Bytes of files still being written (huggingface_hub keeps them as *.incomplete)."""
    cache = folder / ".cache" / "huggingface" / "download"
    if not cache.is_dir():
        return 0
    return sum(p.stat().st_size for p in cache.rglob("*.incomplete") if p.is_file())


def is_model_folder(folder: Path) -> bool:
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def local_folder(repo_id: str, data_dir: Path) -> Path | None:
    """The folder holding `repo_id` already, or None when it must be downloaded."""
    name = repo_id.split("/")[-1]
    override = os.environ.get(LOCAL_DIR_ENV)
    if override:
        candidate = Path(override).expanduser() / name
        if is_model_folder(candidate):
            return candidate
        log.warning(
            "%s is set but %s holds no model; trying %s", LOCAL_DIR_ENV, candidate, data_dir
        )
    target = data_dir / name
    if (target / COMPLETE_MARKER).is_file() and is_model_folder(target):
        return target
    return None


def _unavailable(repo_id: str, data_dir: Path, why: str) -> ModelUnavailable:
    name = repo_id.split("/")[-1]
    return ModelUnavailable(
        f"model {repo_id} is not on this machine and cannot be downloaded ({why}). Connect to "
        f"the internet and retry, or copy the files of https://huggingface.co/{repo_id} into "
        f"{data_dir / name} (or into a folder '{name}' under ${LOCAL_DIR_ENV})"
    )


def _hub_offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE", "") or os.environ.get("TRANSFORMERS_OFFLINE", "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list_files(repo_id: str, data_dir: Path) -> list[tuple[str, int | None]]:
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(repo_id, files_metadata=True, timeout=HUB_TIMEOUT_S)
    except Exception as exc:  # connection refused, timeout, DNS, 401/404: all mean "cannot get it"
        raise _unavailable(repo_id, data_dir, f"{type(exc).__name__}: {exc}") from None
    return [(s.rfilename, s.size) for s in info.siblings or []]


def download(repo_id: str, data_dir: Path, state: DownloadState, cancel: threading.Event) -> Path:
    """Download `repo_id` into `data_dir/<name>` and return the folder (see module doc)."""
    if _hub_offline():
        raise _unavailable(repo_id, data_dir, "HF_HUB_OFFLINE is set")
    target = data_dir / repo_id.split("/")[-1]
    files = _list_files(repo_id, data_dir)
    state.total_bytes = sum(size or 0 for _, size in files) or None
    target.mkdir(parents=True, exist_ok=True)
    from huggingface_hub import hf_hub_download

    started = time.monotonic()
    for filename, size in files:
        if cancel.is_set():
            raise DownloadCancelled(
                f"download of {repo_id} was cancelled; partial files are kept "
                "and the next load resumes it"
            )
        state.current_file = filename
        try:
            hf_hub_download(repo_id, filename, local_dir=str(target), etag_timeout=HUB_TIMEOUT_S)
        except Exception as exc:
            raise _unavailable(repo_id, data_dir, f"{type(exc).__name__}: {exc}") from None
        state.done_bytes += size or 0
    if not is_model_folder(target):
        raise _unavailable(repo_id, data_dir, "the download lacks config.json or speech_tokenizer")
    (target / COMPLETE_MARKER).write_text(f"{repo_id}\n")
    log.info("downloaded %s in %.0f s", repo_id, time.monotonic() - started)
    return target


class ModelFetcher:
    """One engine's model folders: found on disk, or downloaded with byte progress and a
    cancel that takes effect between files. Shared by the PyTorch and MLX Qwen engines."""

    def __init__(self, engine: str, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self._state: DownloadState | None = None
        self._folder: Path | None = None
        self._cancel = threading.Event()

    def has(self, repo_id: str | None) -> bool:
        return repo_id is not None and local_folder(repo_id, self.data_dir) is not None

    def folder(self, model_size: str, repo_id: str | None) -> Path:
        """The model's folder on disk, downloading it first when needed."""
        assert repo_id is not None, f"{self.engine}/{model_size} has no hub repo"
        found = local_folder(repo_id, self.data_dir)
        if found is not None:
            return found
        self._cancel.clear()
        self._state = DownloadState(self.engine, model_size, repo_id)
        self._folder = self.data_dir / repo_id.split("/")[-1]
        try:
            return download(repo_id, self.data_dir, self._state, self._cancel)
        finally:
            self._state = None

    def cancel(self) -> None:
        """Stop a running download after the current file (partial files are kept)."""
        self._cancel.set()

    def progress(self) -> Progress | None:
        """Byte progress of a running download, for /tts/status; None otherwise."""
        state, folder = self._state, self._folder
        return None if state is None or folder is None else state.progress(folder)
