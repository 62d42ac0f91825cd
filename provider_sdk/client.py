"""`ProviderClient`: an async client for the provider spec.

It never reads proxy settings from the environment (`trust_env=False`: a provider on
127.0.0.1 must not be reached through a proxy), uses explicit timeouts, sends the token on
every request and raises the typed errors of `provider_sdk.errors` with the provider's own
message."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from provider_sdk.errors import ProviderError, ProviderUnreachable, error_for
from provider_sdk.models import (
    CreateVoicePromptResponse,
    DescribeResponse,
    GenerateRequest,
    GenerateResponse,
    HealthResponse,
    LoadRequest,
    ModelDeleteResponse,
    ModelDownloadDone,
    ModelDownloadProgress,
    ModelRequest,
    StatusResponse,
    StreamPiece,
)

M = TypeVar("M", bound=BaseModel)
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=600.0, write=60.0, pool=10.0)


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body: Any = response.json()
        error = body["error"]
        raise error_for(str(error["code"]), response.status_code, str(error["message"]))
    except (ValueError, KeyError, TypeError):
        pass
    text = response.text.strip()[:300] or response.reason_phrase
    raise error_for("", response.status_code, f"provider answered {response.status_code}: {text}")


class ProviderClient:
    """Async client for one provider at `base_url` (e.g. http://127.0.0.1:8100)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            verify=verify,
            trust_env=False,
            transport=transport,
        )

    async def __aenter__(self) -> ProviderClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ProviderUnreachable(
                f"provider at {self.base_url} timed out on {path} ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderUnreachable(
                f"cannot reach the provider at {self.base_url}: {exc or type(exc).__name__}"
            ) from exc
        _raise_for(response)
        return response

    async def _model(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        response = await self._request(method, path, **kwargs)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ProviderError(
                f"provider at {self.base_url} answered {path} with a body that does not match "
                f"the spec: {exc.errors()[0].get('msg')}"
            ) from None

    async def health(self) -> HealthResponse:
        return await self._model(HealthResponse, "GET", "/tts/health")

    async def status(self) -> StatusResponse:
        return await self._model(StatusResponse, "GET", "/tts/status")

    async def describe(self) -> DescribeResponse:
        return await self._model(DescribeResponse, "GET", "/tts/describe")

    async def create_voice_prompt(
        self,
        clips: Sequence[tuple[bytes, str | None]],
        *,
        engine: str | None = None,
        model_size: str | None = None,
    ) -> CreateVoicePromptResponse:
        """`clips`: (audio file bytes, transcript or None) per reference recording."""
        if not clips:
            raise ValueError("at least one clip is needed")
        files = [
            ("audio", (f"clip{i}.wav", data, "application/octet-stream"))
            for i, (data, _) in enumerate(clips)
        ]
        data: dict[str, Any] = {}
        texts = [text or "" for _, text in clips]
        if any(texts):
            data["reference_text"] = texts
        if engine:
            data["engine"] = engine
        if model_size:
            data["model_size"] = model_size
        return await self._model(
            CreateVoicePromptResponse, "POST", "/tts/create_voice_prompt", files=files, data=data
        )

    @staticmethod
    def _body(request: GenerateRequest) -> dict[str, Any]:
        return request.model_dump(mode="json", exclude_none=True)

    async def generate(self, request: GenerateRequest) -> GenerateResponse:
        return await self._model(
            GenerateResponse, "POST", "/tts/generate", json=self._body(request)
        )

    async def generate_wav(self, request: GenerateRequest) -> bytes:
        """The same as `generate`, as raw WAV bytes (`Accept: audio/wav`)."""
        response = await self._request(
            "POST", "/tts/generate", json=self._body(request), headers={"Accept": "audio/wav"}
        )
        return response.content

    async def _lines(self, path: str, body: Any, what: str) -> AsyncGenerator[str, None]:
        """The non-empty NDJSON lines a streamed POST answers with. An HTTP error raises its
        typed error; a broken connection raises `ProviderUnreachable` naming `what`. Close the
        generator (`contextlib.aclosing`) to close the connection at once."""
        try:
            async with self._http.stream("POST", path, json=body) as resp:
                if not resp.is_success:
                    await resp.aread()
                    _raise_for(resp)
                async for line in resp.aiter_lines():
                    if line.strip():
                        yield line
        except httpx.TransportError as exc:
            raise ProviderUnreachable(
                f"the {what} from {self.base_url} broke: {exc or type(exc).__name__}"
            ) from exc

    async def stream(self, request: GenerateRequest) -> AsyncIterator[StreamPiece]:
        """Pieces of audio as the provider makes them (POST /tts/stream, NDJSON)."""
        lines = self._lines("/tts/stream", self._body(request), "stream")
        async with contextlib.aclosing(lines):
            async for line in lines:
                event = json.loads(line)
                if event["event"] == "audio":
                    yield StreamPiece(
                        event["index"], event["sample_rate"], base64.b64decode(event["audio"])
                    )
                elif event["event"] == "error":
                    error = event["error"]
                    raise error_for(error["code"], 500, error["message"])

    async def load(
        self, engine: str | None = None, model_size: str | None = None
    ) -> StatusResponse:
        body = LoadRequest(engine=engine, model_size=model_size).model_dump(exclude_none=True)
        return await self._model(StatusResponse, "POST", "/tts/load", json=body)

    async def unload(self) -> StatusResponse:
        return await self._model(StatusResponse, "POST", "/tts/unload")

    async def download_model(
        self, engine: str, model_size: str
    ) -> AsyncGenerator[ModelDownloadProgress | ModelDownloadDone, None]:
        """Extension (POST /tts/models/download): `progress` events, then one `done`; an error
        line raises its typed error (e.g. `ModelUnavailable`, `DownloadRunning`). Closing the
        iterator early closes the connection, which cancels the download in the provider."""
        body = ModelRequest(engine=engine, model_size=model_size).model_dump()
        path = "/tts/models/download"
        lines = self._lines(path, body, "download stream")
        async with contextlib.aclosing(lines):
            async for line in lines:
                event = self._download_event(line, path)
                yield event
                if isinstance(event, ModelDownloadDone):
                    return
        raise ProviderError(
            f"the download stream from {self.base_url} ended before the download finished"
        )

    def _download_event(self, line: str, path: str) -> ModelDownloadProgress | ModelDownloadDone:
        try:
            event: Any = json.loads(line)
            kind = event["event"]
            if kind == "error":
                error = event["error"]
                code, message = str(error["code"]), str(error["message"])
            elif kind == "done":
                return ModelDownloadDone.model_validate(event)
            else:
                return ModelDownloadProgress.model_validate(event)
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                f"provider at {self.base_url} sent a line on {path} that does not match the "
                f"spec: {line[:200]!r} ({exc})"
            ) from None
        raise error_for(code, 500, message)

    async def delete_model(self, engine: str, model_size: str) -> ModelDeleteResponse:
        """Extension (POST /tts/models/delete); `ModelPackaged` (409) for a packaged model."""
        body = ModelRequest(engine=engine, model_size=model_size).model_dump()
        return await self._model(ModelDeleteResponse, "POST", "/tts/models/delete", json=body)
