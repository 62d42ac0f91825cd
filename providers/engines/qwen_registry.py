"""Qwen3-TTS model registry: the five 12 Hz checkpoints, their languages and preset speakers.

Model sizes (the spec's `model_size`):

| model_size         | hub repo                             | mode                           |
|--------------------|--------------------------------------|--------------------------------|
| `0.6B`             | Qwen/Qwen3-TTS-12Hz-0.6B-Base        | clone                          |
| `1.7B`             | Qwen/Qwen3-TTS-12Hz-1.7B-Base        | clone                          |
| `0.6B-CustomVoice` | Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice | nine presets (no instruct)     |
| `1.7B-CustomVoice` | Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice | nine presets + instruct        |
| `1.7B-VoiceDesign` | Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign | design: `instruct` = the voice |

VoiceDesign carries the voice description in the spec's `instruct` field (it is what the
model calls its instruction); the capability `design` says so in `describe()`.
Upstream's 0.6B CustomVoice silently drops `instruct`; we advertise `instruct: false` for it,
so the request is refused with a 422 instead.
"""

from __future__ import annotations

from typing import Literal

from provider_sdk.engine import ModelConfig, ModelRegistry
from provider_sdk.models import Capabilities, PresetVoice

ENGINE = "qwen"
SAMPLE_RATE = 24_000

LANGUAGES: dict[str, str] = {
    "zh": "chinese",
    "en": "english",
    "ja": "japanese",
    "ko": "korean",
    "de": "german",
    "fr": "french",
    "ru": "russian",
    "pt": "portuguese",
    "es": "spanish",
    "it": "italian",
}
"""Spec language code -> the name qwen_tts expects."""

PRESET_VOICES: tuple[PresetVoice, ...] = (
    PresetVoice(
        id="vivian",
        name="Vivian",
        language="zh",
        description="Bright, slightly edgy young female voice",
    ),
    PresetVoice(
        id="serena", name="Serena", language="zh", description="Warm, gentle young female voice"
    ),
    PresetVoice(
        id="uncle_fu",
        name="Uncle Fu",
        language="zh",
        description="Seasoned male voice, low and mellow",
    ),
    PresetVoice(id="dylan", name="Dylan", language="zh", description="Youthful Beijing male voice"),
    PresetVoice(
        id="eric",
        name="Eric",
        language="zh",
        description="Lively Chengdu male voice, slightly husky",
    ),
    PresetVoice(
        id="ryan", name="Ryan", language="en", description="Dynamic male voice with strong rhythm"
    ),
    PresetVoice(id="aiden", name="Aiden", language="en", description="Sunny American male voice"),
    PresetVoice(
        id="ono_anna", name="Ono Anna", language="ja", description="Playful Japanese female voice"
    ),
    PresetVoice(
        id="sohee",
        name="Sohee",
        language="ko",
        description="Warm Korean female voice, rich emotion",
    ),
)

Kind = Literal["base", "custom_voice", "voice_design"]
KIND_BY_SIZE: dict[str, Kind] = {
    "0.6B": "base",
    "1.7B": "base",
    "0.6B-CustomVoice": "custom_voice",
    "1.7B-CustomVoice": "custom_voice",
    "1.7B-VoiceDesign": "voice_design",
}


def _config(size: str, repo: str, size_mb: int, caps: Capabilities, display: str) -> ModelConfig:
    return ModelConfig(
        name=repo.split("/")[-1],
        display_name=display,
        engine=ENGINE,
        model_size=size,
        hub_repo_id=repo,
        size_mb=size_mb,
        languages=tuple(LANGUAGES),
        sample_rate=SAMPLE_RATE,
        capabilities=caps,
        needs_trim=True,
        preset_voices=PRESET_VOICES if KIND_BY_SIZE[size] == "custom_voice" else (),
    )


CLONE = Capabilities(clone=True, streaming=True, reproducible=True)
PRESET = Capabilities(preset=True, streaming=True, reproducible=True)
PRESET_INSTRUCT = Capabilities(preset=True, instruct=True, streaming=True, reproducible=True)
DESIGN = Capabilities(design=True, instruct=True, streaming=True, reproducible=True)

# Sizes in MB: the hub repos' total download (weights + speech tokenizer + tokenizer files).
CONFIGS: tuple[ModelConfig, ...] = (
    _config("0.6B", "Qwen/Qwen3-TTS-12Hz-0.6B-Base", 2520, CLONE, "Qwen3-TTS 0.6B (voice cloning)"),
    _config("1.7B", "Qwen/Qwen3-TTS-12Hz-1.7B-Base", 4540, CLONE, "Qwen3-TTS 1.7B (voice cloning)"),
    _config(
        "0.6B-CustomVoice",
        "Qwen/Qwen3-TTS-12Hz-0.6B-CustomVoice",
        2500,
        PRESET,
        "Qwen3-TTS 0.6B CustomVoice (nine preset speakers)",
    ),
    _config(
        "1.7B-CustomVoice",
        "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice",
        4520,
        PRESET_INSTRUCT,
        "Qwen3-TTS 1.7B CustomVoice (nine preset speakers, style instructions)",
    ),
    _config(
        "1.7B-VoiceDesign",
        "Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign",
        4520,
        DESIGN,
        "Qwen3-TTS 1.7B VoiceDesign (a voice from a description in 'instruct')",
    ),
)

REGISTRY = ModelRegistry.of(ENGINE, CONFIGS)


def qwen_language(code: str | None) -> str:
    """The qwen_tts language name for a spec code; None means let the model detect it."""
    if code is None:
        return "auto"
    return LANGUAGES.get(code.lower(), code.lower())
