"""The providers API: list, install/update/uninstall (server-sent progress), start, stop, select,
remote URL and token, OpenAI key, connection test, restart, cancel an install, recent log lines.
A thin router over `core.tts.manager`.

The host is `request.app.state.provider_manager` (a `ProviderManager`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from core.errors import CoreError, ProviderUnavailable
from core.tts.manager import ProviderManager
from provider_sdk.errors import ProviderError

router = APIRouter(prefix="/providers", tags=["providers"])
ProviderId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SelectBody(Body):
    provider: str = Field(min_length=1, max_length=63, description="auto, an id, remote, openai")


class RemoteBody(Body):
    url: str = Field(min_length=8, max_length=2000)
    token: str = Field(min_length=1, max_length=4096)
    ca_bundle: str | None = Field(default=None, description="CA bundle path for private TLS")


class OpenAIBody(Body):
    api_key: str | None = Field(default=None, max_length=4096, description="'' clears the key")
    base_url: str | None = Field(default=None, max_length=2000)
    voices: list[str] | None = Field(default=None, max_length=200)


def get_host(request: Request) -> ProviderManager:
    host: ProviderManager | None = getattr(request.app.state, "provider_manager", None)
    if host is None:
        raise ProviderUnavailable("the provider manager is not running")
    return host


Host = Annotated[ProviderManager, Depends(get_host)]


@router.get("/list")
async def list_providers(host: Host, refresh: bool = False) -> dict[str, Any]:
    """Everything the settings page shows; `refresh=true` re-reads the release index."""
    return await host.installs.overview(refresh=refresh)


def _progress_stream(host: Host, provider_id: str, update: bool) -> EventSourceResponse:
    """Runs the install as a task (it finishes even if the client goes away) and streams
    `progress` events, then one `done` or `error` event."""
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def progress(event: dict[str, Any]) -> None:
        queue.put_nowait({"event": "progress", "data": json.dumps(event)})

    async def run() -> None:
        try:
            action = host.installs.update if update else host.installs.install
            done = await action(provider_id, progress)
            body = {"provider": done.id, "version": done.version, "engines": list(done.engines)}
            queue.put_nowait({"event": "done", "data": json.dumps(body)})
        except (CoreError, ProviderError) as exc:
            body = {"provider": provider_id, "code": exc.code, "message": exc.message}
            queue.put_nowait({"event": "error", "data": json.dumps(body)})
        finally:
            queue.put_nowait(None)

    task = asyncio.get_running_loop().create_task(run())
    host.installs.tasks.add(task)
    task.add_done_callback(host.installs.tasks.discard)

    async def events() -> AsyncIterator[dict[str, Any]]:
        while (item := await queue.get()) is not None:
            yield item

    return EventSourceResponse(events())


@router.post("/{provider_id}/install")
async def install(provider_id: ProviderId, host: Host) -> EventSourceResponse:
    await host.installs.prepare(provider_id, update=False)
    return _progress_stream(host, provider_id, update=False)


@router.post("/{provider_id}/update")
async def update(provider_id: ProviderId, host: Host) -> EventSourceResponse:
    await host.installs.prepare(provider_id, update=True)
    return _progress_stream(host, provider_id, update=True)


@router.delete("/{provider_id}", status_code=204)
async def uninstall(provider_id: ProviderId, host: Host) -> None:
    await host.installs.uninstall(provider_id)


@router.post("/{provider_id}/start")
async def start(provider_id: ProviderId, host: Host) -> dict[str, Any]:
    await host.start(provider_id)
    return {"provider": provider_id, "state": host.provider(provider_id).info().state.value}


@router.post("/{provider_id}/stop")
async def stop(provider_id: ProviderId, host: Host) -> dict[str, Any]:
    await host.stop(provider_id)
    return {"provider": provider_id, "state": host.provider(provider_id).info().state.value}


@router.post("/{provider_id}/restart")
async def restart(provider_id: ProviderId, host: Host) -> dict[str, Any]:
    await host.restart(provider_id)
    return {"provider": provider_id, "state": host.provider(provider_id).info().state.value}


@router.post("/{provider_id}/cancel")
async def cancel(provider_id: ProviderId, host: Host) -> dict[str, Any]:
    """Stop a running install or update; its event stream ends with an `error` event."""
    host.installs.cancel(provider_id)
    return {"provider": provider_id, "cancelling": True}


@router.get("/{provider_id}/log")
async def log(
    provider_id: ProviderId, host: Host, lines: Annotated[int, Query(ge=1, le=2000)] = 200
) -> dict[str, Any]:
    """The last `lines` lines of the provider's log file (its stdout and stderr)."""
    return host.log_lines(provider_id, lines)


@router.post("/{provider_id}/test")
async def test(provider_id: ProviderId, host: Host) -> dict[str, Any]:
    return await host.test(provider_id)


@router.put("/selection")
async def select(body: SelectBody, host: Host) -> dict[str, Any]:
    await host.select(body.provider)
    return {"active": host.choice.value.active}


@router.put("/remote")
async def set_remote(body: RemoteBody, host: Host) -> dict[str, Any]:
    summary = await host.set_remote(body.url, body.token, body.ca_bundle or True)
    return {"saved": True, "conformance": summary.as_dict()}


@router.put("/openai")
async def set_openai(body: OpenAIBody, host: Host) -> dict[str, Any]:
    host.set_openai(body.api_key, body.base_url, body.voices)
    return {"saved": True, "key_storage": host.secrets.backend}
