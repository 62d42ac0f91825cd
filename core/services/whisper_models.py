"""Whisper model management: the packaged tiny.en plus downloadable faster-whisper (CTranslate2)
models from a fixed registry, each in `<data dir>/models/whisper/<name>`.

- Names come from `REGISTRY` only; a user's string never becomes a path.
- Downloads fetch the repo's files one by one with `huggingface_hub.hf_hub_download` into the
  model's folder (resumable: huggingface_hub keeps `*.incomplete` files under
  `<folder>/.cache/huggingface/download` and continues them). Byte progress is the sum of the
  finished files plus the partial ones. Cancelling stops before the next file; the file being
  fetched finishes in the background (its thread cannot be interrupted) and is kept.
- Offline is detected fast: `HF_HUB_OFFLINE=1` refuses at once, otherwise the file listing is
  fetched with a short timeout (`VOICEBOX_HUB_TIMEOUT_S`, 3 s) before anything is written, so an
  unreachable hub is a clear 503 naming the repo within seconds.
- `huggingface_hub` is imported inside the functions (start-up cost).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConflictError, CoreError, NotFoundError, ProviderUnavailable
from core.logging import get_logger
from core.settings import Settings, save_setting

if TYPE_CHECKING:
    from core.services.transcription import Transcriber

log = get_logger("whisper-models")
PACKAGED = "tiny.en"
HUB_TIMEOUT_S = float(os.environ.get("VOICEBOX_HUB_TIMEOUT_S", "3"))
ALLOW_PATTERNS = ("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json")
NAME_PATTERN = r"^[a-z0-9][a-z0-9.\-]{0,40}$"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    repo_id: str
    size_mb: int
    languages: str


REGISTRY: dict[str, ModelSpec] = {
    s.name: s
    for s in (
        ModelSpec(PACKAGED, "Systran/faster-whisper-tiny.en", 75, "English"),
        ModelSpec("base.en", "Systran/faster-whisper-base.en", 145, "English"),
        ModelSpec("small.en", "Systran/faster-whisper-small.en", 486, "English"),
        ModelSpec("medium.en", "Systran/faster-whisper-medium.en", 1530, "English"),
        ModelSpec("large-v3-turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo", 1620, "99"),
        ModelSpec("large-v3", "Systran/faster-whisper-large-v3", 3090, "99"),
    )
}


class DownloadOffline(ProviderUnavailable):
    code = "model_unavailable"


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "whisper"


def spec(name: str) -> ModelSpec:
    found = REGISTRY.get(name)
    if found is None:
        raise NotFoundError(
            f"no Whisper model named {name!r}; known: {', '.join(REGISTRY)}", field="name"
        )
    return found


def folder(data_dir: Path, name: str) -> Path:
    """The model's folder; `name` must be a registry name (checked here again)."""
    return models_dir(data_dir) / spec(name).name


def is_complete(path: Path) -> bool:
    required = ("config.json", "model.bin", "tokenizer.json")
    return all((path / f).is_file() for f in required) and any(path.glob("vocabulary.*"))


def _partial_bytes(path: Path) -> int:
    cache = path / ".cache" / "huggingface" / "download"
    if not cache.is_dir():
        return 0
    return sum(p.stat().st_size for p in cache.rglob("*.incomplete") if p.is_file())


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None


def _wanted(filename: str) -> bool:
    return filename in ALLOW_PATTERNS or filename.startswith("vocabulary.")


@dataclass
class Download:
    """One running download; written by its thread, read by the progress stream."""

    spec: ModelSpec
    path: Path
    files: list[tuple[str, int]]
    cancel: threading.Event = field(default_factory=threading.Event)
    done_bytes: int = 0
    current_file: str = ""
    error: CoreError | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files)

    def progress(self) -> dict[str, Any]:
        done = min(self.done_bytes + _partial_bytes(self.path), self.total_bytes)
        return {
            "name": self.spec.name,
            "repo_id": self.spec.repo_id,
            "downloaded_bytes": done,
            "total_bytes": self.total_bytes,
            "file": self.current_file,
        }

    def run(self) -> None:
        from huggingface_hub import hf_hub_download

        started = time.monotonic()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            for filename, size in self.files:
                if self.cancel.is_set():
                    log.info("download of %s cancelled; partial files kept", self.spec.repo_id)
                    return
                self.current_file = filename
                hf_hub_download(
                    self.spec.repo_id,
                    filename,
                    local_dir=str(self.path),
                    etag_timeout=HUB_TIMEOUT_S,
                    endpoint=_endpoint(),
                )
                self.done_bytes += size
            if not is_complete(self.path):
                raise DownloadOffline(f"the download of {self.spec.repo_id} lacks model files")
            log.info("downloaded %s in %.0f s", self.spec.repo_id, time.monotonic() - started)
        except CoreError as exc:
            self.error = exc
        except Exception as exc:  # network drop, disk full: the log says which
            log.warning("downloading %s failed: %r", self.spec.repo_id, exc)
            self.error = DownloadOffline(
                f"downloading {self.spec.repo_id} stopped (the connection dropped or the disk "
                "is full); retry to resume it"
            )
        finally:
            self.finished.set()


class WhisperModels:
    """The service behind `/models/whisper`: list, download, delete, activate."""

    def __init__(self, settings: Settings, transcriber: Transcriber) -> None:
        """`settings` is where the chosen model is kept (saved to the settings file too)."""
        self.settings = settings
        self.transcriber = transcriber
        self.downloads: dict[str, Download] = {}
        self._lock = threading.Lock()

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    def active(self) -> str:
        return self.transcriber.model_name

    def downloaded(self, name: str) -> bool:
        return name == PACKAGED or is_complete(folder(self.data_dir, name))

    def _running(self, name: str) -> Download | None:
        download = self.downloads.get(name)
        return download if download and not download.finished.is_set() else None

    def overview(self) -> dict[str, Any]:
        rows = [
            {
                "name": s.name,
                "repo_id": s.repo_id,
                "size_mb": s.size_mb,
                "languages": s.languages,
                "packaged": s.name == PACKAGED,
                "downloaded": self.downloaded(s.name),
                "downloading": self._running(s.name) is not None,
                "active": s.name == self.active(),
            }
            for s in REGISTRY.values()
        ]
        return {
            "models": rows,
            "active": self.active(),
            "models_dir": str(models_dir(self.data_dir)),
        }

    def prepare_download(self, name: str) -> Download:
        """Check the name and the hub (fast) and return a download ready to `start()`."""
        model = spec(name)
        if name == PACKAGED:
            raise ConflictError(f"{name} is built into Voicebox; nothing to download")
        if self.downloaded(name):
            raise ConflictError(f"{name} is already downloaded")
        if self._running(name):
            raise ConflictError(f"{name} is already downloading (or finishing a cancelled file)")
        files = self._list_files(model)
        return Download(model, folder(self.data_dir, name), files)

    def _list_files(self, model: ModelSpec) -> list[tuple[str, int]]:
        where = folder(self.data_dir, model.name)
        hint = (
            f"Connect to the internet and retry, or copy the files of "
            f"https://huggingface.co/{model.repo_id} into {where}"
        )
        if _hub_offline():
            raise DownloadOffline(
                f"cannot download {model.repo_id}: HF_HUB_OFFLINE is set. {hint}", field="name"
            )
        from huggingface_hub import HfApi

        try:
            info = HfApi(endpoint=_endpoint()).model_info(
                model.repo_id, files_metadata=True, timeout=HUB_TIMEOUT_S
            )
        except Exception as exc:  # DNS, refused, timeout, HTTP errors: all "cannot get it"
            raise DownloadOffline(
                f"cannot download {model.repo_id}: the Hugging Face hub did not answer "
                f"({type(exc).__name__}). {hint}",
                field="name",
            ) from None
        return [(s.rfilename, s.size or 0) for s in info.siblings or [] if _wanted(s.rfilename)]

    def start(self, download: Download) -> None:
        with self._lock:
            if self._running(download.spec.name):
                raise ConflictError(f"{download.spec.name} is already downloading")
            self.downloads[download.spec.name] = download
        threading.Thread(
            target=download.run, name=f"whisper-download-{download.spec.name}", daemon=True
        ).start()

    def delete(self, name: str) -> None:
        spec(name)
        if name == PACKAGED:
            raise ConflictError(f"{name} is built into Voicebox and cannot be deleted")
        if name == self.active():
            raise ConflictError(
                f"{name} is the active transcription model; make another model active first"
            )
        if self._running(name):
            raise ConflictError(f"{name} is downloading; cancel the download first")
        path = folder(self.data_dir, name)
        if not path.exists():
            raise NotFoundError(f"{name} is not downloaded", field="name")
        root = models_dir(self.data_dir).resolve()
        if not path.resolve().is_relative_to(root):  # pragma: no cover - registry names only
            raise ConflictError(f"refusing to delete {path}")
        shutil.rmtree(path)
        log.info("deleted whisper model %s", name)

    def close(self) -> None:
        """At shutdown: running downloads stop before their next file."""
        for download in self.downloads.values():
            download.cancel.set()

    def activate(self, name: str) -> str:
        """Make `name` the transcriber's model (next transcription loads it) and persist it."""
        spec(name)
        if not self.downloaded(name):
            raise ConflictError(f"{name} is not downloaded; download it first", field="name")
        save_setting(self.settings, "whisper_model", name)
        self.settings.whisper_model = name
        self.transcriber.use(name)
        return name
