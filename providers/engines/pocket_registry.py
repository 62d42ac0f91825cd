"""Pocket TTS models: one checkpoint per language, all with voice cloning
(docs/engines/pocket-tts.md).

The hub files of a model are read from the YAML config `pocket-tts` ships for that language
(`pocket_tts/config/<language>.yaml`: `hf://repo/path@revision` for the cloning weights and
the tokenizer), so the revisions are the ones the installed library was released with. The
YAML is read as text; `pocket_tts` itself is not imported here.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from provider_sdk.engine import ModelConfig, ModelRegistry
from provider_sdk.errors import ModelUnavailable
from provider_sdk.models import Capabilities
from providers.engines.hub_fetch import HubFile, HubModel

ENGINE = "pocket-tts"
SAMPLE_RATE = 24_000
WEIGHTS_MB = 236
"""model.safetensors of a 6-layer checkpoint (FlowLM + Mimi, float32)."""
GATED_HELP = (
    "The voice-cloning weights are gated: accept Kyutai's terms at "
    "https://huggingface.co/kyutai/pocket-tts and log in (set HF_TOKEN) before downloading."
)

# model_size (= the language checkpoint) -> (spec language code, display name)
LANGUAGES: dict[str, tuple[str, str]] = {
    "english": ("en", "English"),
    "french": ("fr", "French"),
    "german": ("de", "German"),
    "spanish": ("es", "Spanish"),
    "italian": ("it", "Italian"),
    "portuguese": ("pt", "Portuguese"),
}

CLONE = Capabilities(clone=True, streaming=True, reproducible=True)

REGISTRY = ModelRegistry.of(
    ENGINE,
    [
        ModelConfig(
            name=f"pocket-tts-{size}",
            display_name=f"Pocket TTS {name} (voice cloning; faster than real time on a CPU)",
            engine=ENGINE,
            model_size=size,
            hub_repo_id="kyutai/pocket-tts",
            size_mb=WEIGHTS_MB,
            languages=(code,),
            sample_rate=SAMPLE_RATE,
            capabilities=CLONE,
        )
        for size, (code, name) in LANGUAGES.items()
    ],
)


def packaged_config(model_size: str) -> Path:
    """The YAML config pocket-tts ships for this language."""
    spec = find_spec("pocket_tts")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            f"{ENGINE} needs the pocket-tts package; install the provider's 'pocket' extra"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "config" / f"{model_size}.yaml"


def _hub_file(url: str) -> HubFile:
    """`hf://org/repo/path/in/repo@revision` -> HubFile."""
    rest = url.removeprefix("hf://")
    rest, _, revision = rest.partition("@")
    org, repo, path = rest.split("/", 2)
    return HubFile(f"{org}/{repo}", path, revision or None)


def hub_model(model_size: str) -> HubModel:
    """The two files of a language checkpoint, at the revisions the library pins."""
    import yaml

    raw = yaml.safe_load(packaged_config(model_size).read_text(encoding="utf-8"))
    weights = _hub_file(str(raw["weights_path"]))
    tokenizer = _hub_file(str(raw["flow_lm"]["lookup_table"]["tokenizer_path"]))
    return HubModel(
        engine=ENGINE,
        model_size=model_size,
        folder=f"pocket-tts-{model_size}",
        files=(weights, tokenizer),
        proof=weights.path,
        help=GATED_HELP,
    )
