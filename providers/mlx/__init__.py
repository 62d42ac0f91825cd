"""`tts-provider-mlx`: the provider for Apple Silicon (MLX on Metal). Elsewhere MLX runs on
its CPU backend, which is much slower; the provider says so in its health's `device`."""

import logging

from provider_sdk.info import DeviceInfo
from providers.devices import apple_silicon
from providers.flavor import flavor_spec


def device() -> DeviceInfo:
    if apple_silicon():
        return DeviceInfo(name="mps (metal)", gpu_available=True)
    logging.getLogger(__name__).warning(
        "not an Apple Silicon Mac: MLX runs on its CPU backend, much slower than Metal"
    )
    return DeviceInfo(name="cpu (mlx cpu backend; no Apple Silicon)", gpu_available=False)


SPEC = flavor_spec("mlx", ["qwen-mlx", "piper"], device=device)
