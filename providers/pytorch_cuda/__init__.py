"""`tts-provider-pytorch-cuda`: the provider for NVIDIA GPUs."""

from provider_sdk.info import DeviceInfo
from providers.devices import cuda_devices, cuda_driver_present
from providers.flavor import flavor_spec


def preflight() -> str | None:
    if cuda_driver_present():
        return None
    return (
        "no NVIDIA GPU with a working CUDA driver was found on this machine (libcuda.so.1 "
        "missing or no device); use the pytorch-cpu provider here, or install the NVIDIA "
        "driver"
    )


def device() -> DeviceInfo:
    gpus = cuda_devices()
    name = f"cuda:0 ({gpus[0]['name']})" if gpus else "cuda"
    return DeviceInfo(name=name, gpu_available=True)


SPEC = flavor_spec("pytorch-cuda", ["piper", "qwen", "kokoro"], device=device, preflight=preflight)
