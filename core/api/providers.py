"""The providers API: list, install/update/uninstall (server-sent progress), start, stop, select,
remote URL and token, OpenAI key, connection test, restart, cancel an install, recent log lines.
A thin router over `core.services.providers`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from core.api.deps import ProvidersDep
from core.services.providers import Providers

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


@router.get("/list")
async def list_providers(providers: ProvidersDep, refresh: bool = False) -> dict[str, Any]:
    """Everything the settings page shows; `refresh=true` re-reads the release index."""
    return await providers.overview(refresh=refresh)


def _progress_stream(providers: Providers, provider_id: str, update: bool) -> EventSourceResponse:
    """Runs the install as a task (it finishes even if the client goes away) and streams
    `progress` events, then one `done` or `error` event."""
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def report(event: str, body: dict[str, Any]) -> None:
        queue.put_nowait(None if event == "end" else {"event": event, "data": json.dumps(body)})

    providers.run_install(provider_id, update, report)

    async def events() -> AsyncIterator[dict[str, Any]]:
        while (item := await queue.get()) is not None:
            yield item

    return EventSourceResponse(events())


@router.post("/{provider_id}/install")
async def install(provider_id: ProviderId, providers: ProvidersDep) -> EventSourceResponse:
    await providers.prepare_install(provider_id, update=False)
    return _progress_stream(providers, provider_id, update=False)


@router.post("/{provider_id}/update")
async def update(provider_id: ProviderId, providers: ProvidersDep) -> EventSourceResponse:
    await providers.prepare_install(provider_id, update=True)
    return _progress_stream(providers, provider_id, update=True)


@router.delete("/{provider_id}", status_code=204)
async def uninstall(provider_id: ProviderId, providers: ProvidersDep) -> None:
    await providers.uninstall(provider_id)


@router.post("/{provider_id}/start")
async def start(provider_id: ProviderId, providers: ProvidersDep) -> dict[str, Any]:
    return await providers.start(provider_id)


@router.post("/{provider_id}/stop")
async def stop(provider_id: ProviderId, providers: ProvidersDep) -> dict[str, Any]:
    return await providers.stop(provider_id)


@router.post("/{provider_id}/restart")
async def restart(provider_id: ProviderId, providers: ProvidersDep) -> dict[str, Any]:
    return await providers.restart(provider_id)


@router.post("/{provider_id}/cancel")
async def cancel(provider_id: ProviderId, providers: ProvidersDep) -> dict[str, Any]:
    """Stop a running install or update; its event stream ends with an `error` event."""
    providers.cancel_install(provider_id)
    return {"provider": provider_id, "cancelling": True}


@router.get("/{provider_id}/log")
async def log(
    provider_id: ProviderId,
    providers: ProvidersDep,
    lines: Annotated[int, Query(ge=1, le=2000)] = 200,
) -> dict[str, Any]:
    """The last `lines` lines of the provider's log file (its stdout and stderr)."""
    return providers.log(provider_id, lines)


@router.post("/{provider_id}/test")
async def test(provider_id: ProviderId, providers: ProvidersDep) -> dict[str, Any]:
    return await providers.test(provider_id)


@router.put("/selection")
async def select(body: SelectBody, providers: ProvidersDep) -> dict[str, Any]:
    return await providers.select(body.provider)


@router.put("/remote")
async def set_remote(body: RemoteBody, providers: ProvidersDep) -> dict[str, Any]:
    return await providers.set_remote(body.url, body.token, body.ca_bundle)


@router.put("/openai")
async def set_openai(body: OpenAIBody, providers: ProvidersDep) -> dict[str, Any]:
    return providers.set_openai(body.api_key, body.base_url, body.voices)
