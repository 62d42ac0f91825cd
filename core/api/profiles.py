"""/profiles and their samples, and /presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from core.api.deps import (
    FilesDep,
    Id,
    PlannerDep,
    PresetsDep,
    ProfilesDep,
    SessionDep,
    SettingsDep,
    read_upload,
)
from core.api.responses import ProfileOut, SampleOut, doc
from core.api.schemas import ProfileCreate, ProfileUpdate, SampleUpdate
from core.services import profiles as svc
from core.store.models import Profile, ProfileSample

router = APIRouter(tags=["profiles"])


def _profile(session: Session, profile: Profile) -> dict[str, Any]:
    data = profile.model_dump(mode="json")
    data["sample_count"] = session.exec(
        select(func.count())
        .select_from(ProfileSample)
        .where(ProfileSample.profile_id == profile.id)
    ).one()
    return data


def _sample(sample: ProfileSample) -> dict[str, Any]:
    data = sample.model_dump(mode="json", exclude={"audio_path", "original_path"})
    data["audio_url"] = f"/profiles/{sample.profile_id}/samples/{sample.id}/audio"
    return data


@router.get("/profiles", response_model=None, responses=doc(list[ProfileOut]))
def list_profiles(session: SessionDep) -> list[dict[str, Any]]:
    rows = session.exec(select(Profile).order_by(col(Profile.name))).all()
    return [_profile(session, p) for p in rows]


@router.post("/profiles", status_code=201, response_model=None, responses=doc(ProfileOut, 201))
def create_profile(body: ProfileCreate, session: SessionDep) -> dict[str, Any]:
    return _profile(session, svc.create_profile(session, **body.model_dump()))


@router.get("/profiles/{profile_id}", response_model=None, responses=doc(ProfileOut))
def get_profile(profile_id: Id, session: SessionDep) -> dict[str, Any]:
    return _profile(session, svc.get_profile(session, profile_id))


@router.patch("/profiles/{profile_id}", response_model=None, responses=doc(ProfileOut))
def update_profile(profile_id: Id, body: ProfileUpdate, session: SessionDep) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True)
    return _profile(session, svc.update_profile(session, profile_id, **fields))


@router.delete("/profiles/{profile_id}", status_code=204, response_model=None)
def delete_profile(profile_id: Id, session: SessionDep, profiles: ProfilesDep) -> Response:
    profiles.delete_profile(session, profile_id)
    return Response(status_code=204)


@router.get("/profiles/{profile_id}/samples", response_model=None, responses=doc(list[SampleOut]))
def list_samples(profile_id: Id, session: SessionDep) -> list[dict[str, Any]]:
    return [_sample(s) for s in svc.list_samples(session, profile_id)]


@router.post(
    "/profiles/{profile_id}/samples",
    status_code=201,
    response_model=None,
    responses=doc(SampleOut, 201),
)
async def add_sample(
    profile_id: Id,
    audio: UploadFile = File(description="wav, flac, ogg, mp3, m4a, webm or a video"),
    reference_text: str = Form(default="", max_length=5000),
    transcribe: bool = Form(default=False),
    *,
    session: SessionDep,
    profiles: ProfilesDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    data = await read_upload(settings, audio)
    sample = await profiles.add_sample(
        session, profile_id, data, reference_text, transcribe=transcribe
    )
    return _sample(sample)


@router.patch(
    "/profiles/{profile_id}/samples/{sample_id}", response_model=None, responses=doc(SampleOut)
)
def update_sample(
    profile_id: Id, sample_id: Id, body: SampleUpdate, session: SessionDep
) -> dict[str, Any]:
    return _sample(svc.update_sample(session, profile_id, sample_id, body.reference_text))


@router.delete("/profiles/{profile_id}/samples/{sample_id}", status_code=204, response_model=None)
def delete_sample(
    profile_id: Id, sample_id: Id, session: SessionDep, profiles: ProfilesDep
) -> Response:
    profiles.delete_sample(session, profile_id, sample_id)
    return Response(status_code=204)


@router.get("/profiles/{profile_id}/samples/{sample_id}/audio", response_model=None)
def sample_audio(
    profile_id: Id,
    sample_id: Id,
    session: SessionDep,
    files: FilesDep,
    original: bool = False,
) -> FileResponse:
    sample = svc.get_sample(session, profile_id, sample_id)
    path = sample.original_path if original else sample.audio_path
    return FileResponse(files.existing(path))


@router.get("/presets", response_model=None)
async def presets(planner: PlannerDep) -> list[dict[str, Any]]:
    out = []
    for engine, (provider_id, info) in (await planner.engines()).items():
        for model in info.models:
            for voice in model.preset_voices:
                out.append(
                    {
                        "provider": provider_id,
                        "engine": engine,
                        "model_size": model.model_size,
                        "voice": voice.id,
                        "name": voice.name,
                        "language": voice.language,
                        "description": voice.description,
                    }
                )
    return out


class PreviewBody(BaseModel):
    engine: str = Field(min_length=1, max_length=64)
    voice: str = Field(min_length=1, max_length=128)
    model_size: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)


@router.post(
    "/presets/preview",
    response_model=None,
    responses={200: {"content": {"audio/wav": {}}, "description": "a short sample (WAV)"}},
)
async def preset_preview(body: PreviewBody, presets: PresetsDep) -> Response:
    """A short sentence in a preset voice, before a profile is made from it (cached; not in
    History). 409 `model_not_downloaded` when its model is not on this machine."""
    audio = await presets.preview(body.engine, body.voice, body.model_size, body.language)
    return Response(audio, media_type="audio/wav")
