"""Versions of the provider spec and of this SDK."""

SPEC_VERSION = "1.0"
"""The provider HTTP spec this SDK implements (docs/provider-api.md)."""

SDK_VERSION = "0.1.0"
