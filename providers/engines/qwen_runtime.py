"""Loading a Qwen3-TTS model folder onto a device, and freeing it. torch is imported here,
inside the functions only.

Devices: CUDA in bfloat16 with flash-attention 2 when `flash_attn` is importable, otherwise
PyTorch SDPA; Apple MPS in float32 (bf16 kernels are incomplete there) with SDPA; CPU in
float32. `VOICEBOX_QWEN_DEVICE` (cuda, cuda:1, mps, cpu) overrides the choice.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provider_sdk.errors import ModelUnavailable

log = logging.getLogger(__name__)

DEVICE_ENV = "VOICEBOX_QWEN_DEVICE"


@dataclass(frozen=True)
class Placement:
    device: str
    dtype_name: str
    attention: str


def choose_placement() -> Placement:
    import torch

    wanted = os.environ.get(DEVICE_ENV, "").strip().lower()
    if wanted.startswith("cuda") or (not wanted and torch.cuda.is_available()):
        device = wanted if wanted.startswith("cuda:") else "cuda:0"
        flash = importlib.util.find_spec("flash_attn") is not None
        return Placement(device, "bfloat16", "flash_attention_2" if flash else "sdpa")
    mps = getattr(torch.backends, "mps", None)
    if wanted == "mps" or (not wanted and mps is not None and mps.is_available()):
        return Placement("mps", "float32", "sdpa")
    return Placement("cpu", "float32", "sdpa")


def load_model(folder: Path, placement: Placement) -> Any:
    """`Qwen3TTSModel.from_pretrained(folder)` on `placement`; returns the wrapper."""
    import torch

    from providers.engines.qwen_compat import import_qwen_tts

    qwen_tts = import_qwen_tts()
    dtype = getattr(torch, placement.dtype_name)
    log.info(
        "loading %s on %s (%s, %s)",
        folder,
        placement.device,
        placement.dtype_name,
        placement.attention,
    )
    try:
        # A local folder: from_pretrained never touches the hub (local_files_only as well, so a
        # missing file fails at once instead of falling back to a download).
        model = qwen_tts.Qwen3TTSModel.from_pretrained(
            str(folder),
            device_map=placement.device,
            dtype=dtype,
            attn_implementation=placement.attention,
            local_files_only=True,
        )
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(
            f"the model folder {folder} could not be loaded ({exc}); delete it to download the "
            "model again, or copy a complete copy of the hub repo there"
        ) from None
    return model


def free_memory() -> None:
    """Collect garbage and return cached accelerator memory to the system."""
    gc.collect()
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
    mps = getattr(torch, "mps", None)
    if mps is not None and torch.backends.mps.is_available():
        mps.empty_cache()


def seed_everything(seed: int) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
