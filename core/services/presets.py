"""Preset voices: a short sample of one before a profile is made from it, generated on first
request and cached on disk by (engine, model, voice, language); never stored in History."""

from __future__ import annotations

import hashlib

from core.audio.files import FileStore
from core.errors import NotFoundError, ValidationFailed
from core.services.planning import Planner
from core.tts import guidance
from core.tts.base import TTSProvider
from provider_sdk.models import GenerateRequest

SENTENCES: dict[str, str] = {
    "en": "Hello! This is how I sound. I can read your stories, notes and messages aloud.",
    "zh": "你好！这就是我的声音。我可以为你朗读故事、笔记和消息。",
    "ja": "こんにちは！これが私の声です。物語やメモ、メッセージを読み上げます。",
    "ko": "안녕하세요! 제 목소리는 이렇습니다. 이야기와 메모, 메시지를 읽어 드릴게요.",
    "de": "Hallo! So klingt meine Stimme. Ich lese dir Geschichten, Notizen und Nachrichten vor.",
    "fr": "Bonjour ! Voici ma voix. Je peux lire vos histoires, vos notes et vos messages.",
    "ru": "Привет! Вот так звучит мой голос. Я могу читать истории, заметки и сообщения.",
    "pt": "Olá! Esta é a minha voz. Posso ler as suas histórias, notas e mensagens.",
    "es": "¡Hola! Así suena mi voz. Puedo leer tus historias, notas y mensajes en voz alta.",
    "it": "Ciao! Questa è la mia voce. Posso leggere storie, appunti e messaggi ad alta voce.",
    "hi": "नमस्ते! मेरी आवाज़ ऐसी है। मैं आपकी कहानियाँ, नोट्स और संदेश पढ़कर सुना सकती हूँ।",
}
PREVIEW_SEED = 1


def preview_text(language: str) -> str:
    """The sample sentence in `language` ("en-gb" reads the English one), else in English."""
    return SENTENCES.get(language) or SENTENCES.get(language.split("-")[0]) or SENTENCES["en"]


class Presets:
    def __init__(self, files: FileStore, provider: TTSProvider, planner: Planner) -> None:
        self.files = files
        self.provider = provider
        self.planner = planner

    async def preview(
        self, engine: str, voice: str, model_size: str | None, language: str | None
    ) -> bytes:
        """WAV bytes of a short sentence in `voice` (cached). 404 for an unknown engine or voice,
        422 for a language the model lacks, 409 `model_not_downloaded` for a model not on disk."""
        engines = await self.planner.engines()
        if engine not in engines:
            raise NotFoundError(
                f"no speech engine {engine!r}; available: {', '.join(engines)}", field="engine"
            )
        provider_id, info = engines[engine]
        found = [
            c
            for c in guidance.candidates([(provider_id, info)], "preset", voice)
            if model_size is None or c.model.model_size == model_size
        ]
        chosen = guidance.choose(found)
        if chosen is None:
            where = f"{engine} {model_size}" if model_size else engine
            raise NotFoundError(
                f"{where} has no preset voice {voice!r}; see the preset voices in the app",
                field="voice",
            )
        model = chosen.model
        offered = next(v for v in model.preset_voices if v.id == voice)
        lang = language or offered.language or (model.languages or ["en"])[0]
        if model.languages and lang not in model.languages:
            raise ValidationFailed(
                f"{model.display_name} does not speak {lang!r}; choose one of "
                f"{', '.join(model.languages)}",
                field="language",
            )
        key = "\0".join((engine, model.model_size, voice, lang))
        relative = f"cache/previews/{hashlib.sha256(key.encode()).hexdigest()}.wav"
        if self.files.resolve(relative).is_file():
            return self.files.read(relative)
        await self.planner.require_downloaded(engine, model, "preset")
        result = await self.provider.generate(
            GenerateRequest(
                text=preview_text(lang),
                engine=engine,
                model_size=model.model_size,
                voice=voice,
                language=lang,
                seed=PREVIEW_SEED if model.capabilities.reproducible else None,
            )
        )
        self.files.write(relative, result.wav)
        return result.wav
