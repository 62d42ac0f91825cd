"""The provider HTTP server: `create_provider_app` serves the spec over any set of engines."""

from provider_sdk.info import DeviceInfo, ProviderInfo
from provider_sdk.server.app import create_provider_app
from provider_sdk.server.host import EngineHost

__all__ = ["DeviceInfo", "EngineHost", "ProviderInfo", "create_provider_app"]
