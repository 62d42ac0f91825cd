"""Request guards: Host allow-list (DNS rebinding), API key, upload size limit.

A pure ASGI middleware, so streaming responses (SSE) pass through untouched."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import TooLarge
from core.settings import LOOPBACK_NAMES, Settings

OPEN_PATHS = frozenset({"/health"})


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = {*LOOPBACK_NAMES, settings.host.lower()} | {
            h.lower() for h in settings.allowed_hosts
        }
        self.any_host = "*" in settings.allowed_hosts
        self.limit = settings.max_upload_bytes + 1024 * 1024  # multipart overhead

    async def _reject(self, send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": code,
                    "message": message,
                    "param": None,
                    "type": "invalid_request_error",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = _host_name(headers.get("host", ""))
        if not self.any_host and host not in self.hosts:
            await self._reject(
                send,
                421,
                "host_not_allowed",
                f"Host {host!r} is not allowed; add it to VOICEBOX_ALLOWED_HOSTS "
                "if you proxy Voicebox under another name",
            )
            return
        key = self.settings.api_key
        if key and scope["path"] not in OPEN_PATHS and scope["method"] != "OPTIONS":
            auth = headers.get("authorization", "")
            given = auth[7:] if auth.lower().startswith("bearer ") else headers.get("x-api-key", "")
            if not hmac.compare_digest(given.encode(), key.encode()):
                await self._reject(
                    send,
                    401,
                    "unauthorized",
                    "missing or wrong API key; send 'Authorization: Bearer KEY'",
                )
                return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._reject(
                send,
                413,
                "payload_too_large",
                f"the request is larger than {self.settings.max_upload_mb:g} MB; "
                "send a shorter clip",
            )
            return
        await self.app(scope, self._bounded(receive, send), send)

    def _bounded(self, receive: Receive, send: Send) -> Receive:
        seen = 0
        limit = self.limit

        async def wrapped() -> Message:
            nonlocal seen
            message: dict[str, Any] = dict(await receive())
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge("the request body is too large; send a shorter clip")
            return message

        return wrapped
