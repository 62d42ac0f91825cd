"""A core served over real HTTP whose provider is the SDK server over the tiny tone engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.core.conftest import CoreServer
from tests.provider_sdk.conftest import TOKEN, serve_engines
from tests.provider_sdk.tone_engine import ToneEngine


@pytest.fixture(scope="module")
def tone_url() -> Iterator[str]:
    with serve_engines([ToneEngine()]) as url:
        yield url


@pytest.fixture
def tone_core(make_core: Callable[..., CoreServer], tone_url: str) -> CoreServer:
    return make_core(speech=False, provider_url=tone_url, provider_token=TOKEN)


def tone_voice(core: CoreServer, name: str = "Tone") -> int:
    body = {"name": name, "voice_type": "preset", "preset_engine": "tone", "preset_voice": "a4"}
    response = core.http.post("/profiles", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def generate(core: CoreServer, profile_id: int, text: str, **extra: Any) -> dict[str, Any]:
    body = {"profile_id": profile_id, "text": text, "model_size": "preset", **extra}
    response = core.http.post("/generate", json=body)
    assert response.status_code == 202, response.text
    done = core.wait(response.json()["generations"][0]["id"])
    assert done["status"] == "completed", done
    return done
