"""Extension endpoints for engines that manage downloadable models (`ManagedModels`):

- `POST /tts/models/download` `{engine, model_size}`: NDJSON, `progress` lines with byte
  counts while the files arrive, then one `done` line, or one `error` line. Closing the
  connection cancels the download (it stops after the file being fetched; partial files are
  kept and the next download resumes them). A packaged model, or one already on disk, answers
  `done` at once.
- `POST /tts/models/delete` `{engine, model_size}`: removes the model's folder; a resident
  model is unloaded first. A packaged model is refused with 409 `model_packaged`.

Downloads run in a thread of their own, not under the host's lock: the provider keeps speaking
with a resident model while another one downloads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from provider_sdk.engine import Engine, ManagedModels, ModelConfig
from provider_sdk.errors import ProviderError
from provider_sdk.models import (
    ModelDeleteResponse,
    ModelDownloadDone,
    ModelDownloadProgress,
    ModelRequest,
    Progress,
)
from provider_sdk.server.host import EngineHost

log = logging.getLogger("provider_sdk.models")
_FINISHED = object()


def _line(model: ModelDownloadProgress | ModelDownloadDone) -> bytes:
    return (model.model_dump_json() + "\n").encode()


def _error_line(exc: BaseException) -> bytes:
    """`{"event": "error", "error": {"code", "message"}}`, as the generate stream sends it."""
    if isinstance(exc, ProviderError):
        code, message = exc.code, exc.message
    else:
        log.error("model download failed", exc_info=exc)
        code, message = "internal_error", f"the download failed: {type(exc).__name__}: {exc}"
    return (
        json.dumps({"event": "error", "error": {"code": code, "message": message}}) + "\n"
    ).encode()


async def _download_events(
    engine: ManagedModels, name: str, config: ModelConfig
) -> AsyncIterator[bytes]:
    """Run `engine.download` in a thread and relay its progress; cancel it when the client
    goes away (this generator is closed before it finished)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    cancel = threading.Event()

    def put(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed (provider shutting down)
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            engine.download(config.model_size, put, cancel)
        except BaseException as exc:  # reported to the client, never lost in the thread
            put(exc)
        else:
            put(_FINISHED)

    size = config.model_size
    threading.Thread(target=work, name=f"download-{name}-{size}", daemon=True).start()
    try:
        while True:
            item = await queue.get()
            if isinstance(item, Progress):
                yield _line(
                    ModelDownloadProgress(
                        engine=name,
                        model_size=size,
                        downloaded_bytes=item.downloaded_bytes,
                        total_bytes=item.total_bytes,
                        message=item.message,
                    )
                )
            elif isinstance(item, BaseException):
                yield _error_line(item)
                return
            else:
                message = f"{name}/{size} is downloaded"
                yield _line(ModelDownloadDone(engine=name, model_size=size, message=message))
                return
    finally:
        cancel.set()  # a no-op once the download finished; stops it when the client left


def _single(done: ModelDownloadDone) -> StreamingResponse:
    async def one() -> AsyncIterator[bytes]:
        yield _line(done)

    return StreamingResponse(one(), media_type="application/x-ndjson")


def build_model_router(host: EngineHost) -> APIRouter:
    router = APIRouter(prefix="/tts/models")

    def resolve(body: ModelRequest) -> tuple[Engine, ModelConfig]:
        return host.resolve(body.engine, body.model_size)

    @router.post("/download")
    async def download(body: ModelRequest) -> StreamingResponse:
        """NDJSON: `progress` lines, then `done` or `error` (see the module doc)."""
        engine, config = resolve(body)
        name, size = engine.name, config.model_size
        if not isinstance(engine, ManagedModels):
            return _single(
                ModelDownloadDone(
                    engine=name,
                    model_size=size,
                    packaged=True,
                    message=f"{name}/{size} is packaged with the provider; nothing to download",
                )
            )
        if engine.is_downloaded(size):
            return _single(
                ModelDownloadDone(
                    engine=name,
                    model_size=size,
                    already=True,
                    message=f"{name}/{size} is downloaded already",
                )
            )
        return StreamingResponse(
            _download_events(engine, name, config), media_type="application/x-ndjson"
        )

    @router.post("/delete")
    async def delete(body: ModelRequest) -> ModelDeleteResponse:
        engine, config = resolve(body)
        size = config.model_size
        unloaded = await host.delete_model(engine, size)
        still = engine.is_downloaded(size)
        message = f"{engine.name}/{size} was deleted"
        if unloaded:
            message += " (it was loaded; it was unloaded first)"
        if still:
            message += "; another copy outside the provider's data folder is still used"
        return ModelDeleteResponse(
            engine=engine.name,
            model_size=size,
            deleted=True,
            unloaded=unloaded,
            downloaded=still,
            message=message,
        )

    return router
