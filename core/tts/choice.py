"""The persisted provider choice: which provider is active, and how to reach the remote and
OpenAI ones (secrets live in the `SecretStore`, never here).

`<data dir>/provider-choice.json`, rewritten atomically; read at start, so the choice survives
restarts."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.logging import get_logger

log = get_logger("provider-choice")
AUTO = "auto"
REMOTE = "remote"
OPENAI = "openai"


class RemoteChoice(BaseModel):
    url: str
    verify: bool | str = True
    """True: system CAs; a path: a CA bundle; False is not offered by the API."""


class OpenAIChoice(BaseModel):
    base_url: str | None = None
    voices: list[str] | None = None
    models: dict[str, bool] | None = None


class ProviderChoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    active: str = AUTO
    """`auto`, an installed local provider id, `remote` or `openai`."""
    remote: RemoteChoice | None = None
    openai: OpenAIChoice = Field(default_factory=OpenAIChoice)
    auto_update: bool = False


class ChoiceStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.value = self._load()

    def _load(self) -> ProviderChoice:
        try:
            return ProviderChoice.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return ProviderChoice()
        except (OSError, ValidationError, ValueError) as exc:
            log.warning("ignoring unreadable %s (%s); using Auto", self.path, exc)
            return ProviderChoice()

    def save(self, value: ProviderChoice) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value.model_dump(mode="json"), indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
        self.value = value
