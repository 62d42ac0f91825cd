"""The conformance checks: each takes a `Target` and raises `CheckFailed` (or
`NotApplicable` when the provider does not advertise what the check needs)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from packaging.version import Version

from provider_sdk.conformance.target import (
    CheckFailed,
    NotApplicable,
    Target,
    decode_wav,
    expect_error,
    expect_status,
    reference_wav,
)
from provider_sdk.models import (
    MAX_TEXT_CHARS,
    MAX_UPLOAD_BYTES,
    DescribeResponse,
    GenerateResponse,
    HealthResponse,
    StatusResponse,
)
from provider_sdk.version import SPEC_VERSION


@dataclass(frozen=True)
class Check:
    name: str
    doc: str
    run: Callable[[Target], None]


CHECKS: list[Check] = []


def check(fn: Callable[[Target], None]) -> Callable[[Target], None]:
    CHECKS.append(Check(fn.__name__, (fn.__doc__ or "").strip(), fn))
    return fn


@check
def health(target: Target) -> None:
    """GET /tts/health answers the spec's model with a compatible spec version."""
    response = target.http.get("/tts/health")
    expect_status(response, 200)
    body = HealthResponse.model_validate_json(response.content)
    if Version(body.spec_version).major != Version(SPEC_VERSION).major:
        raise CheckFailed(f"spec_version {body.spec_version} is not compatible with {SPEC_VERSION}")


@check
def status(target: Target) -> None:
    """GET /tts/status answers the spec's model."""
    response = target.http.get("/tts/status")
    expect_status(response, 200)
    StatusResponse.model_validate_json(response.content)


@check
def describe(target: Target) -> None:
    """GET /tts/describe lists at least one engine with models and sane sample rates."""
    described = target.describe
    if not described.engines or not all(e.models for e in described.engines):
        raise CheckFailed("describe lists no engine, or an engine without models")
    for engine, model in target.models():
        if not 8000 <= model.sample_rate <= 96000:
            raise CheckFailed(f"{engine}/{model.model_size}: odd sample_rate {model.sample_rate}")
        caps = model.capabilities
        if not (caps.clone or caps.preset or caps.design):
            raise CheckFailed(f"{engine}/{model.model_size} can neither clone, preset nor design")


@check
def auth_missing_token(target: Target) -> None:
    """Every endpoint refuses a request without a token with 401."""
    with target.client(None) as bare:
        for method, path in [
            ("GET", "/tts/health"),
            ("GET", "/tts/describe"),
            ("POST", "/tts/generate"),
        ]:
            expect_error(bare.request(method, path, json={"text": "hi"}), (401,))


@check
def auth_wrong_token(target: Target) -> None:
    """A wrong token gets 401."""
    with target.client("Bearer not-the-token") as wrong:
        expect_error(wrong.get("/tts/status"), (401,))
        expect_error(wrong.post("/tts/generate", json={"text": "hi"}), (401,))


@check
def generate(target: Target) -> None:
    """A real generate returns a WAV that decodes at the advertised sample rate."""
    body, model = target.speakable()
    response = target.http.post("/tts/generate", json={**body, "text": "Hello from Voicebox."})
    expect_status(response, 200)
    result = GenerateResponse.model_validate_json(response.content)
    samples, rate = decode_wav(base64.b64decode(result.audio))
    if rate != result.sample_rate or rate != model.sample_rate:
        raise CheckFailed(
            f"WAV rate {rate}, response sample_rate {result.sample_rate}, advertised "
            f"{model.sample_rate}: they must agree"
        )
    import numpy as np

    if samples.size == 0 or not np.all(np.isfinite(samples)):
        raise CheckFailed("generated audio is empty or has non-finite samples")
    if abs(samples.size / rate - result.duration) > 0.05:
        raise CheckFailed(f"duration {result.duration} does not match {samples.size / rate:.3f} s")


@check
def generate_raw_wav(target: Target) -> None:
    """`Accept: audio/wav` returns the WAV itself."""
    body, model = target.speakable()
    response = target.http.post(
        "/tts/generate", json={**body, "text": "Raw audio."}, headers={"Accept": "audio/wav"}
    )
    expect_status(response, 200)
    if not response.headers.get("content-type", "").startswith("audio/wav"):
        raise CheckFailed(f"content-type is {response.headers.get('content-type')}, not audio/wav")
    _, rate = decode_wav(response.content)
    if rate != model.sample_rate:
        raise CheckFailed(f"WAV rate {rate} differs from the advertised {model.sample_rate}")


@check
def rejects_empty_text(target: Target) -> None:
    """Empty text gets a 4xx that names `text`."""
    body, _ = target.speakable()
    expect_error(target.http.post("/tts/generate", json={**body, "text": ""}), (400, 422), "text")


@check
def rejects_unusable_text(target: Target) -> None:
    """Text with a NUL character, or with nothing to speak, gets a 4xx naming `text`."""
    body, _ = target.speakable()
    for text in ("Hello\x00world.", "...", "\u200b\u200b"):
        response = target.http.post("/tts/generate", json={**body, "text": text})
        expect_error(response, (400, 422), "text")


@check
def rejects_wrong_types(target: Target) -> None:
    """Wrong JSON types get a 4xx naming the field."""
    expect_error(target.http.post("/tts/generate", json={"text": 123}), (400, 422), "text")
    expect_error(
        target.http.post("/tts/generate", json={"text": "hi", "seed": "abc"}), (400, 422), "seed"
    )
    expect_error(target.http.post("/tts/generate", json=["text"]), (400, 422))


@check
def rejects_invalid_json(target: Target) -> None:
    """A body that is not JSON gets a 4xx."""
    response = target.http.post(
        "/tts/generate", content=b"{not json", headers={"content-type": "application/json"}
    )
    expect_error(response, (400, 422), "json")


@check
def rejects_unknown_engine(target: Target) -> None:
    """An unknown engine gets a 4xx naming it."""
    response = target.http.post("/tts/generate", json={"text": "hi", "engine": "no-such-engine"})
    expect_error(response, (400, 404, 422), "no-such-engine")


@check
def rejects_unknown_field(target: Target) -> None:
    """An unknown parameter is refused, never silently dropped."""
    response = target.http.post("/tts/generate", json={"text": "hi", "temperature_x": 2})
    expect_error(response, (400, 422), "temperature_x")


@check
def rejects_oversize_text(target: Target) -> None:
    """Text over the limit gets 413 or 422 with the limit in the message."""
    body, _ = target.speakable()
    response = target.http.post("/tts/generate", json={**body, "text": "a" * (MAX_TEXT_CHARS + 1)})
    expect_error(response, (413, 422), str(MAX_TEXT_CHARS))


@check
def rejects_oversize_upload(target: Target) -> None:
    """A body over the upload limit gets 413 with the limit in the message."""
    size = MAX_UPLOAD_BYTES + 1024 * 1024
    try:
        response = target.http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("big.wav", b"\0" * size, "audio/wav")},
        )
    except httpx.TransportError as exc:
        raise CheckFailed(
            f"an oversize upload broke the connection instead of 413: {exc}"
        ) from None
    expect_error(response, (413,), str(MAX_UPLOAD_BYTES // (1024 * 1024)))


@check
def rejects_corrupt_audio(target: Target) -> None:
    """Audio that does not decode gets a 4xx (or a 4xx saying the engine cannot clone)."""
    engine, model = target.chosen()[0]
    response = target.http.post(
        "/tts/create_voice_prompt",
        files={"audio": ("broken.wav", b"RIFF\x00\x00not really audio", "audio/wav")},
        data={"engine": engine, "model_size": model.model_size},
    )
    expect_error(response, (400, 415, 422))


@check
def rejects_missing_audio(target: Target) -> None:
    """A voice-prompt request without audio gets a 4xx naming `audio`."""
    response = target.http.post(
        "/tts/create_voice_prompt", files={"reference_text": (None, "hello")}
    )
    expect_error(response, (400, 422), "audio")


@check
def preset_models_refuse_cloning(target: Target) -> None:
    """A model without `clone` refuses to make a voice prompt with a 4xx about cloning."""
    engine, model = target.model_without("clone")
    response = target.http.post(
        "/tts/create_voice_prompt",
        files={"audio": ("reference.wav", reference_wav(), "audio/wav")},
        data={"engine": engine, "model_size": model.model_size},
    )
    expect_error(response, (400, 409, 422), "clone")


@check
def clone_round_trip(target: Target) -> None:
    """A clone model makes a portable prompt and speaks with it."""
    engine, model = target.model_with("clone")
    prompt = target.create_prompt(engine, model)
    if prompt.get("engine") != engine or prompt.get("model") != model.model_size:
        raise CheckFailed(f"prompt says {prompt.get('engine')}/{prompt.get('model')}")
    base64.b64decode(prompt["data"], validate=True)
    seed = {"seed": target.seed} if model.capabilities.reproducible and target.seed else {}
    response = target.http.post(
        "/tts/generate",
        json={
            "engine": engine,
            "model_size": model.model_size,
            "voice_prompt": prompt,
            "text": "Cloned.",
            **seed,
        },
    )
    expect_status(response, 200)
    mismatch = {**prompt, "engine": "another-engine"}
    response = target.http.post(
        "/tts/generate",
        json={
            "engine": engine,
            "model_size": model.model_size,
            "voice_prompt": mismatch,
            "text": "Mismatch.",
        },
    )
    expect_error(response, (409,), "another-engine")


@check
def streaming(target: Target) -> None:
    """A streaming model sends audio pieces as NDJSON, then `done`."""
    engine, model = target.model_with("streaming")
    body, _ = target.speakable(engine, model)
    events = []
    with target.http.stream(
        "POST", "/tts/stream", json={**body, "text": "First sentence. Second sentence."}
    ) as response:
        expect_status(response, 200)
        for line in response.iter_lines():
            if line.strip():
                events.append(json.loads(line))
    kinds = [e.get("event") for e in events]
    if not kinds or kinds[-1] != "done" or "audio" not in kinds:
        raise CheckFailed(f"stream events were {kinds}; expected audio pieces, then done")
    for event in events[:-1]:
        _, rate = decode_wav(base64.b64decode(event["audio"]))
        if rate != model.sample_rate:
            raise CheckFailed(f"stream piece at {rate} Hz, advertised {model.sample_rate}")


def _models_extension(response: httpx.Response) -> None:
    """NotApplicable when the provider does not serve the optional /tts/models endpoints."""
    if response.status_code not in (404, 405):
        return
    try:
        code = response.json()["error"]["code"]
    except (json.JSONDecodeError, KeyError, TypeError):
        code = None
    if code in (None, "not_found", "method_not_allowed"):
        raise NotApplicable("no /tts/models endpoints (an optional extension)")


@check
def models_refuse_unknown_model(target: Target) -> None:
    """Model download and delete (extension) refuse an unknown model size with a 4xx naming it;
    nothing is downloaded or deleted."""
    engine, _ = target.chosen()[0]
    for path in ("/tts/models/delete", "/tts/models/download"):
        response = target.http.post(path, json={"engine": engine, "model_size": "no-such-size"})
        _models_extension(response)
        expect_error(response, (400, 404, 422), "no-such-size")


@check
def models_refuse_deleting_packaged(target: Target) -> None:
    """Deleting a packaged model (`managed: false`, extension) is refused: 409 model_packaged."""
    packaged = [(e, m) for e, m in target.chosen() if not m.managed]
    if not packaged:
        raise NotApplicable("every model is managed (downloadable and deletable)")
    engine, model = packaged[0]
    response = target.http.post(
        "/tts/models/delete", json={"engine": engine, "model_size": model.model_size}
    )
    _models_extension(response)
    expect_error(response, (409, 422))
    if response.json()["error"]["code"] != "model_packaged":
        raise CheckFailed(f"expected code model_packaged: {response.text[:300]}")
    after = DescribeResponse.model_validate_json(target.http.get("/tts/describe").content)
    still = [m for e in after.engines if e.name == engine for m in e.models]
    if model.downloaded and not any(
        m.model_size == model.model_size and m.downloaded for m in still
    ):
        raise CheckFailed(f"{engine}/{model.model_size} is no longer available after the refusal")


@check
def unknown_route(target: Target) -> None:
    """An unknown path gets 404 in the error envelope."""
    expect_error(target.http.get("/tts/no-such-endpoint"), (404,))
