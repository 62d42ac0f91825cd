"""The FastAPI app factory: `create_app(settings)`; `uvicorn --factory core.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from core import __version__
from core.api import errors
from core.api.first_run import router as first_run_router
from core.api.generations import router as generations_router
from core.api.history_words import router as history_words_router
from core.api.openai import router as openai_router
from core.api.profiles import router as profiles_router
from core.api.providers import router as providers_router
from core.api.stories import router as stories_router
from core.api.system import router as system_router
from core.api.transcribe import router as transcribe_router
from core.api.tts_models import router as tts_models_router
from core.api.whisper_models import router as whisper_models_router
from core.logging import setup_logging
from core.mcp_server import mount_mcp
from core.security import GuardMiddleware
from core.services.context import Core
from core.settings import Settings
from core.tts.base import TTSProvider

PACKAGED_UI = Path(__file__).resolve().parent / "ui_dist"
"""Where an installed wheel carries the built UI (setup.py copies ui/dist there)."""
REPO_UI = Path(__file__).resolve().parent.parent / "ui" / "dist"
"""The UI build of a source checkout (and of the PyInstaller build, which keeps that layout)."""


def default_ui_dir() -> Path:
    """The built UI to serve: the wheel's copy when present, else the checkout's ui/dist."""
    return PACKAGED_UI if (PACKAGED_UI / "index.html").is_file() else REPO_UI


def _origins(settings: Settings) -> list[str]:
    port = f":{settings.port}" if settings.port not in (80, 0) else ""
    hosts = {settings.host, "127.0.0.1", "localhost"}
    return sorted({f"http://{h}{port}" for h in hosts} | set(settings.cors_origins))


def _mount_ui(app: FastAPI, ui_dir: Path) -> None:
    index = ui_dir / "index.html"
    if not index.is_file():
        return
    if (ui_dir / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=ui_dir / "assets"), name="ui-assets")
    root = ui_dir.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        candidate = (root / path).resolve()
        if path and candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate)
        if path and "text/html" not in request.headers.get("accept", ""):
            # Only a browser navigating gets the app; an API client gets a clear 404.
            return JSONResponse(
                {"error": {"code": "not_found", "message": f"no endpoint /{path}"}},
                status_code=404,
            )
        return FileResponse(index)


def create_app(settings: Settings | None = None, provider: TTSProvider | None = None) -> FastAPI:
    """The app; `provider` replaces the configured one (tests pass their own)."""
    settings = settings or Settings()
    setup_logging(settings.data_dir, settings.log_level)
    settings.check_bind()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        core = Core.open(settings, provider)
        app.state.core = core
        if core.manager is not None:
            core.manager.listeners.append(
                lambda provider, phase, failure: core.events.publish(
                    {
                        "type": "provider",
                        "provider": provider,
                        "state": phase.value,
                        "failure": failure.as_dict() if failure else None,
                    }
                )
            )
        core.resume()
        try:
            yield
        finally:
            await core.close()

    app = FastAPI(title="Voicebox", version=__version__, lifespan=lifespan)
    errors.install(app)
    for router in (
        system_router,
        profiles_router,
        generations_router,
        history_words_router,
        transcribe_router,
        openai_router,
        providers_router,
        whisper_models_router,
        tts_models_router,
        first_run_router,
        stories_router,
    ):
        app.include_router(router)
    app.add_middleware(errors.UnexpectedErrors)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=_origins(settings),
        allow_methods=["*"],
        allow_headers=["*"],
        allow_credentials=False,
    )
    app.add_middleware(GuardMiddleware, settings=settings)
    mount_mcp(app)
    _mount_ui(app, settings.ui_dir or default_ui_dir())
    return app
