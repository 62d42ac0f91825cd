"""Discovery for OpenAI-style clients: GET /v1/models, /v1/audio/models, /v1/audio/voices
(the shapes Open WebUI and Kokoro-FastAPI clients read), and the OpenAI voice-name mapping
setting (GET/PUT /settings/openai-voices)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import StrictInt, StrictStr
from sqlmodel import Session, col, select

from core.api.deps import PlannerDep, SessionDep, SettingsDep
from core.api.openai_speech import OPENAI_TTS_MODELS
from core.errors import CoreError, NotFoundError, ValidationFailed
from core.services.openai_voices import (
    OPENAI_VOICES,
    default_profile,
    load_mapping,
    save_mapping,
)
from core.services.planning import Planner
from core.store.models import Profile

router = APIRouter(tags=["openai"])
OPENAI_STT_MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")


async def _speech_models(planner: Planner) -> list[dict[str, Any]]:
    """OpenAI's names, then every engine and `engine:model_size` of the providers."""
    rows: list[dict[str, Any]] = [
        {"id": name, "name": f"{name} (the voice's default engine)"} for name in OPENAI_TTS_MODELS
    ]
    with contextlib.suppress(CoreError):
        for name, (_, info) in (await planner.engines()).items():
            rows.append({"id": name, "name": info.display_name or name})
            for model in info.models:
                rows.append(
                    {
                        "id": f"{name}:{model.model_size}",
                        "name": model.display_name or f"{name} {model.model_size}",
                        "instructions": model.capabilities.instruct,
                        "streaming": model.capabilities.streaming,
                    }
                )
    return rows


@router.get("/v1/models", response_model=None)
async def models(planner: PlannerDep) -> dict[str, Any]:
    now = int(time.time())
    ids = [row["id"] for row in await _speech_models(planner)] + list(OPENAI_STT_MODELS)
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": now, "owned_by": "voicebox"} for i in ids],
    }


@router.get("/v1/audio/models", response_model=None)
async def audio_models(planner: PlannerDep) -> dict[str, Any]:
    return {"models": await _speech_models(planner)}


def _mapping_rows(data_dir: Path, session: Session) -> dict[str, Any]:
    mapping = load_mapping(data_dir)
    try:
        fallback: Profile | None = default_profile(session)
    except NotFoundError:
        fallback = None
    rows: dict[str, Any] = {}
    for name in OPENAI_VOICES:
        mapped = session.get(Profile, mapping[name]) if name in mapping else None
        profile = mapped or fallback
        rows[name] = {
            "profile_id": profile.id if profile else None,
            "profile_name": profile.name if profile else None,
            "mapped": mapped is not None,
        }
    return rows


@router.get("/v1/audio/voices", response_model=None)
async def audio_voices(session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Profiles by name, then OpenAI's names with the profile each speaks with."""
    profiles = session.exec(select(Profile).order_by(col(Profile.name))).all()
    voices: list[dict[str, Any]] = [
        {
            "id": p.name,
            "name": p.name,
            "profile_id": p.id,
            "voice_type": p.voice_type,
            "language": p.language,
        }
        for p in profiles
    ]
    for name, row in _mapping_rows(settings.data_dir, session).items():
        target = row["profile_name"] or "no profile yet"
        voices.append({"id": name, "name": f"{name} ({target})", "profile_id": row["profile_id"]})
    return {"voices": voices}


@router.get("/settings/openai-voices", response_model=None)
async def get_openai_voices(session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Each OpenAI voice name and the profile it speaks with (`mapped` false: the default)."""
    return {"voices": _mapping_rows(settings.data_dir, session)}


@router.put("/settings/openai-voices", response_model=None)
async def put_openai_voices(
    changes: Annotated[
        dict[str, StrictStr | StrictInt | None],
        Body(description='OpenAI voice name -> profile name or id; null unmaps ({"alloy": "Joe"})'),
    ],
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    if len(changes) > len(OPENAI_VOICES):
        raise ValidationFailed("too many entries; map each OpenAI voice name once", field="body")
    save_mapping(session, settings.data_dir, changes)
    return {"voices": _mapping_rows(settings.data_dir, session)}
