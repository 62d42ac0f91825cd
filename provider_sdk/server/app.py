"""`create_provider_app`: a FastAPI app that serves the provider spec over any engines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from fastapi import FastAPI

from provider_sdk.engine import Engine
from provider_sdk.info import DeviceInfo, ProviderInfo
from provider_sdk.models import MAX_UPLOAD_BYTES
from provider_sdk.server.errors import install_error_handlers
from provider_sdk.server.host import EngineHost
from provider_sdk.server.middleware import BearerAuthMiddleware, BodySizeLimitMiddleware
from provider_sdk.server.model_routes import build_model_router
from provider_sdk.server.routes import build_router


def create_provider_app(
    info: ProviderInfo,
    engines: Sequence[Engine],
    *,
    token: str | None,
    device: DeviceInfo | None = None,
    keep_alive_s: float | None = 300.0,
    max_body_bytes: int = MAX_UPLOAD_BYTES,
) -> FastAPI:
    """Build the provider app. `token=None` disables auth: only for in-process embedding;
    every spawned or remote provider is started with a token."""
    host = EngineHost(engines, keep_alive_s=keep_alive_s)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        unloader = asyncio.create_task(host.idle_unloader())
        try:
            yield
        finally:
            unloader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await unloader
            for engine in host.engines.values():
                if engine.is_loaded():
                    engine.unload()

    app = FastAPI(
        title=f"{info.provider} (Voicebox TTS provider)",
        version=info.version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.host = host
    install_error_handlers(app)
    app.include_router(build_router(info, host, device or DeviceInfo()))
    app.include_router(build_model_router(host))
    app.add_middleware(BodySizeLimitMiddleware, limit=max_body_bytes)
    if token is not None:
        app.add_middleware(BearerAuthMiddleware, token=token)
    return app
