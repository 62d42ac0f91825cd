"""ASGI middleware: bearer-token auth (constant-time) and a request-body size limit."""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provider_sdk.errors import PayloadTooLarge, ProviderError, Unauthorized


async def send_error(send: Send, error: ProviderError, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BearerAuthMiddleware:
    """Refuse every HTTP request without `Authorization: Bearer <token>` (401)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization")
        if given is None:
            error = Unauthorized(
                "missing Authorization header; send 'Authorization: Bearer <token>' with the "
                "token the provider was started with"
            )
        elif not hmac.compare_digest(given, self._expected):
            error = Unauthorized("wrong token; use the token the provider was started with")
        else:
            await self.app(scope, receive, send)
            return
        await send_error(send, error, [(b"www-authenticate", b"Bearer")])


class BodyTooLarge(PayloadTooLarge):
    """Raised from `receive` when a body without a usable Content-Length runs over the limit."""


class BodySizeLimitMiddleware:
    """Answer 413 for bodies over `limit` bytes, before reading them when Content-Length says so."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _error(self) -> PayloadTooLarge:
        mb = self.limit // (1024 * 1024)
        return BodyTooLarge(f"request body is larger than the {mb} MB limit; send a smaller file")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await send_error(send, self._error(), [(b"connection", b"close")])
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise self._error()
            return message

        await self.app(scope, limited_receive, send)
