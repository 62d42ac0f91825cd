"""Random-weight Pocket TTS model folders, for tests and the benchmark (no hub access).

`build_random_model(folder, size="tiny"|"full")` writes a model folder laid out as a download
(`languages/<language>/model.safetensors` and `tokenizer.json`) plus a `config.yaml` naming them
(relative paths), with random weights, through the real `pocket_tts` classes; the engine loads
it as it loads a downloaded model, with that config instead of the packaged one.

- `full`: the released English model's architecture (the packaged `english.yaml`: a 6-layer
  1024-wide FlowLM and the Mimi codec), with a 4000-entry tokenizer. Speed does not depend on
  the weights' values, so it measures the real model's speed (bench/engines.py).
- `tiny`: the same structure a few hundred times smaller; loads and speaks noise in well
  under a second, for the provider tests.

The tokenizer is character-level (`tokenizers` WordLevel on single characters), padded to the
configured vocabulary size. Random weights never predict end-of-speech, so each sentence runs
to pocket_tts's length bound (token count / 4 per second + 2 s).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

Size = Literal["tiny", "full"]

CHARACTERS = (
    " !\"'(),-.:;?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "àâäçéèêëîïôöùûüÿñáíóúãõœæßÀÉÈÊÇ"
)

TINY: dict[str, Any] = {
    "flow_lm": {
        "flow": {"depth": 1, "dim": 32},
        "transformer": {"d_model": 64, "hidden_scale": 2, "num_heads": 4, "num_layers": 2},
        "lookup_table": {"dim": 64},
    },
    "mimi": {
        "inner_dim": 16,
        "outer_dim": 64,
        "seanet": {"dimension": 64, "n_filters": 4},
        "transformer": {
            "d_model": 64,
            "num_heads": 2,
            "num_layers": 1,
            "dim_feedforward": 128,
            "input_dimension": 64,
            "output_dimensions": [64],
        },
        "quantizer": {"dimension": 16, "output_dimension": 64},
    },
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _write_tokenizer(path: Path, n_bins: int) -> None:
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    vocab = {"<unk>": 0}
    for char in CHARACTERS:
        vocab.setdefault(char, len(vocab))
    while len(vocab) < n_bins:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))  # noqa: S106
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tokenizer.save(str(path))


def build_random_model(
    folder: Path, size: Size = "tiny", seed: int = 0, language: str = "english"
) -> Path:
    """Write a random-weight model folder (see the module docstring) for the model size
    `language` and return it."""
    import safetensors.torch
    import torch
    import yaml
    from pocket_tts.models.mimi import build_mimi
    from pocket_tts.models.tts_model import TTSModel
    from pocket_tts.utils.config import CONFIGS_DIR, Config

    files = folder / "languages" / language
    files.mkdir(parents=True, exist_ok=True)
    raw = yaml.safe_load((CONFIGS_DIR / "english.yaml").read_text(encoding="utf-8"))
    if size == "tiny":
        raw = _merge(raw, TINY)
        raw["flow_lm"]["lookup_table"]["n_bins"] = 200
    n_bins = int(raw["flow_lm"]["lookup_table"]["n_bins"])
    _write_tokenizer(files / "tokenizer.json", n_bins)
    raw["flow_lm"]["lookup_table"]["tokenizer"] = "tokenizers"
    raw["flow_lm"]["lookup_table"]["tokenizer_path"] = f"languages/{language}/tokenizer.json"
    raw["weights_path"] = f"languages/{language}/model.safetensors"
    raw.pop("weights_path_without_voice_cloning", None)

    # Build with absolute paths (pocket_tts resolves them against the working directory).
    resolved = copy.deepcopy(raw)
    resolved["flow_lm"]["lookup_table"]["tokenizer_path"] = str(files / "tokenizer.json")
    resolved["weights_path"] = None
    config = Config(**resolved)
    torch.manual_seed(seed)
    model = TTSModel._from_pydantic_config(config, 0.3, 1, None, -4.0, origin=None)
    mimi_config = config.mimi
    model.flow_lm.speaker_proj_weight = torch.nn.Parameter(
        torch.randn(
            config.flow_lm.transformer.d_model,
            mimi_config.inner_dim or mimi_config.seanet.dimension,
        )
        * 0.02
    )
    model.mimi = build_mimi(mimi_config)
    safetensors.torch.save_file(
        {k: v.contiguous() for k, v in model.state_dict().items()},
        str(files / "model.safetensors"),
    )
    (folder / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return folder
