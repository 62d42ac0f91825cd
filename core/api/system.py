"""/health (with the state of each speech provider)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends

from core import __version__
from core.api.deps import get_core
from core.services.context import Core

router = APIRouter(tags=["system"])


@router.get("/health", response_model=None)
def health(core: Core = Depends(get_core)) -> dict[str, Any]:
    return {
        "status": "healthy",
        "version": __version__,
        "queue": core.queue.pending(),
        "transcriber_loaded": core.transcriber.loaded,
        "providers": [asdict(p.info()) for p in core.providers.providers.values()],
    }


@router.get("/describe", response_model=None)
async def describe(core: Core = Depends(get_core)) -> dict[str, Any]:
    """Engines and models (sizes, languages, capabilities, preset voices) of every provider,
    each tagged with the provider that serves it."""
    engines = await core.providers.engines()
    return {
        "engines": [
            {"provider": provider_id, **info.model_dump(mode="json")}
            for provider_id, info in engines.values()
        ]
    }
