"""Word-level re-takes: the sentence holding the chosen words is spoken again and spliced into
the take at the silences around it, with short crossfades; everything outside the crossfades
is the old take, sample for sample. The result is a new version of the generation (the old
version stays selectable on the clip)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlmodel import Session

from core.audio.decode import Samples
from core.errors import ConflictError, ValidationFailed
from core.services.stories_captions import SENTENCE_END, TimedWord
from core.store.models import Generation, GenerationVersion, Profile, StoryClip

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.audio.files import FileStore
    from core.services.alignment import Aligner
    from core.services.planning import Planner
    from core.services.voice_prompts import VoicePrompts
    from core.tts.base import TTSProvider


CROSSFADE_S = 0.01


@dataclass(frozen=True)
class Span:
    first: int
    """Index of the sentence's first word."""
    last: int
    """Index of its last word."""
    start: float
    """Where the cut starts (seconds): half-way between the previous word's end and this start."""
    end: float
    """Where the cut ends: half-way between the last word's end and the next word's start."""

    def text(self, words: list[TimedWord]) -> str:
        return " ".join(w.word for w in words[self.first : self.last + 1])


def sentence_span(words: list[TimedWord], first: int, last: int, duration: float) -> Span:
    """The whole sentence(s) holding words[first..last] and the cut points around them."""
    if not words:
        raise ValidationFailed(
            "this take has no word timings yet; wait a moment and try again", field="first_word"
        )
    if not 0 <= first <= last < len(words):
        raise ValidationFailed(
            f"word indexes must satisfy 0 <= first_word <= last_word < {len(words)}",
            field="first_word",
        )
    while first > 0 and not words[first - 1].word.endswith(SENTENCE_END):
        first -= 1
    while last < len(words) - 1 and not words[last].word.endswith(SENTENCE_END):
        last += 1
    start = 0.0 if first == 0 else (words[first - 1].end + words[first].start) / 2
    end = duration if last == len(words) - 1 else (words[last].end + words[last + 1].start) / 2
    return Span(first, last, round(start, 4), round(end, 4))


def _fade(n: int) -> Samples:
    """A linear fade-in over n samples (never reaching 0 or 1)."""
    fade: Samples = ((np.arange(n) + 1) / (n + 1)).astype(np.float32)
    return fade


def splice(old: Samples, new: Samples, rate: int, start: float, end: float) -> Samples:
    """old[:start] + new + old[end:], joined with linear crossfades of CROSSFADE_S inside the
    new piece's edges; samples of `old` before `start - crossfade` and after `end + crossfade`
    are kept as they are. Cut points past either end of `old` (times rounded beyond its last
    sample) are held to it."""
    a = min(max(round(start * rate), 0), old.size)
    b = min(max(round(end * rate), a), old.size)
    width = round(CROSSFADE_S * rate)
    h = min(width, a, new.size // 2)  # no crossfade where the cut is the take's own edge
    t = min(width, old.size - b, new.size // 2)
    head = old[a - h : a] * _fade(h)[::-1] + new[:h] * _fade(h)
    tail = new[new.size - t :] * _fade(t)[::-1] + old[b : b + t] * _fade(t)
    middle = new[h : new.size - t]
    out: Samples = np.concatenate([old[: a - h], head, middle, tail, old[b + t :]]).astype(
        np.float32
    )
    return out


class Retakes:
    """Re-speaking part of a take and splicing it in."""

    def __init__(
        self,
        db: Engine,
        files: FileStore,
        planner: Planner,
        provider: TTSProvider,
        voice_prompts: VoicePrompts,
        aligner: Aligner,
    ) -> None:
        self.db = db
        self.files = files
        self.planner = planner
        self.provider = provider
        self.voice_prompts = voice_prompts
        self.aligner = aligner

    async def speak_like(self, gen: Generation, profile: Profile, text: str) -> tuple[Samples, int]:
        """`text` in the generation's voice, engine and model (asked of the provider as the
        queue asks it)."""
        import io

        import soundfile as sf

        from core.text import speakable
        from provider_sdk.models import GenerateRequest

        plan = await self.planner.plan(profile, gen.engine, gen.model_size, gen.instruct)
        provider = self.provider
        await provider.start()
        prompt = None
        if plan.clone:
            assert profile.id is not None
            prompt, _ = await self.voice_prompts.voice_prompt_for(
                provider, profile.id, plan.engine, plan.model_size
            )
        request = GenerateRequest(
            text=speakable(text),
            engine=plan.engine,
            model_size=plan.model_size,
            voice_prompt=prompt,
            voice=plan.voice,
            language=gen.language,
            seed=gen.seed,
            instruct=plan.instruct,
        )
        wav = (await provider.generate(request)).wav
        data, rate = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
        return data.mean(axis=1).astype(np.float32), int(rate)

    async def retake(self, story_id: int, clip_id: int, first: int, last: int) -> int:
        """Re-speak the sentence holding words[first..last] of a clip's take; the spliced take
        becomes the generation's next version and the clip plays it. Returns the version number."""
        import asyncio
        import io

        import soundfile as sf

        from core.audio.encode import wav_bytes
        from core.audio.mix import resample
        from core.services.pauses import trim_edges
        from core.services.stories import _clip, _version

        with Session(self.db, expire_on_commit=False) as session:
            clip = _clip(session, story_id, clip_id)
            if clip.generation_id is None:
                raise ConflictError("an imported clip has no text to speak again", field="clip_id")
            version = _version(session, clip.generation_id, clip.version)
            gen = session.get(Generation, clip.generation_id)
            profile = session.get(Profile, gen.profile_id) if gen and gen.profile_id else None
        if gen is None or profile is None or version.id is None:
            raise ConflictError(
                "the voice profile of this take was deleted; it cannot be re-spoken"
            )
        words = await self.aligner.align_version(version.id) or []
        span = sentence_span(words, first, last, version.duration)
        new, new_rate = await self.speak_like(gen, profile, span.text(words))
        old, rate = sf.read(io.BytesIO(self.files.read(version.audio_path)), dtype="float32")
        new = trim_edges(resample(new, new_rate, int(rate)))
        region = old[round(span.start * rate) : round(span.end * rate)]
        if new.size and region.size:  # match the replaced sentence's loudness
            level = float(np.sqrt(np.mean(np.square(region)))) / max(
                float(np.sqrt(np.mean(np.square(new)))), 1e-9
            )
            new = (new * np.float32(level)).astype(np.float32)
        spliced = splice(np.asarray(old, dtype=np.float32), new, int(rate), span.start, span.end)
        with Session(self.db, expire_on_commit=False) as session:
            gen = session.get(Generation, clip.generation_id)
            assert gen is not None and gen.id is not None
            number = gen.version_count + 1
            path, _ = self.files.generation_paths(gen.id, number)
            await asyncio.to_thread(self.files.write, path, wav_bytes(spliced, int(rate)))
            duration = spliced.size / rate
            session.add(
                GenerationVersion(
                    generation_id=gen.id,
                    version=number,
                    seed=gen.seed,
                    audio_path=path,
                    duration=duration,
                    sample_rate=int(rate),
                )
            )
            gen.version_count, gen.audio_path, gen.duration = number, path, round(duration, 3)
            session.add(gen)
            stored = session.get(StoryClip, clip_id)
            assert stored is not None
            stored.version = number
            session.add(stored)
            session.commit()
        self.aligner.schedule(gen.id)
        return number
