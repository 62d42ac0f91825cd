"""One provider download shared by every client that asks for the same model: the first
request opens the provider's stream, later ones join it (they get the latest progress at once,
then the same events). The provider's download is cancelled when the last follower leaves, or
when someone asks to cancel it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from core.errors import ConflictError
from core.logging import get_logger
from core.tts.base import DownloadEvent

log = get_logger("tts-models")
Item = tuple[str, dict[str, Any]]
Follower = asyncio.Queue[Item | None]
"""Events for one client; None ends its stream."""


class SharedDownload:
    def __init__(
        self,
        ident: dict[str, str],
        events: AsyncIterator[DownloadEvent],
        relay: Callable[[DownloadEvent], AsyncIterator[Item]],
        release: Callable[[], Awaitable[None]],
    ) -> None:
        """`relay(first)` turns the provider's events (from the first on) into (event, data);
        `release()` closes the provider's stream and forgets the download (idempotent)."""
        self.ident = ident
        self.followers: set[Follower] = set()
        self.last: Item | None = None
        self.done = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Resolved at the provider's first event; its error when the download cannot start."""
        self._events, self._relay, self._release = events, relay, release
        self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            try:
                first = await anext(self._events)
            except Exception as exc:
                self.ready.set_exception(exc)
                return
            self.ready.set_result(None)
            async for item in self._relay(first):
                self._send(item)
        except asyncio.CancelledError:
            if not self.ready.done():
                self.ready.set_exception(ConflictError("the download was cancelled"))
            raise
        except Exception as exc:  # the stream broke: followers get an error event, not a hang
            log.warning("download %s stopped: %r", self.ident, exc)
            self._send(("error", {**self.ident, "code": "download_failed", "message": str(exc)}))
        finally:
            self.done = True
            await self._release()
            for follower in self.followers:
                follower.put_nowait(None)

    def _send(self, item: Item) -> None:
        self.last = item
        for follower in self.followers:
            follower.put_nowait(item)

    def follow(self) -> Follower:
        follower: Follower = asyncio.Queue()
        if self.last is not None:
            follower.put_nowait(self.last)
        if self.done:
            follower.put_nowait(None)
        self.followers.add(follower)
        return follower

    def leave(self, follower: Follower) -> None:
        """Idempotent; the last follower to leave cancels the download."""
        self.followers.discard(follower)
        if not self.followers and not self.done:
            self._task.cancel()

    def cancel(self) -> None:
        """Stop the download for everyone (they get an `error` event, code `cancelled`)."""
        if self.done:
            return
        message = f"the download of {self.ident['engine']}/{self.ident['model_size']} was cancelled"
        self._send(("error", {**self.ident, "code": "cancelled", "message": message}))
        self._task.cancel()

    async def wait_ready(self, follower: Follower) -> None:
        """Wait for the provider's first event; on a refusal, leave and raise it."""
        try:
            await asyncio.shield(self.ready)
        except BaseException:
            self.leave(follower)
            raise

    async def finished(self) -> None:
        """Wait until the download has ended, however it ended. A cancellation of the waiter
        itself (Ctrl-C in the CLI) still propagates: only the download's own outcome is
        ignored."""
        await asyncio.wait([self._task])
