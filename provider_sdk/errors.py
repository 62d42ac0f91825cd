"""Typed errors shared by the provider server (raised by engines) and the client (raised to
callers). Each carries the spec's error code, an HTTP status and a message for a person."""

from __future__ import annotations

from typing import ClassVar


class ProviderError(Exception):
    """Base of every error the spec defines."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ProviderError):
    status = 400
    code = "invalid_request"


class Unauthorized(ProviderError):
    status = 401
    code = "unauthorized"


class NotFound(ProviderError):
    status = 404
    code = "not_found"


class UnknownEngine(NotFound):
    code = "unknown_engine"


class UnknownModel(NotFound):
    code = "unknown_model"


class ModelNotDownloaded(NotFound):
    """Delete of a downloadable model whose files are not on disk."""

    code = "model_not_downloaded"


class Conflict(ProviderError):
    status = 409
    code = "conflict"


class VoicePromptMismatch(Conflict):
    code = "voice_prompt_mismatch"


class ModelPackaged(Conflict):
    """Delete of a model that ships with the provider (its engine does not manage models)."""

    code = "model_packaged"


class DownloadRunning(Conflict):
    """A model download is already running (one at a time per engine)."""

    code = "download_running"


class PayloadTooLarge(ProviderError):
    status = 413
    code = "payload_too_large"


class Unprocessable(ProviderError):
    status = 422
    code = "validation_error"


class CannotClone(Unprocessable):
    code = "cannot_clone"


class UnsupportedParameter(Unprocessable):
    code = "unsupported_parameter"


class InvalidAudio(Unprocessable):
    code = "invalid_audio"


class ModelLoading(ProviderError):
    status = 503
    code = "model_loading"


class ModelUnavailable(ProviderError):
    """The model cannot be obtained (offline hub, missing local folder)."""

    status = 503
    code = "model_unavailable"


class DownloadCancelled(ModelUnavailable):
    """A model download stopped because someone cancelled it (partial files are kept)."""

    code = "download_cancelled"


class OutOfMemory(ProviderError):
    status = 507
    code = "out_of_memory"


class ProviderUnreachable(ProviderError):
    """Client side only: the provider could not be reached at all."""

    status = 0
    code = "unreachable"


def _subclasses(cls: type[ProviderError]) -> list[type[ProviderError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


_BY_CODE: dict[str, type[ProviderError]] = {}
for _cls in _subclasses(ProviderError):
    _BY_CODE.setdefault(_cls.code, _cls)

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: Unprocessable,
    503: ModelLoading,
    507: OutOfMemory,
}


def error_for(code: str, status: int, message: str) -> ProviderError:
    """Rebuild a typed error from a response's status and envelope (client side)."""
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status, ProviderError)
    return cls(message)
