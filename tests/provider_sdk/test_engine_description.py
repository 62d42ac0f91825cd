"""An engine's `description` (what it is for) is optional in the spec: a provider that predates
it (no `description` in its describe body) still validates and passes the conformance suite,
and an engine class without the attribute is described with an empty one."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import Request, Response

from provider_sdk.conformance import report, run_conformance
from provider_sdk.models import DescribeResponse, EngineInfo
from provider_sdk.server import ProviderInfo, create_provider_app
from tests.provider_sdk.conftest import TOKEN, serve_app
from tests.provider_sdk.tone_engine import ToneEngine

OLD_ENGINE = {
    "name": "old",
    "display_name": "Old",
    "default_model_size": "base",
    "models": [
        {
            "model_size": "base",
            "display_name": "Old base",
            "size_mb": 10,
            "languages": ["en"],
            "sample_rate": 16000,
            "capabilities": {"preset": True},
        }
    ],
}

# ToneEngine as it was before engines said what they are for: the same class, minus the field.
OldToneEngine = type(
    "OldToneEngine",
    (),
    {k: v for k, v in vars(ToneEngine).items() if k not in ("description", "__dict__")},
)


def test_engine_info_without_description_validates() -> None:
    info = EngineInfo.model_validate(OLD_ENGINE)
    assert info.description == ""
    body = {"provider": "p", "version": "1", "spec_version": "1.0", "engines": [OLD_ENGINE]}
    assert DescribeResponse.model_validate(body).engines[0].description == ""
    described = EngineInfo.model_validate(OLD_ENGINE | {"description": "Small and fast."})
    assert described.description == "Small and fast."


@contextmanager
def serve_without_descriptions() -> Iterator[str]:
    """The SDK app over an engine without `description`, its describe body stripped of the
    key, as a provider built before it existed sends it; on 127.0.0.1 (real HTTP)."""
    engine = OldToneEngine()
    assert not hasattr(engine, "description")
    app = create_provider_app(ProviderInfo("old-provider", "0.9.0"), [engine], token=TOKEN)

    @app.middleware("http")
    async def strip(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        response = await call_next(request)
        if request.url.path != "/tts/describe" or response.status_code != 200:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        data = json.loads(body)
        for described in data["engines"]:
            assert described.pop("description") == ""  # the SDK's default for such an engine
        return Response(json.dumps(data), media_type="application/json")

    with serve_app(app) as url:
        yield url


def test_a_provider_that_sends_no_description_passes_conformance() -> None:
    with serve_without_descriptions() as url:
        raw = httpx.get(
            f"{url}/tts/describe", headers={"Authorization": f"Bearer {TOKEN}"}, trust_env=False
        )
        assert raw.status_code == 200, raw.text
        assert all("description" not in e for e in raw.json()["engines"])
        outcomes = run_conformance(url, TOKEN)
        text = report(outcomes)
        assert not [o for o in outcomes if o.result == "fail"], text
        assert any(o.check == "describe" and o.result == "pass" for o in outcomes), text
