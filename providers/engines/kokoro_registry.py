"""Kokoro-82M models and preset voices (docs/engines/kokoro.md).

A voice id's first letter is its language (a: American English, b: British English,
e: Spanish, f: French, h: Hindi, i: Italian, j: Japanese, p: Brazilian Portuguese,
z: Mandarin), its second the gender (f/m), as in Kokoro's own voice list.
"""

from __future__ import annotations

from provider_sdk.engine import ModelConfig, ModelRegistry
from provider_sdk.models import Capabilities, PresetVoice
from providers.engines.hub_fetch import HubFile, HubModel

ENGINE = "kokoro"
SAMPLE_RATE = 24_000
HUB_REPO = "onnx-community/Kokoro-82M-v1.0-ONNX"
HUB_FOLDER = "Kokoro-82M-v1.0-ONNX"
VOICE_BYTES = 510 * 256 * 4
"""A voice file: one 256-wide style vector per phoneme count (1..510), float32."""

# prefix letter -> (spec language code, language name, espeak-ng voice or "ja" for misaki's)
LANGUAGE_OF_PREFIX: dict[str, tuple[str, str, str]] = {
    "a": ("en", "American English", "en-us"),
    "b": ("en-gb", "British English", "en-gb"),
    "e": ("es", "Spanish", "es"),
    "f": ("fr", "French", "fr-fr"),
    "h": ("hi", "Hindi", "hi"),
    "i": ("it", "Italian", "it"),
    "j": ("ja", "Japanese", "ja"),
    "p": ("pt", "Brazilian Portuguese", "pt-br"),
    "z": ("zh", "Mandarin Chinese", "cmn"),
}
G2P_OF_LANGUAGE: dict[str, str] = {code: g2p for code, _, g2p in LANGUAGE_OF_PREFIX.values()}
LANGUAGES: tuple[str, ...] = tuple(code for code, _, _ in LANGUAGE_OF_PREFIX.values())

VOICE_IDS: tuple[str, ...] = (
    *("af_heart", "af_alloy", "af_aoede", "af_bella", "af_jessica", "af_kore", "af_nicole"),
    *("af_nova", "af_river", "af_sarah", "af_sky"),
    *("am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam", "am_michael", "am_onyx"),
    *("am_puck", "am_santa"),
    *("bf_alice", "bf_emma", "bf_isabella", "bf_lily", "bm_daniel", "bm_fable", "bm_george"),
    "bm_lewis",
    *("ef_dora", "em_alex", "em_santa", "ff_siwis", "hf_alpha", "hf_beta", "hm_omega", "hm_psi"),
    *("if_sara", "im_nicola", "jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro"),
    "jm_kumo",
    *("pf_dora", "pm_alex", "pm_santa", "zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi"),
    *("zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang"),
)
JAPANESE_VOICE_IDS = tuple(v for v in VOICE_IDS if v.startswith("j"))


def voice_language(voice_id: str) -> str:
    """The spec language code of a voice ('en', 'en-gb', 'ja', ...)."""
    return LANGUAGE_OF_PREFIX[voice_id[0]][0]


def _preset(voice_id: str) -> PresetVoice:
    code, language, _ = LANGUAGE_OF_PREFIX[voice_id[0]]
    gender = "female" if voice_id[1] == "f" else "male"
    name = voice_id.split("_", 1)[1].replace("_", " ").title()
    return PresetVoice(id=voice_id, name=name, language=code, description=f"{language}, {gender}")


PRESETS: tuple[PresetVoice, ...] = tuple(_preset(v) for v in VOICE_IDS)
JAPANESE_PRESETS: tuple[PresetVoice, ...] = tuple(_preset(v) for v in JAPANESE_VOICE_IDS)

PRESET = Capabilities(preset=True, streaming=True)
"""No `reproducible`: the graph takes no seed (its output is deterministic), so a seed is
refused rather than ignored."""


def _config(size: str, display: str, size_mb: int, packaged: bool = False) -> ModelConfig:
    return ModelConfig(
        name=f"kokoro-82m-{size}",
        display_name=display,
        engine=ENGINE,
        model_size=size,
        hub_repo_id=None if packaged else HUB_REPO,
        size_mb=size_mb,
        languages=("ja",) if packaged else LANGUAGES,
        sample_rate=SAMPLE_RATE,
        capabilities=PRESET,
        preset_voices=JAPANESE_PRESETS if packaged else PRESETS,
        packaged=packaged,
    )


REGISTRY = ModelRegistry.of(
    ENGINE,
    [
        _config(
            "v1.0",
            "Kokoro-82M (54 preset voices, 9 languages; float32, fast on any CPU)",
            353,
        ),
        _config(
            "v1.0-int8",
            "Kokoro-82M int8 (54 preset voices, 9 languages; smaller download)",
            119,
        ),
        _config(
            "v1.0-ja",
            "Kokoro-82M Japanese (5 preset voices; ships with the provider, no download)",
            92,
            packaged=True,
        ),
    ],
)

ONNX_FILE = {"v1.0": "onnx/model.onnx", "v1.0-int8": "onnx/model_quantized.onnx"}


def hub_model(model_size: str) -> HubModel:
    """The hub files of a downloadable model: its ONNX graph and the 54 voices."""
    onnx = ONNX_FILE[model_size]
    voices = tuple(HubFile(HUB_REPO, f"voices/{v}.bin", size=VOICE_BYTES) for v in VOICE_IDS)
    return HubModel(
        engine=ENGINE,
        model_size=model_size,
        folder=f"{HUB_FOLDER}-{model_size}",
        files=(HubFile(HUB_REPO, onnx), *voices),
        proof=onnx,
    )
