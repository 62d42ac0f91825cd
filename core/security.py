"""Request guards: Host allow-list (DNS rebinding), cross-site request refusal (CSRF), API
key, upload size limit.

A pure ASGI middleware, so streaming responses (SSE) pass through untouched."""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import TooLarge
from core.settings import LOOPBACK_NAMES, Settings

OPEN_PATHS = frozenset({"/health"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as `http://127.0.0.1:17493`; None if malformed."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


def cross_site(scope: Scope, headers: dict[str, str], trusted: set[tuple[str, str, int]]) -> str:
    """Why a state-changing request comes from another site ('' when it does not).

    A browser sends `Origin` (and `Sec-Fetch-Site`) with every cross-origin POST, including the
    bodiless and form posts it sends without a CORS preflight. The app's own origin (the same
    scheme, host and port as the request's `Host`, as the UI and the desktop window use) and
    the configured `cors_origins` are trusted. A request with neither header comes from a
    non-browser client (the CLI, curl, OpenAI SDKs) and passes."""
    origin = headers.get("origin")
    if origin is not None:
        key = _origin_key(origin)
        scheme = str(scope.get("scheme", "http"))
        own = _origin_key(f"{scheme}://{headers.get('host', '')}")
        if key is not None and (key == own or key in trusted):
            return ""
        return f"origin {origin[:200]!r}"
    site = headers.get("sec-fetch-site", "").strip().lower()
    if site in ("cross-site", "same-site"):
        return f"a {site} page"
    return ""


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = {*LOOPBACK_NAMES, settings.host.lower()} | {
            h.lower() for h in settings.allowed_hosts
        }
        self.any_host = "*" in settings.allowed_hosts
        self.trusted = {k for o in settings.cors_origins if (k := _origin_key(o)) is not None}
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
        if scope["method"] not in SAFE_METHODS:
            foreign = cross_site(scope, headers, self.trusted)
            if foreign:
                await self._reject(
                    send,
                    403,
                    "cross_site_request",
                    f"refused a {scope['method']} from {foreign}: another site may not change "
                    "Voicebox. Use Voicebox at its own address, or add the site's origin to "
                    "VOICEBOX_CORS_ORIGINS if you serve the UI from there",
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
        if (
            length is not None
            and length.isascii()
            and length.isdigit()
            and int(length) > self.limit
        ):
            await self._reject(send, 413, "payload_too_large", self._too_large())
            return
        await self._bounded(scope, receive, send)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app with the body counted as it arrives: past the limit (a chunked body has
        no Content-Length to check up front) the client gets the 413 at once, and whatever the
        app answers after it (a body parser's 400) is dropped."""
        seen = 0
        started = refused = False

        async def bounded_receive() -> Message:
            nonlocal seen, refused
            message: dict[str, Any] = dict(await receive())
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    if not started and not refused:
                        refused = True
                        await self._reject(send, 413, "payload_too_large", self._too_large())
                    raise TooLarge(self._too_large())
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = True
                await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not refused:
                raise  # the 413 has been sent: what the app made of the cut body is moot

    def _too_large(self) -> str:
        return f"the request is larger than {self.settings.max_upload_mb:g} MB; send a shorter clip"
