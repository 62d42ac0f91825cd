"""Every error leaves as `{"error": {"code", "message", "param", "type"}}` with a 4xx status
(the shape the OpenAI SDKs read too); nothing leaks a traceback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import CoreError
from core.logging import get_logger
from provider_sdk.errors import ProviderError

log = get_logger("api")


def error_response(
    status: int,
    code: str,
    message: str,
    param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    kind = "invalid_request_error" if 400 <= status < 500 else "server_error"
    body: dict[str, Any] = {
        "error": {**(extra or {}), "code": code, "message": message, "param": param, "type": kind}
    }
    return JSONResponse(body, status_code=status)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(CoreError)
    async def _core(_: Request, exc: CoreError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.extra)

    @app.exception_handler(ProviderError)
    async def _provider(_: Request, exc: ProviderError) -> JSONResponse:
        status = exc.status if 400 <= exc.status < 600 else 503
        if status == 500:
            status = 502
        return error_response(status, exc.code, f"the speech provider said: {exc.message}")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        first: str | None = None
        for err in exc.errors():
            where = _loc(tuple(err.get("loc", ())))
            first = first or where
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        message = "invalid request: " + "; ".join(problems[:5])
        return error_response(422, "validation_error", message, first)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, "http_error", str(exc.detail))


class UnexpectedErrors:
    """Any exception no handler took becomes a 500 in the envelope, and stops here. (Starlette's
    ServerErrorMiddleware re-raises after its 500, and uvicorn then drops the keep-alive
    connection, so the client's next request on it would be reset.) An error after the
    response started still propagates: that response cannot be completed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            log.exception("unexpected error in %s %s: %r", scope["method"], scope["path"], exc)
            if started:
                raise
            response = error_response(500, "internal_error", "unexpected error; see the core log")
            await response(scope, receive, send)
