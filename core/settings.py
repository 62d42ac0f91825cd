"""Settings: `VOICEBOX_*` environment variables, then a JSON settings file, then defaults.

The settings file is `VOICEBOX_SETTINGS_FILE` when set, else `<data dir>/settings.json`.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def default_data_dir() -> Path:
    return Path(os.environ.get("VOICEBOX_DATA_DIR") or user_data_dir("voicebox", "voicebox"))


def _settings_file(data_dir: Path | None = None) -> Path:
    explicit = os.environ.get("VOICEBOX_SETTINGS_FILE")
    return Path(explicit) if explicit else (data_dir or default_data_dir()) / "settings.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOICEBOX_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, description="Any SQLAlchemy URL; default: SQLite in the data dir."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=17493, ge=0, le=65535)
    api_key: str | None = Field(default=None, description="Required for non-loopback binds.")
    allowed_hosts: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    max_upload_mb: float = Field(default=50.0, gt=0)
    max_text_chars: int = Field(default=5000, ge=1, le=20_000)
    sample_min_s: float = 2.0
    sample_max_s: float = 30.0
    whisper_model: str = Field(
        default="tiny.en", description="'tiny.en' = the packaged model; else a folder or hub name."
    )
    whisper_threads: int = Field(default=2, ge=1)
    whisper_idle_s: float = Field(default=300.0, gt=0)
    provider_command: list[str] | None = Field(
        default=None, description="Command of the local provider; default: this Python's -m."
    )
    provider_index_url: str | None = Field(
        default=None,
        description="Release index of provider builds (URL or file); enables install/update.",
    )
    provider_url: str | None = Field(
        default=None, description="Use a provider someone runs (RemoteProvider) instead."
    )
    provider_token: str | None = None
    provider_start_timeout_s: float = Field(default=60.0, gt=0)
    provider_request_timeout_s: float = Field(default=600.0, gt=0)
    ui_dir: Path | None = Field(
        default=None, description="Built UI; default: the packaged copy, else ui/dist."
    )
    log_level: str = "INFO"

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        # `Settings(data_dir=...)` (e.g. `voicebox serve --data-dir`) reads that folder's file.
        given = getattr(init_settings, "init_kwargs", {}).get("data_dir")
        path = _settings_file(Path(given).expanduser() if given else None)
        if path.is_file():
            sources.append(JsonConfigSettingsSource(settings_cls, json_file=path))
        return tuple(sources)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'voicebox.db'}"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def is_loopback(self) -> bool:
        return host_is_loopback(self.host)

    def check_bind(self) -> None:
        """Refuse a non-loopback bind without an API key."""
        if not self.is_loopback and not self.api_key:
            raise ValueError(
                f"binding to {self.host} exposes Voicebox to the network; set VOICEBOX_API_KEY "
                "(or --api-key) first, or bind to 127.0.0.1"
            )


def host_is_loopback(host: str) -> bool:
    name = host.strip("[]")
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def save_setting(settings: Settings, key: str, value: Any) -> Path:
    """Write one key into the settings file (`VOICEBOX_SETTINGS_FILE`, else
    `<data dir>/settings.json`), keeping the other keys; written to a temp name and renamed.
    A `VOICEBOX_*` environment variable still wins over the file at the next start."""
    path = _settings_file(settings.data_dir)
    current: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8") or "{}")
            current = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            current = {}
    current[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    tmp.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
