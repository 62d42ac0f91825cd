"""Exception handlers: every error leaves as the spec's envelope, never as a traceback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from provider_sdk.errors import ProviderError

log = logging.getLogger("provider_sdk.server")


def safe_message(message: str) -> str:
    """`message` as valid UTF-8 text (an unpaired surrogate from a request becomes '?')."""
    return message.encode("utf-8", "replace").decode("utf-8")


def envelope(status: int, code: str, message: str) -> JSONResponse:
    body = {"error": {"code": code, "message": safe_message(message)}}
    return JSONResponse(body, status_code=status)


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One readable sentence per error, each naming the field it is about."""
    parts: list[str] = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p != "body"]
        field = ".".join(loc)
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append(f"request body is not valid JSON ({error.get('ctx', {}).get('error')})")
        elif kind == "missing" and not field:
            parts.append("request body is missing; send a JSON object")
        elif kind == "extra_forbidden":
            parts.append(f"{field}: unknown field; remove it (see GET /tts/describe)")
        elif kind == "string_unicode":
            parts.append(
                f"{field}: is not valid Unicode (an unpaired UTF-16 surrogate or invalid "
                "UTF-8); send the text as UTF-8 or with complete surrogate pairs"
            )
        elif kind == "model_attributes_type" and not field:
            parts.append("request body must be a JSON object")
        else:
            parts.append(f"{field or 'body'}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProviderError)
    async def provider_error(_: Request, exc: ProviderError) -> JSONResponse:
        return envelope(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(422, "validation_error", describe_validation_errors(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return envelope(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return envelope(500, "internal_error", f"the provider failed: {type(exc).__name__}: {exc}")
