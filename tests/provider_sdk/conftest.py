from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from provider_sdk.server import ProviderInfo, create_provider_app
from tests.provider_sdk.tone_engine import ToneEngine

TOKEN = "test-token-0123456789"


@dataclass
class Served:
    url: str
    token: str
    engine: ToneEngine


@asynccontextmanager
async def asgi_client(
    engines: list[Any], token: str | None = TOKEN, *, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """A client into the SDK app over `engines`, in process (ASGI: no port, no thread).
    `raise_app_exceptions=False` shows an unexpected error as the 500 a real client gets."""
    app = create_provider_app(ProviderInfo("test-provider", "9.9.9"), engines, token=token)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://provider", headers=headers, timeout=30
    ) as client:
        yield client


class _Server(uvicorn.Server):
    """uvicorn's server, with an event set once it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextmanager
def serve_engines(engines: list[Any]) -> Iterator[str]:
    """The SDK app over `engines`, served by uvicorn on 127.0.0.1 (real HTTP); yields its URL.
    For what needs a real connection: the sync conformance suite, closing a stream midway."""
    app = create_provider_app(ProviderInfo("test-provider", "9.9.9"), engines, token=TOKEN)
    with serve_app(app) as url:
        yield url


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn on 127.0.0.1 (real HTTP); yields its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = _Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert server.ready.wait(10), "the provider app did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """The SDK app over a ToneEngine (see `serve_engines`)."""
    engine = ToneEngine()
    with serve_engines([engine]) as url:
        yield Served(url, TOKEN, engine)
