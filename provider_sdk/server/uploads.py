"""Parsing of `POST /tts/create_voice_prompt` multipart uploads and the provider's in-memory
voice-prompt cache."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from provider_sdk.audio import decode_audio
from provider_sdk.engine import ModelConfig, ReferenceClip
from provider_sdk.errors import InvalidRequest, Unprocessable
from provider_sdk.models import VoicePrompt
from provider_sdk.text import transcript_text

MAX_CLIPS = 16
MAX_REFERENCE_TEXT = 5_000


@dataclass(frozen=True)
class VoiceUpload:
    clips: list[ReferenceClip]
    engine: str | None
    model_size: str | None
    digest: str


def _field(form_values: Sequence[object], name: str) -> str | None:
    if not form_values:
        return None
    if len(form_values) > 1:
        raise Unprocessable(f"{name}: give it once, not {len(form_values)} times")
    value = form_values[0]
    if not isinstance(value, str):
        raise Unprocessable(f"{name}: must be a text field, not a file")
    return value.strip() or None


async def read_clips(request: Request) -> VoiceUpload:
    """Decode every `audio` file and pair it with its `reference_text` (optional, one per
    clip, in order)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise InvalidRequest(
            "send multipart/form-data with an 'audio' file (and optional 'reference_text', "
            "'engine', 'model_size' fields)"
        )
    try:
        form = await request.form(max_files=MAX_CLIPS, max_fields=MAX_CLIPS + 8)
    except MultiPartException as exc:
        raise InvalidRequest(f"malformed multipart body: {exc.message}") from None
    files = form.getlist("audio")
    if not files:
        raise Unprocessable("audio: missing; attach the reference recording as file field 'audio'")
    texts = form.getlist("reference_text")
    if texts and len(texts) != len(files):
        raise Unprocessable(
            f"reference_text: got {len(texts)} for {len(files)} audio files; give one per "
            "file, in the same order, or none"
        )
    unknown = set(form.keys()) - {"audio", "reference_text", "engine", "model_size"}
    if unknown:
        raise Unprocessable(f"{', '.join(sorted(unknown))}: unknown field; remove it")
    hasher = hashlib.sha256()
    clips: list[ReferenceClip] = []
    for index, item in enumerate(files):
        if not isinstance(item, UploadFile):
            raise Unprocessable("audio: must be a file upload, not a text field")
        data = await item.read()
        text = texts[index] if texts else None
        if text is not None and not isinstance(text, str):
            raise Unprocessable("reference_text: must be a text field, not a file")
        if text is not None and len(text) > MAX_REFERENCE_TEXT:
            raise Unprocessable(f"reference_text: longer than {MAX_REFERENCE_TEXT} characters")
        try:
            samples, rate = decode_audio(data)
        except Unprocessable as exc:
            name = f"audio[{index}]" if len(files) > 1 else "audio"
            raise type(exc)(f"{name}: {exc.message}") from None
        hasher.update(hashlib.sha256(data).digest())
        field = f"reference_text[{index}]" if len(files) > 1 else "reference_text"
        transcript = transcript_text(text, field)
        hasher.update((transcript or "").encode())
        clips.append(ReferenceClip(samples, rate, transcript))
    return VoiceUpload(
        clips=clips,
        engine=_field(form.getlist("engine"), "engine"),
        model_size=_field(form.getlist("model_size"), "model_size"),
        digest=hasher.hexdigest(),
    )


class PromptCache:
    """A small LRU of voice prompts this process made, keyed by content and model."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, VoicePrompt] = OrderedDict()

    @staticmethod
    def key(config: ModelConfig, digest: str) -> str:
        return f"{config.engine}/{config.model_size}/{digest}"

    def get(self, key: str) -> VoicePrompt | None:
        prompt = self._items.get(key)
        if prompt is not None:
            self._items.move_to_end(key)
        return prompt

    def put(self, key: str, prompt: VoicePrompt) -> None:
        self._items[key] = prompt
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
