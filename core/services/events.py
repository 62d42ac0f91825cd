"""An in-process event bus feeding the server-sent event streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

Event = dict[str, Any]


class EventBus:
    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._queue_size = queue_size

    def publish(self, event: Event) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a slow client loses old events, never blocks the core
                queue.get_nowait()
                queue.put_nowait(event)

    def open(self) -> asyncio.Queue[Event]:
        """Register a subscriber now (so nothing published after this call is missed)."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        return queue

    async def subscribe(self, queue: asyncio.Queue[Event] | None = None) -> AsyncIterator[Event]:
        queue = queue or self.open()
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    def close(self, queue: asyncio.Queue[Event]) -> None:
        self._subscribers.discard(queue)
