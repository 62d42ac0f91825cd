"""Getting model folders: a local folder, the provider's data dir, or a hub download.

Resolution order for a model whose hub repo is `Org/Name`:

1. `$VOICEBOX_QWEN_MODEL_DIR/Name` (an environment variable naming a folder that holds model
   folders; for air-gapped machines: copy the repo's files there);
2. `<data dir>/Name` when a previous download completed (a `.voicebox-complete` marker), or
   when someone copied the files there by hand (a model folder the downloader never touched:
   no `.cache/huggingface` inside);
3. a download from the hub into `<data dir>/Name`, file by file with `hf_hub_download`
   (resumable: partial files are kept and continued), with byte progress and cancellation
   between files. It happens on the first load, or ahead of time through the engines'
   `ManagedModels.download` (POST /tts/models/download). One download runs at a time.

Deleting (`ManagedModels.delete`) removes `<data dir>/Name` only, a name taken from the
registry's repo id; a model served from `$VOICEBOX_QWEN_MODEL_DIR` is the user's and is never
deleted.

Offline is detected fast: `HF_HUB_OFFLINE=1` fails at once, and otherwise the file listing
is fetched with a short timeout before anything else, so an unreachable hub gives a clear
`ModelUnavailable` naming the repo within seconds instead of a minute of retries.
`huggingface_hub` is imported here only, inside the functions.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from provider_sdk.engine import ModelRegistry, ProgressCallback
from provider_sdk.errors import (
    Conflict,
    DownloadCancelled,
    DownloadRunning,
    ModelLoading,
    ModelNotDownloaded,
    ModelPackaged,
    ModelUnavailable,
    ProviderError,
)
from provider_sdk.models import Progress

log = logging.getLogger(__name__)

LOCAL_DIR_ENV = "VOICEBOX_QWEN_MODEL_DIR"
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES})
COMPLETE_MARKER = ".voicebox-complete"
HUB_TIMEOUT_S = float(os.environ.get("VOICEBOX_HUB_TIMEOUT_S", "3"))
REQUIRED_FILES = ("config.json", "speech_tokenizer/config.json")
PROGRESS_EVERY_S = 0.25
"""How often a download started by `fetch` reports its bytes."""


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
    if is_model_folder(target) and (
        (target / COMPLETE_MARKER).is_file() or not (target / ".cache" / "huggingface").exists()
    ):
        return target
    return None


def copy_folder(repo_id: str, data_dir: Path) -> Path:
    """Where a person copies `repo_id`'s files by hand: `$VOICEBOX_QWEN_MODEL_DIR/Name` when
    that is set, else `<data dir>/Name`. Picked up on the next look, without a restart."""
    name = repo_id.split("/")[-1]
    override = os.environ.get(LOCAL_DIR_ENV)
    base = Path(override).expanduser() if override else data_dir
    return base.absolute() / name


def _unavailable(repo_id: str, data_dir: Path, why: str) -> ModelUnavailable:
    name = repo_id.split("/")[-1]
    return ModelUnavailable(
        f"model {repo_id} is not on this machine and cannot be downloaded ({why}). Connect to "
        f"the internet and retry, or copy the files of https://huggingface.co/{repo_id} into "
        f"{data_dir / name} (or into a folder '{name}' under ${LOCAL_DIR_ENV})"
    )


def _why(exc: Exception) -> str:
    """The reason in a person's words (the exception itself goes to the log)."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int):
        return f"the model hub answered HTTP {status}"
    if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
        return "it could not be written to disk (full or read-only)"
    return "the model hub cannot be reached"


def _hub_offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE", "") or os.environ.get("TRANSFORMERS_OFFLINE", "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _endpoint() -> str | None:
    """`HF_ENDPOINT` as it is now (huggingface_hub reads it once, at its import)."""
    return os.environ.get("HF_ENDPOINT") or None


def _list_files(repo_id: str, data_dir: Path) -> list[tuple[str, int | None]]:
    from huggingface_hub import HfApi

    try:
        info = HfApi(endpoint=_endpoint()).model_info(
            repo_id, files_metadata=True, timeout=HUB_TIMEOUT_S
        )
    except Exception as exc:  # connection refused, timeout, DNS, 401/404: all mean "cannot get it"
        log.warning("listing %s on the hub failed: %r", repo_id, exc)
        raise _unavailable(repo_id, data_dir, _why(exc)) from None
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
            hf_hub_download(
                repo_id,
                filename,
                local_dir=str(target),
                etag_timeout=HUB_TIMEOUT_S,
                endpoint=_endpoint(),
            )
        except Exception as exc:
            log.warning("downloading %s/%s failed: %r", repo_id, filename, exc)
            raise _unavailable(repo_id, data_dir, _why(exc)) from None
        state.done_bytes += size or 0
    if not is_model_folder(target):
        raise _unavailable(repo_id, data_dir, "the download lacks config.json or speech_tokenizer")
    (target / COMPLETE_MARKER).write_text(f"{repo_id}\n")
    log.info("downloaded %s in %.0f s", repo_id, time.monotonic() - started)
    return target


class ModelFetcher:
    """One engine's model folders: found on disk, downloaded with byte progress and a cancel
    that takes effect between files, or deleted. One download at a time. Shared by the
    PyTorch and MLX Qwen engines (their `ManagedModels` methods)."""

    def __init__(self, engine: str, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self._state: DownloadState | None = None
        self._folder: Path | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()

    def has(self, repo_id: str | None) -> bool:
        return repo_id is not None and local_folder(repo_id, self.data_dir) is not None

    def folder(self, model_size: str, repo_id: str | None) -> Path:
        """The model's folder on disk, downloading it first when needed (a load: while another
        download runs, `ModelLoading` says to retry)."""
        assert repo_id is not None, f"{self.engine}/{model_size} has no hub repo"
        found = local_folder(repo_id, self.data_dir)
        if found is not None:
            return found
        return self._download(model_size, repo_id, threading.Event(), None, busy=ModelLoading)

    def fetch(
        self,
        model_size: str,
        repo_id: str | None,
        progress: Callable[[Progress], None],
        cancel: threading.Event,
    ) -> Path:
        """Download ahead of time (`ManagedModels.download`): `progress` every
        PROGRESS_EVERY_S; `DownloadRunning` while another download runs."""
        assert repo_id is not None, f"{self.engine}/{model_size} has no hub repo"
        found = local_folder(repo_id, self.data_dir)
        if found is not None:
            return found
        return self._download(model_size, repo_id, cancel, progress, busy=DownloadRunning)

    def _download(
        self,
        model_size: str,
        repo_id: str,
        cancel: threading.Event,
        progress: Callable[[Progress], None] | None,
        *,
        busy: type[ProviderError],
    ) -> Path:
        folder = self.data_dir / repo_id.split("/")[-1]
        state = DownloadState(self.engine, model_size, repo_id)
        with self._lock:
            running = self._state
            if running is not None:
                which = "this model" if running.model_size == model_size else "another model"
                raise busy(
                    f"{self.engine}/{running.model_size} ({which}) is downloading; wait for it "
                    "to finish (GET /tts/status shows its progress) or cancel it, then retry"
                )
            self._state, self._folder, self._cancel = state, folder, cancel
        stop = threading.Event()
        ticker = None
        if progress is not None:
            ticker = threading.Thread(
                target=_tick, args=(state, folder, progress, stop), daemon=True
            )
            ticker.start()
        try:
            path = download(repo_id, self.data_dir, state, cancel)
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
            with self._lock:
                self._state = None
        if progress is not None:
            progress(state.progress(path))
        return path

    def cancel(self) -> None:
        """Stop a running download after the current file (partial files are kept)."""
        self._cancel.set()

    def progress(self) -> Progress | None:
        """Byte progress of a running download, for /tts/status; None otherwise."""
        state, folder = self._state, self._folder
        return None if state is None or folder is None else state.progress(folder)

    def delete(self, model_size: str, repo_id: str | None) -> Path:
        """Remove `<data dir>/<repo name>` (complete or partial) and nothing else: the path
        comes from the registry's repo id, never from a request's string."""
        name = f"{self.engine}/{model_size}"
        if repo_id is None:
            raise ModelPackaged(f"{name} is packaged with the provider and cannot be deleted")
        target = self.data_dir / repo_id.split("/")[-1]
        with self._lock:
            if self._state is not None and self._state.repo_id == repo_id:
                raise Conflict(f"{name} is downloading; cancel the download first, then delete")
            if not (target.exists() or target.is_symlink()):
                elsewhere = local_folder(repo_id, self.data_dir)
                if elsewhere is not None:
                    raise Conflict(
                        f"{name} is used from {elsewhere}, a folder you manage (set by "
                        f"${LOCAL_DIR_ENV}); Voicebox does not delete it. Remove that folder "
                        "yourself if you no longer want it"
                    )
                raise ModelNotDownloaded(f"{name} is not downloaded; there is nothing to delete")
            if target.parent.resolve() != self.data_dir.resolve():  # pragma: no cover
                raise Conflict(f"refusing to delete {target}: it is outside {self.data_dir}")
            if target.is_symlink():
                target.unlink()
            else:
                shutil.rmtree(target)
        log.info("deleted %s (%s)", name, target)
        return target


class FetchedModels:
    """`ManagedModels` for an engine whose models come from a `ModelFetcher` (the PyTorch and
    the MLX Qwen engines): download ahead of the first load, delete, cancel, progress."""

    name: str
    registry: ModelRegistry
    _fetcher: ModelFetcher
    _size: str | None
    """The resident model size, or None."""

    def download(
        self, model_size: str, progress: ProgressCallback, cancel: threading.Event
    ) -> None:
        """`ManagedModels`: fetch the model's folder ahead of the first load."""
        config = self.registry.get(model_size)
        self._fetcher.fetch(config.model_size, config.hub_repo_id, progress, cancel)

    def delete(self, model_size: str) -> None:
        """`ManagedModels`: remove the model's folder under the data dir (never a resident
        model's: the server unloads it first; refused here too as a safeguard)."""
        config = self.registry.get(model_size)
        if self._size == config.model_size:
            raise Conflict(f"{self.name}/{model_size} is loaded; unload it before deleting it")
        self._fetcher.delete(config.model_size, config.hub_repo_id)

    def cancel_download(self) -> None:
        """Stop a running download after the current file (partial files are kept)."""
        self._fetcher.cancel()

    def local_dir(self, model_size: str) -> Path | None:
        """Where the model's files can be copied by hand (see `copy_folder`)."""
        repo_id = self.registry.get(model_size).hub_repo_id
        return None if repo_id is None else copy_folder(repo_id, self._fetcher.data_dir)

    def progress(self) -> Progress | None:
        """Byte progress of a running download, for /tts/status; None otherwise."""
        return self._fetcher.progress()


def _tick(
    state: DownloadState, folder: Path, progress: Callable[[Progress], None], stop: threading.Event
) -> None:
    """Report byte progress (partial files included) until `stop` is set, from the moment the
    file listing is known (so an offline hub's error is the first thing a client sees)."""
    while not stop.wait(PROGRESS_EVERY_S):
        if not state.current_file:
            continue
        try:
            progress(state.progress(folder))
        except Exception:  # a callback that fails must not stop the download
            log.exception("download progress callback failed")
