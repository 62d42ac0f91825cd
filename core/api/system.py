"""/health (with the data folder and the state of each speech provider) and /describe."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from core import __version__
from core.api.deps import CoreDep
from core.api.responses import DescribeOut, HealthOut, doc
from core.errors import CoreError

router = APIRouter(tags=["system"])


@router.get("/health", response_model=None, responses=doc(HealthOut))
def health(core: CoreDep) -> dict[str, Any]:
    return {
        "status": "healthy",
        "version": __version__,
        "data_dir": str(core.settings.data_dir),
        "queue": core.queue.pending(),
        "transcriber_loaded": core.transcriber.loaded,
        "providers": [asdict(core.provider.info())],
    }


@router.get("/describe", response_model=None, responses=doc(DescribeOut))
async def describe(core: CoreDep) -> dict[str, Any]:
    """Engines and models (sizes, languages, capabilities, preset voices) of the active
    provider, each tagged with the provider that serves it."""
    engines = await core.planner.engines()
    active = None
    if core.manager is not None:
        try:
            active = core.manager.active_id()
        except CoreError:
            active = None
    return {
        "provider": active,
        "engines": [
            {"provider": provider_id, **info.model_dump(mode="json")}
            for provider_id, info in engines.values()
        ],
    }
