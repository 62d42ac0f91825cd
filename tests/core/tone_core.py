"""A real core (uvicorn on 127.0.0.1, its own SQLite data dir) whose provider manager uses the
SDK's tone engine, served on 127.0.0.1, as its remote provider: the whole API in seconds, with
no model. A local provider start fails at once (its command exits), so nothing heavy spawns."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import Settings
from tests.core.conftest import CoreServer, start_core
from tests.provider_sdk.conftest import TOKEN, serve_engines
from tests.provider_sdk.tone_engine import ToneEngine

NO_LOCAL_PROVIDER = [sys.executable, "-c", "raise SystemExit(3)"]


@dataclass
class ToneCore:
    server: CoreServer
    engine: ToneEngine
    provider_url: str

    def preset_profile(self) -> int:
        body = {"name": "Tone", "voice_type": "preset", "preset_engine": "tone"}
        body["preset_voice"] = "a4"
        response = self.server.http.post("/profiles", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def generate(self, profile_id: int, text: str, **fields: Any) -> dict[str, Any]:
        """POST /generate with the preset tone model; the created generation."""
        body = {"profile_id": profile_id, "text": text, "model_size": "preset"} | fields
        response = self.server.http.post("/generate", json=body)
        assert response.status_code == 202, response.text
        return dict(response.json()["generations"][0])


@contextmanager
def tone_core(
    data_dir: Path, engine: ToneEngine | None = None, **settings: Any
) -> Iterator[ToneCore]:
    engine = engine or ToneEngine()
    with serve_engines([engine]) as url:
        fields: dict[str, Any] = {"data_dir": data_dir, "provider_command": NO_LOCAL_PROVIDER}
        server = start_core(Settings(**(fields | settings)))
        try:
            saved = server.http.put("/providers/remote", json={"url": url, "token": TOKEN})
            assert saved.status_code == 200, saved.text
            chosen = server.http.put("/providers/selection", json={"provider": "remote"})
            assert chosen.status_code == 200, chosen.text
            yield ToneCore(server, engine, url)
        finally:
            server.stop()
