"""Both sides of the launch handshake (docs/provider-api.md#launch-handshake)."""

from provider_sdk.launch.parent import (
    ListeningInfo,
    ProviderProcess,
    ProviderStartCancelled,
    ProviderStartError,
    launch_provider,
)
from provider_sdk.launch.provider import ProviderSpec, run_provider

__all__ = [
    "ListeningInfo",
    "ProviderProcess",
    "ProviderSpec",
    "ProviderStartCancelled",
    "ProviderStartError",
    "launch_provider",
    "run_provider",
]
