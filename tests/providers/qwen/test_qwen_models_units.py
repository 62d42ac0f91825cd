"""ManagedModels on the Qwen engines without a hub: delete removes exactly the model's folder
under the data dir (never a folder the user manages), one download at a time, and the refusals
say why. The downloads themselves are tested over HTTP in test_qwen_models_http.py."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from provider_sdk import errors
from provider_sdk.engine import ManagedModels
from provider_sdk.models import Progress
from providers.engines import qwen_download
from providers.engines.qwen import QwenEngine
from providers.engines.qwen_download import COMPLETE_MARKER
from providers.engines.qwen_mlx import QwenMlxEngine


def fake_model(folder: Path, *, complete: bool = True) -> Path:
    (folder / "speech_tokenizer").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "speech_tokenizer" / "config.json").write_text("{}")
    if complete:
        (folder / COMPLETE_MARKER).write_text("x\n")
    else:  # what an interrupted download leaves: huggingface_hub's partial file, no marker
        cache = folder / ".cache" / "huggingface" / "download"
        cache.mkdir(parents=True)
        (cache / "model.safetensors.incomplete").write_bytes(b"\0" * 10)
    return folder


@pytest.fixture(autouse=True)
def _no_local_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(qwen_download.LOCAL_DIR_ENV, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_both_engines_manage_their_models() -> None:
    assert isinstance(QwenEngine(Path("unused")), ManagedModels)
    assert isinstance(QwenMlxEngine(Path("unused")), ManagedModels)


def test_delete_removes_only_that_models_folder(tmp_path: Path) -> None:
    small = fake_model(tmp_path / "Qwen3-TTS-12Hz-0.6B-Base")
    large = fake_model(tmp_path / "Qwen3-TTS-12Hz-1.7B-Base")
    (tmp_path / "notes.txt").write_text("keep me")
    engine = QwenEngine(tmp_path)
    assert engine.is_downloaded("0.6B") and engine.is_downloaded("1.7B")
    engine.delete("0.6B")
    assert not small.exists() and not engine.is_downloaded("0.6B")
    assert large.is_dir() and engine.is_downloaded("1.7B")
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    with pytest.raises(errors.ModelNotDownloaded, match=r"qwen/0\.6B is not downloaded"):
        engine.delete("0.6B")
    with pytest.raises(errors.UnknownModel, match="no model size"):
        engine.delete("../Qwen3-TTS-12Hz-1.7B-Base")
    assert large.is_dir()


def test_a_partial_download_is_deleted_too(tmp_path: Path) -> None:
    partial = fake_model(tmp_path / "Qwen3-TTS-12Hz-0.6B-CustomVoice", complete=False)
    engine = QwenEngine(tmp_path)
    assert not engine.is_downloaded("0.6B-CustomVoice")
    engine.delete("0.6B-CustomVoice")
    assert not partial.exists()


def test_the_mlx_engine_deletes_its_own_repo_folder(tmp_path: Path) -> None:
    torch_copy = fake_model(tmp_path / "Qwen3-TTS-12Hz-0.6B-Base")
    mlx_copy = fake_model(tmp_path / "Qwen3-TTS-12Hz-0.6B-Base-bf16")
    engine = QwenMlxEngine(tmp_path)
    assert engine.is_downloaded("0.6B")
    engine.delete("0.6B")
    assert not mlx_copy.exists() and torch_copy.is_dir()


def test_a_folder_the_user_manages_is_never_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = fake_model(tmp_path / "mine" / "Qwen3-TTS-12Hz-0.6B-Base", complete=False)
    monkeypatch.setenv(qwen_download.LOCAL_DIR_ENV, str(tmp_path / "mine"))
    engine = QwenEngine(tmp_path / "data")
    assert engine.is_downloaded("0.6B")
    with pytest.raises(errors.Conflict, match="VOICEBOX_QWEN_MODEL_DIR") as caught:
        engine.delete("0.6B")
    assert str(own) in caught.value.message
    assert (own / "config.json").is_file()


def test_a_loaded_model_is_not_deleted_by_the_engine(tmp_path: Path) -> None:
    folder = fake_model(tmp_path / "Qwen3-TTS-12Hz-0.6B-Base")
    engine = QwenEngine(tmp_path)
    engine._size = "0.6B"  # as after load(); the server unloads before it deletes
    with pytest.raises(errors.Conflict, match="is loaded"):
        engine.delete("0.6B")
    assert folder.is_dir()


def test_one_download_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_download(
        repo_id: str, data_dir: Path, state: qwen_download.DownloadState, cancel: threading.Event
    ) -> Path:
        state.current_file = "model.safetensors"
        state.total_bytes = 1000
        started.set()
        release.wait(10)
        if cancel.is_set():
            raise errors.DownloadCancelled("cancelled")
        return fake_model(data_dir / repo_id.split("/")[-1])

    monkeypatch.setattr(qwen_download, "download", slow_download)
    monkeypatch.setattr(qwen_download, "PROGRESS_EVERY_S", 0.01)
    engine = QwenEngine(tmp_path)
    seen: list[Progress] = []
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            engine.download("1.7B", seen.append, threading.Event())
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(5)
    try:
        with pytest.raises(errors.DownloadRunning, match=r"qwen/1\.7B"):
            engine.download("0.6B", seen.append, threading.Event())
        with pytest.raises(errors.ModelLoading, match="is downloading"):
            engine.load("0.6B")
        with pytest.raises(errors.Conflict, match="cancel the download first"):
            engine.delete("1.7B")
        progress = engine.progress()
        assert progress is not None and progress.model_size == "1.7B"
    finally:
        release.set()
        worker.join(10)
    assert outcome == [None]
    assert engine.is_downloaded("1.7B") and engine.progress() is None
    assert seen and seen[-1].total_bytes == 1000
    assert all(p.stage == "downloading" and p.model_size == "1.7B" for p in seen)


def test_cancel_stops_a_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def waiting_download(
        repo_id: str, data_dir: Path, state: qwen_download.DownloadState, cancel: threading.Event
    ) -> Path:
        if cancel.wait(10):
            raise errors.DownloadCancelled(f"download of {repo_id} was cancelled")
        raise AssertionError("never cancelled")

    monkeypatch.setattr(qwen_download, "download", waiting_download)
    engine = QwenEngine(tmp_path)
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    with pytest.raises(errors.DownloadCancelled, match="cancelled"):
        engine.download("0.6B", lambda p: None, cancel)
    assert engine.progress() is None  # the next download may start
