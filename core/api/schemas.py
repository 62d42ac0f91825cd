"""Request bodies. Unknown fields are refused (a typo is a 422 naming the field)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.store.models import VoiceType

MAX_ID = 2**63 - 1
"""The largest row id the database stores (SQLite's and PostgreSQL's 64-bit integers)."""
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Lang = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=16)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileCreate(Body):
    name: Name
    voice_type: VoiceType = VoiceType.cloned
    description: str = Field(default="", max_length=2000)
    language: Lang = "en"
    preset_engine: str | None = Field(default=None, max_length=64)
    preset_voice: str | None = Field(default=None, max_length=128)
    default_engine: str | None = Field(default=None, max_length=64)


class ProfileUpdate(Body):
    name: Name | None = None
    voice_type: VoiceType | None = None
    description: str | None = Field(default=None, max_length=2000)
    language: Lang | None = None
    preset_engine: str | None = Field(default=None, max_length=64)
    preset_voice: str | None = Field(default=None, max_length=128)
    default_engine: str | None = Field(default=None, max_length=64)


class SampleUpdate(Body):
    reference_text: str = Field(max_length=5000)


class GenerateBody(Body):
    profile_id: int = Field(strict=True, ge=1, le=MAX_ID)
    text: str = Field(min_length=1)
    language: Lang | None = None
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1, strict=True)
    engine: str | None = Field(default=None, max_length=64)
    model_size: str | None = Field(default=None, max_length=64)
    instruct: str | None = Field(default=None, max_length=2000)
    normalize: bool = Field(default=True, strict=True)
    variations: int = Field(default=1, ge=1, le=10, strict=True)


class FavouriteBody(Body):
    favourite: bool = Field(strict=True)
