"""Property-based tier for the provider: schemathesis generates requests from the provider's
own OpenAPI (valid ones and ones that break the schema) and sends them in process (ASGI, no
port) to `create_provider_app` over the tone engine; and Hypothesis sends any text at all
(lone surrogates, NUL, controls, zero-width characters) to /tts/generate and /tts/stream.

No answer may be a 5xx; every error is the spec's envelope `{"error": {"code", "message"}}`;
accepted text gives finite audio, and every stream ends with exactly one `done` or `error`.
Seeded (derandomized) and bounded, so every run sends the same requests."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
import schemathesis
import soundfile as sf
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from provider_sdk.server import ProviderInfo, create_provider_app
from tests.provider_sdk.conftest import TOKEN
from tests.provider_sdk.tone_engine import ToneEngine

EXAMPLES_PER_OPERATION = 50
TEXT_EXAMPLES = 400
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def seeded(examples: int) -> settings:
    """The same `examples` cases on every run: derandomized, no example database."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


# Any character, surrogates included, and more often the ones that used to break providers.
AWKWARD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u200d", "\ufeff", "\ud800"]
AWKWARD += ["\udfff", ".", "…", "!", " ", "\n", "a", "H", "o", "中", "é"]
TEXTS = st.text(
    alphabet=st.characters(exclude_categories=()) | st.sampled_from(AWKWARD),
    min_size=1,
    max_size=80,
)


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_provider_app(
        ProviderInfo("fuzz-provider", "1.0.0"), [ToneEngine()], token=TOKEN, keep_alive_s=None
    )


def check_answer(response: Any, where: str) -> None:
    """Below 500, and an error is the spec's envelope with a code and a message."""
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict) and set(error) == {"code", "message"}, f"{where}: {body}"
        assert isinstance(error["code"], str) and error["code"], f"{where}: {body}"
        assert isinstance(error["message"], str) and error["message"], f"{where}: {body}"
        assert "Traceback" not in error["message"], f"{where}: {body}"


def test_every_operation_answers_below_500_in_the_envelope(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=AUTH)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {"POST /tts/generate", "POST /tts/stream", "POST /tts/create_voice_prompt"} <= labels
    failures: list[str] = []
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @seeded(EXAMPLES_PER_OPERATION)
        @given(case=cases)
        def run(case: Any) -> None:
            response = case.call(headers=AUTH)
            check_answer(response, f"{case.method} {case.formatted_path}")

        try:
            run()
        except AssertionError as exc:
            failures.append(f"{operation.label}: {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for every example (the app's lock lives on it)."""
    running = asyncio.new_event_loop()
    yield running
    running.close()


def _json(body: dict[str, Any]) -> dict[str, Any]:
    """ASCII JSON: lone surrogates travel as escapes, as any JSON client may send them."""
    return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}


def _finite_wav(data: bytes) -> None:
    samples, _ = sf.read(io.BytesIO(data), dtype="float32")
    assert samples.size > 0 and np.all(np.isfinite(samples))


async def _check_text(http: httpx.AsyncClient, text: str, prompt: dict[str, Any]) -> None:
    preset = {"engine": "tone", "model_size": "preset", "text": text}
    response = await http.post("/tts/generate", **_json(preset))
    check_answer(response, f"generate {text!r}")
    assert response.status_code in (200, 422), f"{text!r}: {response.text[:300]}"
    if response.status_code == 200:
        _finite_wav(base64.b64decode(response.json()["audio"]))
    clone = {"engine": "tone", "model_size": "clone", "voice_prompt": prompt, "text": text}
    response = await http.post("/tts/stream", **_json(clone))
    check_answer(response, f"stream {text!r}")
    if response.status_code != 200:
        return
    events = [json.loads(line) for line in response.text.splitlines() if line]
    kinds = [e["event"] for e in events]
    assert kinds and kinds[-1] in ("done", "error") and set(kinds[:-1]) <= {"audio"}, kinds
    for event in events[:-1]:
        _finite_wav(base64.b64decode(event["audio"]))


def test_any_text_gives_finite_audio_or_a_4xx(
    app: FastAPI, loop: asyncio.AbstractEventLoop
) -> None:
    from tests.provider_sdk.test_app import tone_wav

    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://provider", headers=AUTH
    )
    made = loop.run_until_complete(
        http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("a.wav", tone_wav())},
            data={"engine": "tone", "model_size": "clone"},
        )
    )
    assert made.status_code == 200, made.text
    prompt = made.json()["voice_prompt"]

    @seeded(TEXT_EXAMPLES)
    @given(text=TEXTS)
    def run(text: str) -> None:
        loop.run_until_complete(_check_text(http, text, prompt))

    try:
        run()
    finally:
        loop.run_until_complete(http.aclose())


def test_the_check_is_not_vacuous() -> None:
    """A 500, or an error outside the envelope, fails `check_answer`."""
    server_error = httpx.Response(500, json={"error": {"code": "x", "message": "y"}})
    with pytest.raises(AssertionError):
        check_answer(server_error, "x")
    with pytest.raises(AssertionError):
        check_answer(httpx.Response(422, json={"detail": "bad"}), "x")
    check_answer(httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}}), "x")
