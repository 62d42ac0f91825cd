"""The spec's endpoints. Routes parse and shape; the EngineHost does the work."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from provider_sdk.audio import encode_wav
from provider_sdk.engine import AudioArray, ModelConfig, StreamingEngine
from provider_sdk.errors import (
    CannotClone,
    ProviderError,
    Unprocessable,
    UnsupportedParameter,
)
from provider_sdk.info import DeviceInfo, ProviderInfo
from provider_sdk.models import (
    CreateVoicePromptResponse,
    DescribeResponse,
    GenerateRequest,
    GenerateResponse,
    HealthResponse,
    LoadRequest,
    StatusResponse,
)
from provider_sdk.server.errors import safe_message
from provider_sdk.server.host import EngineHost
from provider_sdk.server.uploads import PromptCache, read_clips
from provider_sdk.server.validate import synthesis_request
from provider_sdk.version import SPEC_VERSION

log = logging.getLogger("provider_sdk.server")


def _check_audio(audio: AudioArray, engine: str) -> AudioArray:
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(samples)):
        raise ProviderError(f"engine {engine} produced non-finite samples")
    return samples


def _nothing_spoken(config: ModelConfig) -> Unprocessable:
    """The error for an utterance the model spoke no audio for (422, not an empty WAV)."""
    return Unprocessable(
        f"{config.engine}/{config.model_size} produced no audio for this text: nothing in it "
        f"is speakable by this model; check the text and its language "
        f"({', '.join(config.languages)})"
    )


def _error_line(exc: Exception) -> bytes:
    """An NDJSON `error` event for an exception raised after the stream started."""
    if isinstance(exc, ProviderError):
        code, message = exc.code, exc.message
    else:  # an engine bug: say so in the stream instead of dropping the connection
        log.exception("engine failed while streaming")
        code, message = "internal_error", f"the provider failed: {type(exc).__name__}: {exc}"
    event = {"event": "error", "error": {"code": code, "message": safe_message(message)}}
    return (json.dumps(event) + "\n").encode()


def build_router(info: ProviderInfo, host: EngineHost, device: DeviceInfo) -> APIRouter:
    router = APIRouter(prefix="/tts")
    prompts = PromptCache()

    @router.get("/health")
    async def health() -> HealthResponse:
        loaded = host.loaded()
        return HealthResponse(
            status=host.health_state(),
            provider=info.provider,
            version=info.version,
            spec_version=SPEC_VERSION,
            model=f"{loaded[0].name}/{loaded[1]}" if loaded else None,
            device=device.name,
        )

    @router.get("/status")
    async def status() -> StatusResponse:
        loaded = host.loaded()
        engine = loaded[0] if loaded else host.default_engine
        return StatusResponse(
            model_loaded=loaded is not None,
            engine=engine.name,
            model_size=loaded[1] if loaded else None,
            available_sizes=engine.registry.sizes,
            gpu_available=device.gpu_available,
            vram_used_mb=device.vram_used_mb(),
            progress=host.progress(),
        )

    @router.get("/describe")
    async def describe() -> DescribeResponse:
        return DescribeResponse(
            provider=info.provider,
            version=info.version,
            spec_version=SPEC_VERSION,
            engines=host.describe(),
        )

    @router.post("/create_voice_prompt")
    async def create_voice_prompt(request: Request) -> CreateVoicePromptResponse:
        upload = await read_clips(request)
        engine, config = host.resolve(upload.engine, upload.model_size)
        if not config.capabilities.clone:
            raise CannotClone(
                f"{engine.name}/{config.model_size} cannot clone a voice from audio: it is a "
                "preset-voice model; use one of its preset voices, or an engine and model "
                "that advertise the 'clone' capability in GET /tts/describe"
            )
        key = prompts.key(config, upload.digest)
        cached = prompts.get(key)
        if cached is not None:
            return CreateVoicePromptResponse(voice_prompt=cached, was_cached=True)
        if len(upload.clips) == 1:
            prompt = await host.run(
                engine,
                config.model_size,
                engine.create_voice_prompt,
                upload.clips[0],
                config.model_size,
            )
        else:
            prompt = await host.run(
                engine,
                config.model_size,
                engine.combine_voice_prompts,
                upload.clips,
                config.model_size,
            )
        prompts.put(key, prompt)
        return CreateVoicePromptResponse(voice_prompt=prompt, was_cached=False)

    @router.post("/generate", response_model=None)
    async def generate(body: GenerateRequest, request: Request) -> GenerateResponse | Response:
        engine, config = host.resolve(body.engine, body.model_size)
        synth = synthesis_request(body, config)
        audio, rate = await host.run(engine, config.model_size, engine.generate, synth)
        samples = _check_audio(audio, engine.name)
        if samples.size == 0:
            raise _nothing_spoken(config)
        wav = encode_wav(samples, rate)
        duration = round(samples.size / rate, 4)
        if "audio/wav" in request.headers.get("accept", ""):
            return Response(
                wav,
                media_type="audio/wav",
                headers={"X-Sample-Rate": str(rate), "X-Duration": str(duration)},
            )
        return GenerateResponse(
            audio=base64.b64encode(wav).decode(), sample_rate=rate, duration=duration
        )

    @router.post("/stream")
    async def stream(body: GenerateRequest) -> StreamingResponse:
        """NDJSON: one `audio` event per piece (a base64 WAV), then `done` or `error`."""
        engine, config = host.resolve(body.engine, body.model_size)
        if not (config.capabilities.streaming and isinstance(engine, StreamingEngine)):
            raise UnsupportedParameter(
                f"{engine.name}/{config.model_size} does not stream; use POST /tts/generate"
            )
        synth = synthesis_request(body, config)

        async def events() -> AsyncIterator[bytes]:
            total = 0
            index = 0
            try:
                async with host.using(engine, config.model_size):
                    pieces = await host.call(engine.stream, synth)
                    while (piece := await host.call(next, pieces, None)) is not None:
                        samples = _check_audio(piece, engine.name)
                        total += samples.size
                        event = {
                            "event": "audio",
                            "index": index,
                            "sample_rate": config.sample_rate,
                            "audio": base64.b64encode(
                                encode_wav(samples, config.sample_rate)
                            ).decode(),
                        }
                        index += 1
                        yield (json.dumps(event) + "\n").encode()
                if total == 0:
                    raise _nothing_spoken(config)
                done = {
                    "event": "done",
                    "pieces": index,
                    "duration": round(total / config.sample_rate, 4),
                }
                yield (json.dumps(done) + "\n").encode()
            except Exception as exc:  # never a dropped connection: the stream says why
                yield _error_line(exc)

        return StreamingResponse(events(), media_type="application/x-ndjson")

    @router.post("/load")
    async def load(body: LoadRequest) -> StatusResponse:
        engine, config = host.resolve(body.engine, body.model_size)
        await host.load(engine, config.model_size)
        return await status()

    @router.post("/unload")
    async def unload() -> StatusResponse:
        await host.unload_all()
        return await status()

    return router
