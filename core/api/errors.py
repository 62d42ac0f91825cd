"""Every error leaves as `{"error": {"code", "message", "param", "type"}}` with a 4xx status
(the shape the OpenAI SDKs read too); nothing leaks a traceback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import CoreError
from core.logging import get_logger
from provider_sdk.errors import ProviderError

log = get_logger("api")


def error_response(status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if 400 <= status < 500 else "server_error"
    body: dict[str, Any] = {
        "error": {"code": code, "message": message, "param": param, "type": kind}
    }
    return JSONResponse(body, status_code=status)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(CoreError)
    async def _core(_: Request, exc: CoreError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.field)

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

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error: %r", exc)
        return error_response(500, "internal_error", "unexpected error; see the core log")
