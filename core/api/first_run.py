"""/settings/first-run: whether the provider wizard was seen, stored in the data folder (a fresh
data folder has not seen it, whatever is installed)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from core.api.deps import get_core
from core.services.context import Core

router = APIRouter(prefix="/settings", tags=["settings"])
FILE = "first-run.json"


class FirstRun(BaseModel):
    wizard_seen: bool


def _read(core: Core) -> bool:
    path = core.settings.data_dir / FILE
    try:
        return bool(json.loads(path.read_text()).get("wizard_seen", False))
    except (OSError, ValueError, AttributeError):
        return False


@router.get("/first-run", response_model=None, responses={200: {"model": FirstRun}})
def get_first_run(core: Core = Depends(get_core)) -> dict[str, Any]:
    return {"wizard_seen": _read(core)}


@router.post("/first-run", response_model=None, responses={200: {"model": FirstRun}})
def set_first_run(body: FirstRun, core: Core = Depends(get_core)) -> dict[str, Any]:
    core.files.write(FILE, json.dumps({"wizard_seen": body.wizard_seen}).encode())
    return {"wizard_seen": body.wizard_seen}
