"""/stories: stories, their tracks and clips, the rendered mix and captions.

The renderer (numpy, PyAV, soxr) is imported on first use, not at start-up."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from core.api.deps import (
    AlignerDep,
    DialoguesDep,
    Id,
    RetakesDep,
    SessionDep,
    SettingsDep,
    StoriesDep,
    StoryRenderDep,
    read_upload,
)
from core.api.schemas import MAX_ID, Body
from core.audio.formats import MEDIA_TYPES
from core.services import stories as svc
from core.store.models import Generation, Story, StoryClip, StoryTrack

router = APIRouter(tags=["stories"])
StoryName = Annotated[str, Field(min_length=1, max_length=200)]
Seconds = Annotated[float, Field(ge=0, le=24 * 3600)]
Rate = Annotated[int, Field(ge=svc.MIN_RATE, le=svc.MAX_RATE)]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class StoryOut(Out):
    id: int
    name: str
    sample_rate: int
    created_at: datetime
    updated_at: datetime


class TrackOut(Out):
    id: int
    story_id: int
    name: str
    position: int
    gain_db: float
    muted: bool
    solo: bool


class ClipOut(Out):
    id: int
    track_id: int
    generation_id: int | None
    version: int | None
    label: str
    start: float
    trim_start: float
    trim_end: float
    gain_db: float
    fade_in: float
    fade_out: float
    muted: bool
    duration: float | None
    """Length of the take in seconds (null for an imported file or a take being generated)."""
    status: str | None
    """The take's generation status (null for an imported file)."""
    audio_url: str


class StoryDetail(StoryOut):
    tracks: list[TrackOut]
    clips: list[ClipOut]


class StoryCreate(Body):
    name: StoryName
    sample_rate: Rate = 24_000


class StoryUpdate(Body):
    name: StoryName | None = None
    sample_rate: Rate | None = None


class TrackCreate(Body):
    name: str = Field(default="", max_length=200)


class TrackUpdate(Body):
    name: str | None = Field(default=None, max_length=200)
    position: int | None = Field(default=None, ge=0, le=10_000)
    gain_db: float | None = Field(default=None, ge=-60, le=24)
    muted: bool | None = None
    solo: bool | None = None


class ClipFields(Body):
    start: Seconds | None = None
    trim_start: Seconds | None = None
    trim_end: Seconds | None = None
    gain_db: float | None = Field(default=None, ge=-60, le=24)
    fade_in: Seconds | None = None
    fade_out: Seconds | None = None
    muted: bool | None = None
    label: str | None = Field(default=None, max_length=20_000)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


class ClipCreate(ClipFields):
    track_id: int = Field(ge=1, le=MAX_ID)
    generation_id: int = Field(ge=1, le=MAX_ID)


class ClipUpdate(ClipFields):
    track_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class SplitBody(Body):
    at: Seconds
    """Timeline time (seconds) to split at; it must fall inside the clip."""


def _clip(session: Session, story_id: int, clip: StoryClip) -> ClipOut:
    gen = session.get(Generation, clip.generation_id) if clip.generation_id else None
    return ClipOut.model_validate(
        {
            **clip.model_dump(exclude={"audio_path"}),
            "duration": svc.source_duration(session, clip),
            "status": gen.status if gen else None,
            "audio_url": f"/stories/{story_id}/clips/{clip.id}/audio",
        }
    )


def _clip_out(session: Session, story_id: int, clip: StoryClip) -> ClipOut:
    return _clip(session, story_id, clip)


def _detail(session: Session, story_id: int) -> StoryDetail:
    state = svc.load(session, story_id)
    clips = [_clip(session, story_id, c) for c in state.clips]
    return StoryDetail(
        **StoryOut.model_validate(state.story).model_dump(),
        tracks=[TrackOut.model_validate(t) for t in state.tracks],
        clips=clips,
    )


class DialogueBody(Body):
    script: str = Field(min_length=1, max_length=200_000)
    """`Name: text` lines (or `[1]: text`), `[pause 1.5s]` on its own line between turns."""
    voices: dict[Annotated[str, Field(max_length=60)], Annotated[str, Field(max_length=100)]]
    """Speaker → voice profile (name or id)."""
    name: StoryName = "Dialogue"
    pause: float = Field(default=0.4, ge=0, le=60)
    """Seconds between turns (a `[pause …]` line overrides it for the next line)."""
    sample_rate: Rate = 24_000
    engine: str | None = Field(default=None, max_length=64)
    model_size: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, min_length=2, max_length=16)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)


class DialogueOut(StoryDetail):
    generation_ids: list[int]
    """One generation per script line, in script order (follow them on /events)."""


@router.get("/stories", response_model=list[StoryOut])
def list_stories(*, stories: StoriesDep) -> list[Story]:
    return stories.list_stories()


@router.post("/stories", status_code=201, response_model=StoryDetail)
def create_story(body: StoryCreate, *, session: SessionDep, stories: StoriesDep) -> StoryDetail:
    story = stories.create_story(body.name, body.sample_rate)
    assert story.id is not None
    return _detail(session, story.id)


@router.post("/stories/dialogue", status_code=201, response_model=DialogueOut)
async def create_dialogue(
    body: DialogueBody, *, session: SessionDep, dialogues: DialoguesDep
) -> DialogueOut:
    """A story from a dialogue script: one track per speaker, one clip per line, every line
    queued as a generation; the clips are laid out once all lines are done (a `story` event)."""
    from core.services.stories_dialogue import DialogueRequest

    made = await dialogues.create(DialogueRequest(**body.model_dump()))
    assert made.story.id is not None
    detail = _detail(session, made.story.id)
    return DialogueOut(
        **detail.model_dump(), generation_ids=[line.generation_id for line in made.lines]
    )


@router.get("/stories/{story_id}", response_model=StoryDetail)
def get_story(story_id: Id, *, session: SessionDep) -> StoryDetail:
    return _detail(session, story_id)


@router.patch("/stories/{story_id}", response_model=StoryDetail)
def update_story(
    story_id: Id, body: StoryUpdate, *, session: SessionDep, stories: StoriesDep
) -> StoryDetail:
    stories.update_story(story_id, name=body.name, sample_rate=body.sample_rate)
    return _detail(session, story_id)


@router.post("/stories/{story_id}/duplicate", status_code=201, response_model=StoryDetail)
def duplicate_story(story_id: Id, *, session: SessionDep, stories: StoriesDep) -> StoryDetail:
    copy = stories.duplicate_story(story_id)
    assert copy.id is not None
    return _detail(session, copy.id)


@router.delete("/stories/{story_id}", status_code=204, response_model=None)
def delete_story(story_id: Id, *, stories: StoriesDep) -> Response:
    stories.delete_story(story_id)
    return Response(status_code=204)


@router.post("/stories/{story_id}/tracks", status_code=201, response_model=TrackOut)
def add_track(story_id: Id, body: TrackCreate, *, stories: StoriesDep) -> StoryTrack:
    return stories.add_track(story_id, body.name)


@router.patch("/stories/{story_id}/tracks/{track_id}", response_model=TrackOut)
def update_track(
    story_id: Id, track_id: Id, body: TrackUpdate, *, stories: StoriesDep
) -> StoryTrack:
    return stories.update_track(story_id, track_id, **body.model_dump())


@router.delete("/stories/{story_id}/tracks/{track_id}", status_code=204, response_model=None)
def delete_track(story_id: Id, track_id: Id, *, stories: StoriesDep) -> Response:
    stories.delete_track(story_id, track_id)
    return Response(status_code=204)


@router.post("/stories/{story_id}/clips", status_code=201, response_model=ClipOut)
async def add_clip(
    story_id: Id, body: ClipCreate, *, session: SessionDep, stories: StoriesDep, aligner: AlignerDep
) -> ClipOut:
    """Place a completed generation's take on a track (its word timings follow in the
    background)."""

    fields = body.model_dump(exclude={"track_id", "generation_id"})
    clip = stories.add_clip(story_id, body.track_id, body.generation_id, **fields)
    aligner.schedule(body.generation_id)
    return _clip_out(session, story_id, clip)


class WordOut(Out):
    word: str
    start: float
    end: float
    """Seconds from the start of the take (not the timeline)."""


@router.get("/stories/{story_id}/clips/{clip_id}/words", response_model=list[WordOut])
async def clip_words(
    story_id: Id, clip_id: Id, *, session: SessionDep, aligner: AlignerDep
) -> list[WordOut]:
    """Word timings of the clip's take (aligned now when the background run has not yet)."""

    version_id = svc.clip_version_id(session, story_id, clip_id)
    if version_id is None:
        return []
    words = await aligner.align_version(version_id) or []
    return [WordOut(word=w.word, start=w.start, end=w.end) for w in words]


@router.post("/stories/{story_id}/clips/import", status_code=201, response_model=ClipOut)
async def import_clip(
    story_id: Id,
    track_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    file: Annotated[UploadFile, File()],
    start: Annotated[float, Form(ge=0, le=24 * 3600)] = 0.0,
    label: Annotated[str, Form(max_length=20_000)] = "",
    *,
    session: SessionDep,
    stories: StoriesDep,
    settings: SettingsDep,
) -> ClipOut:
    import asyncio

    from core.audio.decode import decode
    from core.audio.encode import wav_bytes

    data = await read_upload(settings, file)
    decoded = await asyncio.to_thread(decode, data)
    wav = wav_bytes(decoded.samples, decoded.sample_rate)
    duration = decoded.samples.size / decoded.sample_rate
    clip = stories.add_imported_clip(story_id, track_id, wav, duration, label, start)
    return _clip_out(session, story_id, clip)


@router.patch("/stories/{story_id}/clips/{clip_id}", response_model=ClipOut)
def update_clip(
    story_id: Id, clip_id: Id, body: ClipUpdate, *, session: SessionDep, stories: StoriesDep
) -> ClipOut:
    clip = stories.update_clip(story_id, clip_id, **body.model_dump())
    return _clip_out(session, story_id, clip)


@router.delete("/stories/{story_id}/clips/{clip_id}", status_code=204, response_model=None)
def delete_clip(story_id: Id, clip_id: Id, *, stories: StoriesDep) -> Response:
    stories.delete_clip(story_id, clip_id)
    return Response(status_code=204)


@router.post(
    "/stories/{story_id}/clips/{clip_id}/duplicate", status_code=201, response_model=ClipOut
)
def duplicate_clip(
    story_id: Id, clip_id: Id, *, session: SessionDep, stories: StoriesDep
) -> ClipOut:
    return _clip_out(session, story_id, stories.duplicate_clip(story_id, clip_id))


@router.post("/stories/{story_id}/clips/{clip_id}/split", response_model=list[ClipOut])
def split_clip(
    story_id: Id, clip_id: Id, body: SplitBody, *, session: SessionDep, stories: StoriesDep
) -> list[ClipOut]:
    left, right = stories.split_clip(story_id, clip_id, body.at)
    return [_clip_out(session, story_id, left), _clip_out(session, story_id, right)]


class RetakeBody(Body):
    first_word: int = Field(ge=0, le=100_000)
    last_word: int = Field(ge=0, le=100_000)
    """Indexes into the clip's words (GET …/words); the sentence holding them is re-spoken."""


@router.post("/stories/{story_id}/clips/{clip_id}/retake", response_model=ClipOut)
async def retake_clip(
    story_id: Id, clip_id: Id, body: RetakeBody, *, session: SessionDep, retakes: RetakesDep
) -> ClipOut:
    """Speak the sentence holding the chosen words again and splice it in at the silences
    around it (short crossfades): a new version of the take, which the clip then plays; the
    old version stays selectable (PATCH the clip's `version`)."""

    await retakes.retake(story_id, clip_id, body.first_word, body.last_word)
    return _clip(session, story_id, svc._clip(session, story_id, clip_id))


@router.get("/stories/{story_id}/clips/{clip_id}/audio", response_model=None)
def clip_audio(story_id: Id, clip_id: Id, *, render: StoryRenderDep) -> Response:
    """The clip's source take (untrimmed WAV): what the timeline draws its waveform from."""

    return Response(render.source_wav(story_id, clip_id), media_type=MEDIA_TYPES["wav"])


@router.get("/stories/{story_id}/audio", response_model=None)
async def story_audio(
    story_id: Id,
    format: Literal["wav", "mp3", "flac", "opus"] = "wav",
    *,
    render: StoryRenderDep,
) -> Response:
    """The rendered mix (progress as `story_render` events on /events)."""

    data = await render.export_audio(story_id, format)
    ext = "ogg" if format == "opus" else format
    return Response(
        data,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="story-{story_id}.{ext}"'},
    )


@router.get("/stories/{story_id}/captions", response_class=PlainTextResponse)
def story_captions(
    story_id: Id,
    format: Literal["srt", "vtt"] = "srt",
    clip_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    *,
    render: StoryRenderDep,
) -> PlainTextResponse:
    """Captions for the story (times on the timeline), or for one clip (times from 0)."""

    text = render.captions(story_id, format, clip_id)
    media = "text/vtt" if format == "vtt" else "application/x-subrip"
    return PlainTextResponse(text, media_type=media)
