"""Portable Pocket TTS voice prompts (no torch here).

Upstream's voice state is the transformer's KV cache after the voice prompt (megabytes). The
portable prompt stores what that cache is computed from instead: the reference clip's Mimi
latents (`latents`, float32, frames x latent dim: 32 values per 80 ms, ~16 KB for 10 s), in a
safetensors blob with `engine`, `model` and `format_version` in its metadata. The engine
replays them through the transformer on use (one prefill of ~125 frames, milliseconds).
A prompt from another engine or model is refused with 409.
"""

from __future__ import annotations

import base64

import numpy as np
import numpy.typing as npt

from provider_sdk.errors import InvalidRequest, VoicePromptMismatch
from provider_sdk.models import VoicePrompt
from providers.engines.qwen_prompts import open_prompt

FORMAT_VERSION = "1"
Latents = npt.NDArray[np.float32]


def encode_prompt(engine: str, model: str, latents: Latents) -> VoicePrompt:
    from safetensors.numpy import save

    blob = save(
        {"latents": np.ascontiguousarray(latents, dtype=np.float32)},
        metadata={"engine": engine, "model": model, "format_version": FORMAT_VERSION},
    )
    return VoicePrompt(
        engine=engine, model=model, format="safetensors", data=base64.b64encode(blob).decode()
    )


def decode_prompt(prompt: VoicePrompt, engine: str, model: str, latent_dim: int) -> Latents:
    """The prompt's latents (frames, latent_dim); 409 when it belongs to another engine/model."""
    tensors, _ = open_prompt(prompt, engine, model)
    latents = tensors.get("latents")
    if latents is None or latents.ndim != 2 or latents.shape[0] == 0:
        raise InvalidRequest("voice_prompt.data holds no voice latents; create it again")
    if latents.shape[1] != latent_dim:
        raise VoicePromptMismatch(
            f"voice_prompt's latents are {latents.shape[1]} wide but {engine}/{model} uses "
            f"{latent_dim}; create a new voice prompt with this model"
        )
    return latents.astype(np.float32)
