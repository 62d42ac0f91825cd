"""`tts-provider-pytorch-cpu`: the provider for any machine, on the CPU."""

from providers.flavor import flavor_spec

SPEC = flavor_spec("pytorch-cpu", ["piper", "qwen", "kokoro", "pocket-tts"])
