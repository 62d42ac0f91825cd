"""OpenAIProvider: speech through OpenAI's API (or any OpenAI-compatible server, e.g. another
Voicebox's /v1/audio/speech) with the official `openai` SDK.

OpenAI's voices are offered as preset voices of one engine, `openai`, whose model sizes are
OpenAI's speech models. Cloning is refused with a clear message (OpenAI cannot clone); an
`instruct` is always sent as `instructions`, never dropped (a server that cannot follow it
refuses it); a seed is refused (OpenAI's speech is not reproducible). Its models are hosted:
downloading or deleting one is refused (409) with a message that says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from core.tts.base import (
    DownloadEvent,
    ProviderInfo,
    ProviderState,
    ReferenceSample,
    Synthesis,
    TTSProvider,
    refused_download,
)
from core.tts.wav import synthesis as synthesis_from_wav
from provider_sdk.errors import (
    CannotClone,
    Conflict,
    ProviderError,
    ProviderUnreachable,
    Unauthorized,
    UnknownEngine,
    UnsupportedParameter,
    error_for,
)
from provider_sdk.models import (
    Capabilities,
    DescribeResponse,
    EngineInfo,
    GenerateRequest,
    HealthResponse,
    HealthState,
    ModelDeleteResponse,
    ModelInfo,
    PresetVoice,
    VoicePrompt,
)
from provider_sdk.version import SPEC_VERSION

if TYPE_CHECKING:  # the SDK takes ~0.5 s to import: loaded on first use, not at start-up
    import openai

ENGINE = "openai"
OPENAI_VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
)
# model -> takes `instructions`
OPENAI_MODELS: dict[str, bool] = {"gpt-4o-mini-tts": True, "tts-1": False, "tts-1-hd": False}
LANGUAGES = ["en", "de", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "zh"]
CLONE_REFUSED = (
    "OpenAI's speech API speaks its own preset voices and cannot clone a voice. Use a "
    "preset profile with an OpenAI voice, or switch to a local or remote provider with a "
    "cloning engine (e.g. qwen) for cloned profiles"
)


class OpenAIProvider(TTSProvider):
    kind = "openai"

    def __init__(
        self,
        provider_id: str,
        api_key: str | None,
        *,
        base_url: str | None = None,
        voices: list[str] | None = None,
        models: dict[str, bool] | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 2,
    ) -> None:
        self.id = provider_id
        self.api_key = api_key
        self.base_url = base_url.rstrip("/") if base_url else None
        self.voices = list(voices or OPENAI_VOICES)
        self.models = dict(models or OPENAI_MODELS)
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.state = ProviderState.stopped
        self.error: str | None = None
        self._client: openai.AsyncOpenAI | None = None

    def _openai(self) -> openai.AsyncOpenAI:
        import openai

        if not self.api_key:
            raise Unauthorized(
                "no OpenAI API key is set: add one in Settings → Providers "
                "(PUT /providers/openai) before using the OpenAI provider"
            )
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                api_key=self.api_key,
                base_url=self.base_url,
                timeout=self.timeout_s,
                max_retries=self.max_retries,
            )
        return self._client

    async def start(self) -> None:
        self._openai()
        if self.state == ProviderState.stopped:
            self.state = ProviderState.ready

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        self.state = ProviderState.stopped

    async def health(self) -> HealthResponse:
        """Lists the server's models: proves the URL and the key."""
        import openai

        try:
            await self._openai().models.list()
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        self.state, self.error = ProviderState.ready, None
        return HealthResponse(
            status=HealthState.healthy,
            provider="openai",
            version=openai.__version__,
            spec_version=SPEC_VERSION,
            model=None,
            device=self.base_url or "api.openai.com",
        )

    async def describe(self) -> DescribeResponse:
        import openai

        presets = [PresetVoice(id=v, name=v.capitalize()) for v in self.voices]
        models = [
            ModelInfo(
                model_size=name,
                display_name=f"OpenAI {name}",
                size_mb=0,
                languages=LANGUAGES,
                sample_rate=24_000,
                capabilities=Capabilities(preset=True, instruct=instruct),
                preset_voices=presets,
                downloaded=True,
            )
            for name, instruct in self.models.items()
        ]
        engine = EngineInfo(
            name=ENGINE,
            display_name="OpenAI speech",
            description="OpenAI's preset voices, run on OpenAI's servers with your key: good "
            "quality in many languages, no cloning; text leaves this machine.",
            default_model_size=next(iter(self.models)),
            models=models,
        )
        return DescribeResponse(
            provider="openai",
            version=openai.__version__,
            spec_version=SPEC_VERSION,
            engines=[engine],
        )

    async def create_voice_prompt(
        self, samples: list[ReferenceSample], engine: str, model_size: str
    ) -> VoicePrompt:
        raise CannotClone(CLONE_REFUSED)

    async def generate(self, request: GenerateRequest) -> Synthesis:
        import openai

        if request.voice_prompt is not None:
            raise CannotClone(CLONE_REFUSED)
        if request.engine not in (None, ENGINE):
            raise UnknownEngine(f"the OpenAI provider has one engine, {ENGINE!r}")
        if request.seed is not None:
            raise UnsupportedParameter("OpenAI's speech is not reproducible; leave 'seed' empty")
        model = request.model_size or next(iter(self.models))
        voice = request.voice or self.voices[0]
        self.state = ProviderState.busy
        try:
            response = await self._openai().audio.speech.create(
                model=model,
                voice=voice,
                input=request.text,
                response_format="wav",
                instructions=request.instruct if request.instruct else openai.omit,
            )
            wav = response.content
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        finally:
            self.state = ProviderState.ready
        return synthesis_from_wav(wav)

    def _hosted(self, model_size: str, verb: str) -> Conflict:
        return Conflict(
            f"OpenAI's speech models (here {ENGINE}/{model_size}) run on OpenAI's servers: there "
            f"is nothing on this computer to {verb}"
        )

    def download_model(self, engine: str, model_size: str) -> AsyncIterator[DownloadEvent]:
        return refused_download(self._hosted(model_size, "download"))

    async def delete_model(self, engine: str, model_size: str) -> ModelDeleteResponse:
        raise self._hosted(model_size, "delete")

    def _error(self, exc: openai.OpenAIError) -> ProviderError:
        import openai

        where = self.base_url or "OpenAI"
        if isinstance(exc, openai.AuthenticationError):
            err: ProviderError = Unauthorized(
                f"{where} refused the API key ({_message(exc)}); set a valid key"
            )
        elif isinstance(exc, openai.APIConnectionError):
            err = ProviderUnreachable(f"cannot reach {where}: {_message(exc)}")
        elif isinstance(exc, openai.APIStatusError) and 400 <= exc.status_code < 500:
            code = exc.code if isinstance(exc.code, str) else ""
            err = error_for(code, exc.status_code, f"{where} refused it: {_message(exc)}")
        else:
            err = ProviderError(f"{where} failed: {_message(exc)}")
        self.error = err.message
        return err

    def info(self) -> ProviderInfo:
        return ProviderInfo(self.id, self.kind, self.state, self.error, [ENGINE], url=self.base_url)


def _message(exc: openai.OpenAIError) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(exc) or type(exc).__name__
