"""Model folders made of a few named hub files: found on disk, downloaded, deleted.

Used by the Kokoro and Pocket TTS engines, whose models are a handful of files picked out of
larger hub repositories (at pinned revisions), unlike Qwen's whole-repo folders.

- `HubModel` names the folder (`<data dir>/<folder>`), the files (repo, path, revision) and the
  file that proves the folder is complete.
- `HubFetcher.folder()` returns the folder when complete (a `.voicebox-complete` marker, or the
  folder a person filled by hand: the proof file present and no download cache inside), else
  downloads it: `HF_HUB_OFFLINE=1` fails at once, and otherwise the first file's metadata is
  fetched with a short timeout, so an unreachable hub gives `ModelUnavailable` in seconds.
  Files arrive with `hf_hub_download` (resumable), with byte progress and a cancel checked
  between files. One download at a time.
- `delete()` removes `<data dir>/<folder>` only: the name comes from the registry.

`huggingface_hub` is imported inside the functions only.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from provider_sdk.errors import (
    Conflict,
    DownloadCancelled,
    DownloadRunning,
    ModelLoading,
    ModelNotDownloaded,
    ModelUnavailable,
    ProviderError,
)
from provider_sdk.models import Progress

log = logging.getLogger(__name__)

COMPLETE_MARKER = ".voicebox-complete"
HUB_TIMEOUT_S = float(os.environ.get("VOICEBOX_HUB_TIMEOUT_S", "3"))
PROGRESS_EVERY_S = 0.5


def _partial_bytes(folder: Path) -> int:
    """Bytes of files being written (huggingface_hub keeps them as *.incomplete)."""
    cache = folder / ".cache" / "huggingface" / "download"
    if not cache.is_dir():
        return 0
    return sum(p.stat().st_size for p in cache.rglob("*.incomplete") if p.is_file())


@dataclass(frozen=True)
class HubFile:
    repo_id: str
    path: str
    revision: str | None = None
    size: int | None = None
    """Expected bytes, for progress before the hub answers (None: unknown)."""


@dataclass(frozen=True)
class HubModel:
    engine: str
    model_size: str
    folder: str
    """Folder name under the engine's data dir."""
    files: tuple[HubFile, ...]
    proof: str
    """Path (relative to the folder) that exists once the model is usable."""
    help: str = ""
    """Extra advice for the unavailable message (e.g. a gated repo's terms)."""


def _offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE", "") or os.environ.get("TRANSFORMERS_OFFLINE", "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


class HubFetcher:
    """One engine's hub-file model folders under `data_dir` (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._running: HubModel | None = None
        self._done_bytes = 0
        self._total: int | None = None
        self._cancel = threading.Event()

    def path(self, model: HubModel) -> Path:
        return self.data_dir / model.folder

    def has(self, model: HubModel) -> bool:
        folder = self.path(model)
        if not (folder / model.proof).is_file():
            return False
        return (folder / COMPLETE_MARKER).is_file() or not (folder / ".cache").exists()

    def unavailable(self, model: HubModel, why: str) -> ModelUnavailable:
        repos = sorted({f.repo_id for f in model.files})
        links = ", ".join(f"https://huggingface.co/{r}" for r in repos)
        return ModelUnavailable(
            f"{model.engine}/{model.model_size} is not on this machine and cannot be downloaded "
            f"({why}). Connect to the internet and retry, or copy its files ({links}) into "
            f"{self.path(model)}. {model.help}".strip()
        )

    def folder(self, model: HubModel) -> Path:
        """The complete folder, downloading it first when needed (during a load)."""
        if self.has(model):
            return self.path(model)
        return self._download(model, None, threading.Event(), busy=ModelLoading)

    def fetch(
        self, model: HubModel, progress: Callable[[Progress], None], cancel: threading.Event
    ) -> Path:
        """Download ahead of time (`ManagedModels.download`)."""
        if self.has(model):
            return self.path(model)
        return self._download(model, progress, cancel, busy=DownloadRunning)

    def progress(self) -> Progress | None:
        model = self._running
        if model is None:
            return None
        return Progress(
            stage="downloading",
            engine=model.engine,
            model_size=model.model_size,
            downloaded_bytes=self._done_bytes + _partial_bytes(self.path(model)),
            total_bytes=self._total,
            message=f"downloading {model.engine}/{model.model_size}",
        )

    def cancel(self) -> None:
        self._cancel.set()

    def _download(
        self,
        model: HubModel,
        progress: Callable[[Progress], None] | None,
        cancel: threading.Event,
        *,
        busy: type[ProviderError],
    ) -> Path:
        if _offline():
            raise self.unavailable(model, "HF_HUB_OFFLINE is set")
        with self._lock:
            if self._running is not None:
                raise busy(
                    f"{self._running.engine}/{self._running.model_size} is downloading; wait "
                    "for it to finish (GET /tts/status shows its progress), then retry"
                )
            self._running, self._cancel = model, cancel
            self._done_bytes = 0
            self._total = sum(f.size or 0 for f in model.files) or None
        stop = threading.Event()
        ticker = None
        if progress is not None:  # byte progress at least every second, partial files included
            ticker = threading.Thread(target=self._tick, args=(progress, stop), daemon=True)
            ticker.start()
        try:
            return self._fetch_files(model, progress, cancel)
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
            with self._lock:
                self._running = None

    def _tick(self, progress: Callable[[Progress], None], stop: threading.Event) -> None:
        while not stop.wait(PROGRESS_EVERY_S):
            snapshot = self.progress()
            if snapshot is None:
                continue
            try:
                progress(snapshot)
            except Exception:  # a failing callback must not stop the download
                log.exception("download progress callback failed")

    def _fetch_files(
        self,
        model: HubModel,
        progress: Callable[[Progress], None] | None,
        cancel: threading.Event,
    ) -> Path:
        from huggingface_hub import HfApi, hf_hub_download

        target = self.path(model)
        endpoint = os.environ.get("HF_ENDPOINT") or None
        first = model.files[0]
        try:  # a short-timeout probe: an unreachable hub fails here within seconds
            HfApi(endpoint=endpoint).model_info(
                first.repo_id, revision=first.revision, timeout=HUB_TIMEOUT_S
            )
        except Exception as exc:  # connection, timeout, DNS, 401/403 (gated), 404
            raise self.unavailable(model, f"{type(exc).__name__}: {exc}") from None
        target.mkdir(parents=True, exist_ok=True)
        for item in model.files:
            if cancel.is_set():
                raise DownloadCancelled(
                    f"download of {model.engine}/{model.model_size} was cancelled; partial "
                    "files are kept and the next download resumes it"
                )
            try:
                hf_hub_download(
                    item.repo_id,
                    item.path,
                    revision=item.revision,
                    local_dir=str(target),
                    etag_timeout=HUB_TIMEOUT_S,
                    endpoint=endpoint,
                )
            except Exception as exc:
                raise self.unavailable(model, f"{type(exc).__name__}: {exc}") from None
            self._done_bytes += (target / item.path).stat().st_size
        if not (target / model.proof).is_file():
            raise self.unavailable(model, f"the download lacks {model.proof}")
        (target / COMPLETE_MARKER).write_text(f"{model.engine}/{model.model_size}\n")
        return target

    def delete(self, model: HubModel) -> None:
        """Remove the model's folder under the data dir, and nothing else."""
        name = f"{model.engine}/{model.model_size}"
        target = self.path(model)
        with self._lock:
            if self._running is not None and self._running.folder == model.folder:
                raise Conflict(f"{name} is downloading; wait for it to finish, then delete")
            if not (target.exists() or target.is_symlink()):
                raise ModelNotDownloaded(f"{name} is not downloaded; there is nothing to delete")
            if target.is_symlink():
                target.unlink()
            else:
                shutil.rmtree(target)
        log.info("deleted %s (%s)", name, target)
