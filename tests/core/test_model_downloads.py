"""SharedDownload: the provider's download seen by several followers (in process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.services.model_downloads import SharedDownload


async def test_waiting_for_the_end_does_not_swallow_the_waiters_own_cancellation() -> None:
    release_first = asyncio.Event()
    released = asyncio.Event()

    async def events() -> AsyncIterator[Any]:
        yield "first"
        await release_first.wait()  # the download runs until the test lets it end
        yield "second"

    async def relay(first: Any) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        yield "progress", {"item": first}
        async for item in stream:
            yield "progress", {"item": item}

    async def release() -> None:
        released.set()

    stream = events()
    shared = SharedDownload({"engine": "e", "model_size": "s"}, stream, relay, release)
    follower = shared.follow()
    await shared.wait_ready(follower)
    waiter = asyncio.create_task(shared.finished())
    await asyncio.sleep(0)  # the waiter is now waiting for the download to end
    waiter.cancel()  # e.g. Ctrl-C in `voicebox models download`
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not shared.done  # the download itself goes on
    release_first.set()
    await asyncio.wait_for(shared.finished(), 5)  # and its end is still waited for
    assert shared.done and released.is_set()
