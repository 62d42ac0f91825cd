"""The model-management extension of the SDK server (POST /tts/models/download and /delete)
over a ToneEngine that manages its models, through real HTTP and the ProviderClient: byte
progress, typed errors from the stream, cancel by closing it, delete of a resident model,
packaged engines. The Qwen engines' real downloads are tested in tests/providers/qwen/."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from provider_sdk import errors
from provider_sdk.client import ProviderClient
from provider_sdk.engine import ManagedModels, ProgressCallback
from provider_sdk.models import ModelDownloadDone, ModelDownloadProgress, Progress
from provider_sdk.server import ProviderInfo, create_provider_app
from tests.provider_sdk.conftest import TOKEN, serve_engines
from tests.provider_sdk.tone_engine import ToneEngine

STEPS = 4
STEP_BYTES = 100


class ManagedTone(ToneEngine):
    """ToneEngine whose models are folders under `root`, "downloaded" in STEPS steps."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.step_s = 0.0
        self.fail: errors.ProviderError | None = None
        self.cancelled = threading.Event()
        self.lock = threading.Lock()

    def is_downloaded(self, model_size: str) -> bool:
        return (self.root / model_size).is_dir()

    def download(
        self, model_size: str, progress: ProgressCallback, cancel: threading.Event
    ) -> None:
        if not self.lock.acquire(blocking=False):
            raise errors.DownloadRunning(f"tone/{model_size}: a download is running")
        try:
            if self.fail is not None:
                raise self.fail
            for step in range(STEPS):
                progress(
                    Progress(
                        stage="downloading",
                        engine="tone",
                        model_size=model_size,
                        downloaded_bytes=step * STEP_BYTES,
                        total_bytes=STEPS * STEP_BYTES,
                    )
                )
                if cancel.wait(self.step_s):
                    self.cancelled.set()
                    raise errors.DownloadCancelled(f"tone/{model_size}: cancelled")
            (self.root / model_size).mkdir()
        finally:
            self.lock.release()

    def delete(self, model_size: str) -> None:
        if self.is_loaded(model_size):
            raise AssertionError("the server must unload a model before deleting it")
        if not self.is_downloaded(model_size):
            raise errors.ModelNotDownloaded(f"tone/{model_size} is not downloaded")
        shutil.rmtree(self.root / model_size)


@pytest.fixture
def managed(tmp_path: Path) -> Iterator[tuple[str, ManagedTone]]:
    engine = ManagedTone(tmp_path)
    assert isinstance(engine, ManagedModels)
    with serve_engines([engine]) as url:
        yield url, engine


async def test_download_streams_progress_then_done_and_describe_follows(
    managed: tuple[str, ManagedTone],
) -> None:
    url, _ = managed
    async with ProviderClient(url, TOKEN) as client:
        models = (await client.describe()).engines[0].models
        assert all(m.managed and not m.downloaded for m in models)
        events = [e async for e in client.download_model("tone", "clone")]
        progress = [e for e in events if isinstance(e, ModelDownloadProgress)]
        assert [p.downloaded_bytes for p in progress] == [0, 100, 200, 300]
        assert all(p.total_bytes == 400 for p in progress)
        done = events[-1]
        assert isinstance(done, ModelDownloadDone) and not done.already and not done.packaged
        models = (await client.describe()).engines[0].models
        assert [m.downloaded for m in models] == [True, False]
        again = [e async for e in client.download_model("tone", "clone")]
        assert len(again) == 1 and isinstance(again[0], ModelDownloadDone) and again[0].already


async def test_errors_in_the_stream_become_typed_errors(
    managed: tuple[str, ManagedTone],
) -> None:
    url, engine = managed
    engine.fail = errors.ModelUnavailable("the hub at 127.0.0.1:9 did not answer")
    async with ProviderClient(url, TOKEN) as client:
        with pytest.raises(errors.ModelUnavailable, match="did not answer"):
            [e async for e in client.download_model("tone", "clone")]
        engine.fail = None
        with pytest.raises(errors.UnknownModel, match="no-such"):
            [e async for e in client.download_model("tone", "no-such")]
        with pytest.raises(errors.UnknownEngine, match="nope"):
            await client.delete_model("nope", "clone")
        with pytest.raises(errors.ModelNotDownloaded, match="not downloaded"):
            await client.delete_model("tone", "clone")
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as h:
        missing = await h.post("/tts/models/delete", json={"engine": "tone"})
        assert missing.status_code == 422 and "model_size" in missing.json()["error"]["message"]
        query = await h.post("/tts/models/download?engine=tone&model_size=clone")
        assert query.status_code == 422  # a JSON body, never query parameters


async def test_closing_the_stream_cancels_the_download(managed: tuple[str, ManagedTone]) -> None:
    url, engine = managed
    engine.step_s = 5.0
    async with ProviderClient(url, TOKEN) as client:
        stream = client.download_model("tone", "preset")
        first = await anext(stream)
        assert isinstance(first, ModelDownloadProgress) and first.downloaded_bytes == 0
        with pytest.raises(errors.DownloadRunning):
            [e async for e in client.download_model("tone", "preset")]
        await stream.aclose()
        assert await _wait(engine.cancelled)
        assert not engine.is_downloaded("preset")


async def test_delete_unloads_a_resident_model_first(managed: tuple[str, ManagedTone]) -> None:
    url, engine = managed
    async with ProviderClient(url, TOKEN) as client:
        [e async for e in client.download_model("tone", "preset")]
        assert (await client.load("tone", "preset")).model_loaded
        deleted = await client.delete_model("tone", "preset")
        assert deleted.deleted and deleted.unloaded and not deleted.downloaded
        assert not (await client.status()).model_loaded
        assert not engine.is_downloaded("preset")


async def test_packaged_engines_refuse_delete_and_download_is_a_no_op(tmp_path: Path) -> None:
    from httpx import ASGITransport

    app = create_provider_app(ProviderInfo("p", "1"), [ToneEngine()], token=None)
    transport = ASGITransport(app=app)
    async with ProviderClient("http://provider", None, transport=transport) as client:
        assert not any(m.managed for m in (await client.describe()).engines[0].models)
        with pytest.raises(errors.ModelPackaged, match="packaged with the provider"):
            await client.delete_model("tone", "clone")
        events = [e async for e in client.download_model("tone", "clone")]
        assert len(events) == 1
        assert isinstance(events[0], ModelDownloadDone) and events[0].packaged


async def _wait(event: threading.Event, timeout: float = 5.0) -> bool:
    import asyncio

    return await asyncio.to_thread(event.wait, timeout)
