"""EngineHost: owns the engines of one provider process, serializes their work, loads one
model at a time, and runs every blocking call in a worker thread."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from provider_sdk.engine import Engine, ManagedModels, ModelConfig
from provider_sdk.errors import (
    ModelLoading,
    ModelPackaged,
    OutOfMemory,
    ProviderError,
    UnknownEngine,
)
from provider_sdk.models import EngineInfo, HealthState, Progress

log = logging.getLogger("provider_sdk.host")
T = TypeVar("T")


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""glibc `mallopt` parameters (malloc.h)."""


def release_free_memory() -> None:
    """Hand freed heap pages back to the OS (glibc keeps them otherwise), so an idle
    provider's RSS reflects what it holds, not the peak of its last request."""
    if _libc is not None:
        _libc.malloc_trim(0)


def tune_allocator() -> None:
    """Fix glibc's malloc thresholds for a long-running provider process.

    By default glibc raises its mmap threshold (up to 32 MiB) each time a large block is
    freed, and its trim threshold to twice that. Model calls run in worker threads, whose
    arenas then keep up to 64 MiB free at their top after a request: `malloc_trim` returns
    free pages inside an arena but never the top of a thread's arena, so the idle RSS of a
    provider varied by 20-40 MB from run to run. Fixed thresholds keep the allocation
    pattern the default converges to (blocks under 32 MiB come from the arenas, so large
    tensors are not page-faulted in afresh on every call) and return free memory above
    4 MiB at the top of any arena as soon as it is freed."""
    if _libc is not None:
        _libc.mallopt(M_MMAP_THRESHOLD, 32 * 2**20)
        _libc.mallopt(M_TRIM_THRESHOLD, 4 * 2**20)


def _load_libc() -> ctypes.CDLL | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


_libc = _load_libc()


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


class EngineHost:
    """Serializes engine work: one model resident at a time, one call at a time.

    A request that needs a model while another request is loading one gets `ModelLoading`
    (503) at once instead of queueing behind a load that may take minutes.
    """

    def __init__(self, engines: Sequence[Engine], *, keep_alive_s: float | None = None) -> None:
        if not engines:
            raise ValueError("a provider needs at least one engine")
        self.engines: dict[str, Engine] = {e.name: e for e in engines}
        self.keep_alive_s = keep_alive_s
        self.loading: tuple[str, str] | None = None
        self.last_load_error: str | None = None
        self._lock = asyncio.Lock()
        self._last_used = time.monotonic()

    @property
    def default_engine(self) -> Engine:
        return next(iter(self.engines.values()))

    def engine(self, name: str | None) -> Engine:
        if name is None:
            return self.default_engine
        try:
            return self.engines[name]
        except KeyError:
            raise UnknownEngine(
                f"unknown engine {name!r}; this provider serves: {', '.join(self.engines)}"
            ) from None

    def resolve(
        self, engine_name: str | None, model_size: str | None
    ) -> tuple[Engine, ModelConfig]:
        engine = self.engine(engine_name)
        return engine, engine.registry.get(model_size)

    def describe(self) -> list[EngineInfo]:
        return [
            EngineInfo(
                name=e.name,
                display_name=e.display_name,
                description=str(getattr(e, "description", "")),
                default_model_size=e.registry.default.model_size,
                models=[
                    c.info(
                        downloaded=e.is_downloaded(s),
                        managed=isinstance(e, ManagedModels) and not c.packaged,
                        local_dir=_local_dir(e, s),
                    )
                    for s, c in e.registry.configs.items()
                ],
            )
            for e in self.engines.values()
        ]

    def loaded(self) -> tuple[Engine, str] | None:
        for engine in self.engines.values():
            size = engine.loaded_model()
            if size is not None:
                return engine, size
        return None

    def health_state(self) -> HealthState:
        return HealthState.loading if self.loading else HealthState.healthy

    def progress(self) -> Progress | None:
        for engine in self.engines.values():
            get = getattr(engine, "progress", None)
            current = get() if callable(get) else None
            if isinstance(current, Progress):
                return current
        if self.loading:
            return Progress(stage="loading", engine=self.loading[0], model_size=self.loading[1])
        return None

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run a blocking engine call in a worker thread, mapping out-of-memory to 507."""
        try:
            return await run_in_threadpool(fn, *args)
        except ProviderError:
            raise
        except Exception as exc:
            if _is_out_of_memory(exc):
                raise OutOfMemory(
                    f"out of memory: {exc}; try a smaller model size or free memory"
                ) from exc
            raise
        finally:
            release_free_memory()

    async def _ensure_loaded(self, engine: Engine, model_size: str) -> None:
        """Load `model_size` (unloading every other model first). Caller holds the lock."""
        if engine.is_loaded(model_size):
            return
        self.loading = (engine.name, model_size)
        try:
            for other in self.engines.values():
                if other.is_loaded():
                    await self.call(other.unload)
            log.info("loading %s/%s", engine.name, model_size)
            await self.call(engine.load, model_size)
            self.last_load_error = None
        except Exception as exc:
            self.last_load_error = str(exc)
            raise
        finally:
            self.loading = None

    def _refuse_while_loading(self, engine: Engine, model_size: str) -> None:
        if self.loading and self.loading != (engine.name, model_size):
            busy_engine, busy_size = self.loading
            raise ModelLoading(
                f"model {busy_engine}/{busy_size} is loading; retry in a few seconds"
            )

    @asynccontextmanager
    async def using(self, engine: Engine, model_size: str) -> AsyncIterator[None]:
        """Hold the host exclusively with `model_size` of `engine` resident."""
        self._refuse_while_loading(engine, model_size)
        async with self._lock:
            try:
                await self._ensure_loaded(engine, model_size)
                yield
            finally:
                self._last_used = time.monotonic()

    async def run(self, engine: Engine, model_size: str, fn: Callable[..., T], *args: object) -> T:
        """Load the model if needed, then run `fn(*args)` on it in a worker thread."""
        async with self.using(engine, model_size):
            return await self.call(fn, *args)

    async def load(self, engine: Engine, model_size: str) -> None:
        async with self.using(engine, model_size):
            pass

    async def delete_model(self, engine: Engine, model_size: str) -> bool:
        """Delete a downloaded model's files, unloading it first when it is resident (under
        the lock, so no call is using it). Returns whether it was unloaded."""
        if not isinstance(engine, ManagedModels):
            raise ModelPackaged(
                f"{engine.name}/{model_size} is packaged with the provider and cannot be "
                "deleted; uninstall the provider to remove it"
            )
        self._refuse_while_loading(engine, model_size)
        async with self._lock:
            unloaded = engine.is_loaded(model_size)
            if unloaded:
                log.info("unloading %s/%s to delete it", engine.name, model_size)
                await self.call(engine.unload)
            await self.call(engine.delete, model_size)
            log.info("deleted %s/%s", engine.name, model_size)
        return unloaded

    async def unload_all(self) -> None:
        async with self._lock:
            for engine in self.engines.values():
                if engine.is_loaded():
                    await self.call(engine.unload)

    async def idle_unloader(self) -> None:
        """Background task: unload the resident model after `keep_alive_s` without use."""
        if not self.keep_alive_s:
            return
        while True:
            await asyncio.sleep(min(self.keep_alive_s, 5.0))
            idle = time.monotonic() - self._last_used
            if idle >= self.keep_alive_s and self.loaded() and not self._lock.locked():
                log.info("idle for %.0f s; unloading the model", idle)
                await self.unload_all()


def _local_dir(engine: Engine, model_size: str) -> str | None:
    """Where the model's files can be copied by hand, for engines that say (optional
    `local_dir(model_size)` beside `ManagedModels`)."""
    where = getattr(engine, "local_dir", None)
    return str(where(model_size)) if callable(where) else None
