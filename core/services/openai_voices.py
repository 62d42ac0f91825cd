"""OpenAI's voice names mapped to voice profiles, and the voice a request without one gets.

The mapping is a setting (`<data dir>/openai_voices.json`, written to a temp name and renamed):
`{"alloy": 3, "nova": 7}` maps names to profile ids. An unmapped OpenAI name speaks with the
default voice: the profile used last, else the first preset profile."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlmodel import Session

from core.errors import NotFoundError, ValidationFailed
from core.services import profiles
from core.services.profiles import find_profile
from core.store.models import Profile

OPENAI_VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
FILE_NAME = "openai_voices.json"


def _path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def load_mapping(data_dir: Path) -> dict[str, int]:
    """The stored mapping; a missing or unreadable file is an empty one."""
    try:
        raw: Any = json.loads(_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k in OPENAI_VOICES and isinstance(v, int) and v > 0}


def save_mapping(
    session: Session, data_dir: Path, changes: dict[str, str | int | None]
) -> dict[str, int]:
    """Apply `changes` (OpenAI name -> profile name or id, None to unmap) and store the result.
    Every name and profile is checked before anything is written."""
    mapping = load_mapping(data_dir)
    for name, ref in changes.items():
        if name not in OPENAI_VOICES:
            raise ValidationFailed(
                f"{name!r} is not an OpenAI voice name; use one of {', '.join(OPENAI_VOICES)}",
                field=name,
            )
        if ref is None:
            mapping.pop(name, None)
            continue
        try:
            profile = find_profile(session, str(ref))
        except NotFoundError:
            raise NotFoundError(
                f"no voice profile named {ref!r} to map {name!r} to; use a name or id from "
                "GET /profiles",
                field=name,
            ) from None
        assert profile.id is not None
        mapping[name] = profile.id
    path = _path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{FILE_NAME}")
    tmp.write_text(json.dumps(mapping, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return mapping


def default_profile(session: Session) -> Profile:
    """The profile used last, else the first preset profile (`core.services.profiles`)."""
    found = profiles.default_profile(session)
    if found is None:
        raise NotFoundError(
            "there is no voice to speak with yet; create a profile in the app or with "
            "POST /profiles, or name one in 'voice'",
            field="voice",
        )
    return found


def resolve_voice(session: Session, data_dir: Path, voice: str | None) -> Profile:
    """A profile for `voice`: a profile's name or id first (a profile named "nova" wins over
    the OpenAI name), then a mapped OpenAI name, then the default voice for an unmapped one
    or for no voice at all."""
    ref = (voice or "").strip()
    if not ref:
        return default_profile(session)
    try:
        return find_profile(session, ref)
    except NotFoundError:
        name = ref.lower()
        if name not in OPENAI_VOICES:
            raise NotFoundError(
                f"no voice profile named {ref!r}; use a profile's name or id (GET /v1/audio/voices)"
                f" or one of OpenAI's voice names ({', '.join(OPENAI_VOICES)})",
                field="voice",
            ) from None
    mapped = load_mapping(data_dir).get(name)
    profile = session.get(Profile, mapped) if mapped is not None else None
    return profile if profile is not None else default_profile(session)
