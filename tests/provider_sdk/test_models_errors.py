from __future__ import annotations

import pytest
from pydantic import ValidationError

from provider_sdk import errors
from provider_sdk.engine import Engine, ModelConfig, ModelRegistry, StreamingEngine
from provider_sdk.models import MAX_TEXT_CHARS, Capabilities, GenerateRequest
from tests.provider_sdk.tone_engine import ToneEngine


def test_generate_request_forbids_unknown_fields_and_enforces_limits() -> None:
    with pytest.raises(ValidationError, match="extra"):
        GenerateRequest.model_validate({"text": "hi", "speed": 2})
    with pytest.raises(ValidationError):
        GenerateRequest(text="x" * (MAX_TEXT_CHARS + 1))
    assert GenerateRequest(text="x" * MAX_TEXT_CHARS).engine is None


def test_error_codes_round_trip_to_types() -> None:
    assert isinstance(errors.error_for("cannot_clone", 422, "m"), errors.CannotClone)
    assert isinstance(errors.error_for("voice_prompt_mismatch", 409, "m"), errors.Conflict)
    assert isinstance(errors.error_for("something_new", 409, "m"), errors.Conflict)
    assert type(errors.error_for("something_new", 418, "m")) is errors.ProviderError
    assert errors.error_for("out_of_memory", 507, "msg").message == "msg"


def test_engine_protocol_is_runtime_checkable() -> None:
    assert isinstance(ToneEngine(), Engine)
    assert isinstance(ToneEngine(), StreamingEngine)
    assert not isinstance(object(), Engine)


def test_registry_refuses_duplicates_and_names_sizes() -> None:
    config = ModelConfig("a", "A", "e", "small", None, 1, ("en",), 16000, Capabilities(preset=True))
    registry = ModelRegistry.of("e", [config])
    with pytest.raises(ValueError, match="duplicate"):
        registry.register(config)
    with pytest.raises(errors.UnknownModel, match="available: small"):
        registry.get("large")
    assert registry.get(None) is config
