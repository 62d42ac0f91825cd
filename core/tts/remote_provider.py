"""RemoteProvider: a provider someone runs on another box (e.g. a GPU server started with
`--host 0.0.0.0 --port 8100 --token-file F`), reached by URL and token.

On connect it checks the token (a wrong one is a clear authentication error) and runs the
read-only part of the conformance suite (health, status, describe, auth, unknown route): the
summary says what is missing. A provider that answers without a token is refused: its port is
open to anyone. TLS certificates are verified (a CA bundle path may be given). Reads (GET) are
retried on connection errors; generate and voice-prompt calls are never retried."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from core.errors import ValidationFailed
from core.settings import host_is_loopback
from core.tts.base import (
    DownloadEvent,
    ModelsOverview,
    ProviderInfo,
    ProviderState,
    ReferenceSample,
    Synthesis,
    TTSProvider,
)
from core.tts.wav import synthesis as synthesis_from_wav
from provider_sdk.errors import InvalidRequest, ProviderError, ProviderUnreachable, Unauthorized
from provider_sdk.models import (
    DescribeResponse,
    GenerateRequest,
    HealthResponse,
    ModelDeleteResponse,
    StreamPiece,
    VoicePrompt,
)

if TYPE_CHECKING:
    from provider_sdk.client import ProviderClient

T = TypeVar("T")
SAFE_CHECKS = ("health", "status", "describe", "auth_missing_token", "auth_wrong_token")
"""Conformance checks that only read: safe to run against someone's production provider."""


@dataclass
class ConformanceSummary:
    url: str
    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def message(self) -> str:
        if self.ok:
            text = f"{self.url}: all {len(self.passed)} read-only conformance checks passed"
        else:
            missing = "; ".join(f"{name}: {why}" for name, why in self.failed.items())
            text = f"{self.url}: {len(self.failed)} conformance check(s) failed: {missing}"
        return text + "".join(f" (warning: {w})" for w in self.warnings)

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "ok": self.ok,
            "passed": self.passed,
            "failed": self.failed,
            "warnings": self.warnings,
            "message": self.message(),
        }


def _check_url(url: str) -> list[str]:
    import httpx

    refusal = InvalidRequest(
        f"{url[:300]!r} is not a provider URL; use http(s)://HOST:PORT, e.g. https://gpu-box:8100"
    )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise refusal from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refusal
    if parts.scheme == "http" and not host_is_loopback(parts.hostname):
        return [
            "the token travels unencrypted over plain http; put the provider behind TLS "
            "(https) outside a trusted network"
        ]
    return []


def check_ca_bundle(path: str) -> str:
    """The CA bundle path, once it is known to load; otherwise a 422 that names the file."""
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except IsADirectoryError:
        reason = "it is a folder"
    except FileNotFoundError:
        reason = "there is no such file"
    except PermissionError:
        reason = "it cannot be read (permission denied)"
    except (ssl.SSLError, OSError, ValueError):
        reason = "it holds no PEM certificate"
    else:
        return path
    raise ValidationFailed(
        f"the CA bundle {path[:300]!r} cannot be used: {reason}. Give the path of a PEM file "
        "with the certificate authority that signed the provider's TLS certificate",
        field="ca_bundle",
    )


class RemoteProvider(TTSProvider):
    kind = "remote"

    def __init__(
        self,
        provider_id: str,
        url: str,
        token: str,
        *,
        verify: bool | str = True,
        connect_timeout_s: float = 5.0,
        request_timeout_s: float = 600.0,
        retries: int = 2,
    ) -> None:
        self.id = provider_id
        self.url = url.rstrip("/")
        self.token = token
        self.retries = retries
        import httpx  # here, not at the core's start-up

        self.timeout = httpx.Timeout(
            connect=connect_timeout_s, read=request_timeout_s, write=60.0, pool=10.0
        )
        self.state = ProviderState.stopped
        self.error: str | None = None
        self.summary: ConformanceSummary | None = None
        self._warnings = _check_url(self.url)
        self.verify = check_ca_bundle(verify) if isinstance(verify, str) else verify
        self._client: ProviderClient | None = None
        self._describe: DescribeResponse | None = None

    def _http(self) -> ProviderClient:
        if self._client is None:
            from provider_sdk.client import ProviderClient

            self._client = ProviderClient(
                self.url, self.token, timeout=self.timeout, verify=self.verify
            )
        return self._client

    async def _read(self, fn: Callable[[ProviderClient], Awaitable[T]]) -> T:
        """An idempotent GET, retried on connection errors with a short backoff."""
        for attempt in range(self.retries + 1):
            try:
                return await fn(self._http())
            except ProviderUnreachable:
                if attempt == self.retries:
                    raise
                await asyncio.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def connect(self) -> ConformanceSummary:
        """Check the token and the provider; raises a clear error, or returns the summary."""
        try:
            await self._read(lambda c: c.health())
        except Unauthorized as exc:
            self._fail(
                f"the provider at {self.url} refused the token ({exc.message}). Set the token "
                "it was started with (its --token-file or $VOICEBOX_PROVIDER_TOKEN)"
            )
            raise Unauthorized(self.error or exc.message) from exc
        except ProviderUnreachable as exc:
            self._fail(
                f"cannot reach the provider at {self.url}: {exc.message}. Check the URL, that "
                "it runs with --host 0.0.0.0, and the firewall"
            )
            raise ProviderUnreachable(self.error or exc.message) from exc
        summary = await asyncio.to_thread(self._conformance)
        self.summary = summary
        opened = await self._answers_without_token()
        if opened:
            self._fail(
                f"the provider at {self.url} answers requests without a valid token ({opened}): "
                "refusing to use an unauthenticated provider; start it with a token"
            )
            raise Unauthorized(self.error or "unauthenticated provider")
        self.state, self.error = ProviderState.ready, None
        return summary

    async def _answers_without_token(self) -> str | None:
        """What an unauthenticated request got, when it was answered (an open port)."""
        import httpx

        async with httpx.AsyncClient(
            base_url=self.url, timeout=self.timeout, verify=self.verify, trust_env=False
        ) as bare:
            for headers in ({}, {"Authorization": "Bearer not-the-token"}):
                try:
                    response = await bare.get("/tts/describe", headers=headers)
                except httpx.HTTPError:
                    continue
                if response.is_success:
                    kind = "no token" if not headers else "a wrong token"
                    return f"GET /tts/describe with {kind} got {response.status_code}"
        return None

    def _conformance(self) -> ConformanceSummary:
        from provider_sdk.conformance import CHECKS, Target, run_check

        summary = ConformanceSummary(self.url, warnings=list(self._warnings))
        target = Target(self.url, self.token, timeout=30.0, verify=self.verify)
        try:
            for check in (c for c in CHECKS if c.name in SAFE_CHECKS):
                outcome = run_check(check, target)
                if outcome.result == "fail":
                    summary.failed[check.name] = outcome.detail
                else:
                    summary.passed.append(check.name)
        finally:
            target.close()
        return summary

    def _fail(self, message: str) -> None:
        self.state, self.error = ProviderState.failed, message

    async def start(self) -> None:
        if self.state not in (ProviderState.ready, ProviderState.busy):
            await self.connect()

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        self.state = ProviderState.stopped

    async def health(self) -> HealthResponse:
        await self.start()
        return await self._read(lambda c: c.health())

    async def describe(self) -> DescribeResponse:
        await self.start()
        if self._describe is None:
            self._describe = await self._read(lambda c: c.describe())
        return self._describe

    async def create_voice_prompt(
        self, samples: list[ReferenceSample], engine: str, model_size: str
    ) -> VoicePrompt:
        await self.start()
        clips = [(s.wav, s.reference_text or None) for s in samples]
        response = await self._http().create_voice_prompt(
            clips, engine=engine, model_size=model_size
        )
        return response.voice_prompt

    async def generate(self, request: GenerateRequest) -> Synthesis:
        await self.start()
        self.state = ProviderState.busy
        try:
            wav = await self._http().generate_wav(request)  # never retried: not idempotent
        except ProviderError as exc:
            if isinstance(exc, ProviderUnreachable):
                self._fail(f"the provider at {self.url} went away: {exc.message}")
            raise
        finally:
            if self.state == ProviderState.busy:
                self.state = ProviderState.ready
        return synthesis_from_wav(wav)

    async def stream(self, request: GenerateRequest) -> AsyncGenerator[StreamPiece, None]:
        await self.start()
        self.state = ProviderState.busy
        try:
            async for piece in self._http().stream(request):  # never retried, like generate
                yield piece
        except ProviderError as exc:
            if isinstance(exc, ProviderUnreachable):
                self._fail(f"the provider at {self.url} went away: {exc.message}")
            raise
        finally:
            if self.state == ProviderState.busy:
                self.state = ProviderState.ready

    async def model_overview(self) -> ModelsOverview:
        """A fresh describe (it refreshes the cache) and the resident model."""
        await self.start()
        self._describe = await self._read(lambda c: c.describe())
        status = await self._read(lambda c: c.status())
        loaded = None
        if status.model_loaded and status.engine and status.model_size:
            loaded = (status.engine, status.model_size)
        return ModelsOverview(self._describe, loaded)

    async def download_model(self, engine: str, model_size: str) -> AsyncIterator[DownloadEvent]:
        """Never retried; closing this iterator closes the stream, which cancels it remotely."""
        await self.start()
        events = self._http().download_model(engine, model_size)
        try:
            async with contextlib.aclosing(events):
                async for event in events:
                    yield event
        finally:
            self._describe = None  # `downloaded` changed

    async def delete_model(self, engine: str, model_size: str) -> ModelDeleteResponse:
        await self.start()
        try:
            return await self._http().delete_model(engine, model_size)  # never retried
        finally:
            self._describe = None

    def info(self) -> ProviderInfo:
        engines = [e.name for e in self._describe.engines] if self._describe else []
        return ProviderInfo(self.id, self.kind, self.state, self.error, engines, url=self.url)
