"""The voice prompt cache: keyed by a content hash of a profile's samples and transcripts plus
the engine and model, so a prompt is made once and reused by every later generation."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.audio.files import FileStore
from core.errors import ValidationFailed
from core.store.models import ProfileSample, VoicePromptCache
from core.tts.base import ReferenceSample, TTSProvider
from provider_sdk.models import VoicePrompt


def cache_key(samples: list[ProfileSample], engine: str, model_size: str) -> str:
    parts = [
        {"audio": s.content_hash, "text": s.reference_text}
        for s in sorted(samples, key=lambda s: s.content_hash)
    ]
    blob = json.dumps({"samples": parts, "engine": engine, "model": model_size}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def cached(session: Session, key: str) -> VoicePrompt | None:
    row = session.exec(select(VoicePromptCache).where(VoicePromptCache.cache_key == key)).first()
    if row is None:
        return None
    return VoicePrompt(
        engine=row.engine,
        model=row.model_size,
        format="npz" if row.format == "npz" else "safetensors",
        data=row.data,
    )


def store(session: Session, key: str, profile_id: int, prompt: VoicePrompt) -> None:
    if session.exec(select(VoicePromptCache).where(VoicePromptCache.cache_key == key)).first():
        return
    session.add(
        VoicePromptCache(
            cache_key=key,
            profile_id=profile_id,
            engine=prompt.engine,
            model_size=prompt.model,
            format=prompt.format,
            data=prompt.data,
        )
    )
    session.commit()


class VoicePrompts:
    """Voice prompts for the queue's worker, which runs outside any request: it opens its own
    short sessions (none stays open while the provider works)."""

    def __init__(self, db: Engine, files: FileStore) -> None:
        self.db = db
        self.files = files

    async def voice_prompt_for(
        self, provider: TTSProvider, profile_id: int, engine: str, model_size: str
    ) -> tuple[VoicePrompt, bool]:
        """The cached prompt or a new one from the provider; returns (prompt, was_cached)."""
        with Session(self.db) as session:
            samples = list(
                session.exec(select(ProfileSample).where(ProfileSample.profile_id == profile_id))
            )
            key = cache_key(samples, engine, model_size) if samples else ""
            hit = cached(session, key) if samples else None
        if not samples:
            raise ValidationFailed(
                "this cloned profile has no samples yet; add a 2-30 s recording first",
                field="profile_id",
            )
        if hit is not None:
            return hit, True
        refs = [ReferenceSample(self.files.read(s.audio_path), s.reference_text) for s in samples]
        prompt = await provider.create_voice_prompt(refs, engine, model_size)
        with Session(self.db) as session:
            store(session, key, profile_id, prompt)
        return prompt, False
