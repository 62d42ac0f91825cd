"""Errors the core raises for a person to read; the API maps them to 4xx responses."""

from __future__ import annotations

from typing import Any, ClassVar


class CoreError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}
        """More keys for the error envelope (e.g. the model a request needs)."""


class NotFoundError(CoreError):
    status = 404
    code = "not_found"


class ConflictError(CoreError):
    status = 409
    code = "conflict"


class ValidationFailed(CoreError):
    status = 422
    code = "validation_error"


class AudioRejected(ValidationFailed):
    code = "invalid_audio"


class TooLarge(CoreError):
    status = 413
    code = "payload_too_large"


class ProviderUnavailable(CoreError):
    status = 503
    code = "provider_unavailable"
