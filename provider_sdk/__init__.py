"""The Voicebox provider contract: spec models, engine protocol, server factory, client,
launch handshake and conformance suite. Light by design: no torch, no model code."""

from provider_sdk.version import SDK_VERSION, SPEC_VERSION

__all__ = ["SDK_VERSION", "SPEC_VERSION"]
