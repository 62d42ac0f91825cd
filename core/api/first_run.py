"""/settings/first-run: whether the provider wizard was seen, stored in the data folder (a fresh
data folder has not seen it, whatever is installed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from core.api.deps import FilesDep, SettingsDep

router = APIRouter(prefix="/settings", tags=["settings"])
FILE = "first-run.json"


class FirstRun(BaseModel):
    wizard_seen: bool


def _read(data_dir: Path) -> bool:
    path = data_dir / FILE
    try:
        return bool(json.loads(path.read_text()).get("wizard_seen", False))
    except (OSError, ValueError, AttributeError):
        return False


@router.get("/first-run", response_model=None, responses={200: {"model": FirstRun}})
def get_first_run(settings: SettingsDep) -> dict[str, Any]:
    return {"wizard_seen": _read(settings.data_dir)}


@router.post("/first-run", response_model=None, responses={200: {"model": FirstRun}})
def set_first_run(body: FirstRun, files: FilesDep) -> dict[str, Any]:
    files.write(FILE, json.dumps({"wizard_seen": body.wizard_seen}).encode())
    return {"wizard_seen": body.wizard_seen}
