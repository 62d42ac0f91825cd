"""Storing a random-weight model folder for mlx-audio: the MLX fixture's one extra step.

mlx-audio loads PyTorch-layout Qwen3-TTS folders and converts conv weights as it goes, but it
decides per weight whether it is already in MLX layout (out, kernel, in) or PyTorch's
(out, in, kernel) from its shape alone (`check_array_shape_qwen3`). That guess is wrong for
small channel counts (a 16x16 1x1 conv), so tiny test models are converted here and flagged;
`qwen_mlx` skips the guess for flagged folders. Real checkpoints never need this.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

MLX_LAYOUT_MARKER = "voicebox-mlx-layout.json"


def _mlx_is_transposed_conv(key: str) -> bool:
    # The same rule mlx_audio's speech tokenizer `sanitize` uses to spot ConvTranspose1d.
    return ("upsample" in key and ".0.conv.weight" in key) or (
        "decoder.decoder" in key and "block.1.conv.weight" in key
    )


def _mlx_guessed_in_model(key: str) -> bool:
    # Model.sanitize: conv weights (speaker encoder) go through the shape guess.
    return ("conv" in key or "speaker_encoder.fc" in key) and "weight" in key


def _mlx_guessed_in_tokenizer(key: str) -> bool:
    # Speech tokenizer sanitize: the encoder ("encoder.*") is converted unconditionally.
    if key.startswith("encoder."):
        return False
    return _mlx_is_transposed_conv(key) or "conv.weight" in key or "_proj.weight" in key


def convert_for_mlx(folder: str | Path) -> Path:
    """Store the conv weights that mlx_audio converts by guesswork in MLX layout, and flag it.

    mlx_audio's `sanitize` decides per conv weight whether it is already in MLX layout
    (out, kernel, in) or PyTorch's (out, in, kernel) from its shape alone
    (`check_array_shape_qwen3`), which is ambiguous for small channel counts (a 16x16 1x1
    conv). Tiny test models have small channels, so we store those weights in MLX layout and
    write a marker; `qwen_mlx` then skips the guess for flagged folders. Keys mlx_audio
    always converts unconditionally (the speech tokenizer's Mimi encoder) stay as they are.
    """
    from safetensors.numpy import load_file, save_file

    folder = Path(folder)
    targets: list[tuple[Path, Callable[[str], bool]]] = [
        (folder / "model.safetensors", _mlx_guessed_in_model),
        (folder / "speech_tokenizer" / "model.safetensors", _mlx_guessed_in_tokenizer),
    ]
    for path, guessed in targets:
        tensors = load_file(str(path))
        for key, value in list(tensors.items()):
            if value.ndim == 3 and guessed(key):
                axes = (1, 2, 0) if _mlx_is_transposed_conv(key) else (0, 2, 1)
                tensors[key] = np.ascontiguousarray(value.transpose(axes))
        save_file(tensors, str(path), metadata={"format": "pt"})
    (folder / MLX_LAYOUT_MARKER).write_text(json.dumps({"conv_layout": "mlx"}) + "\n")
    return folder
