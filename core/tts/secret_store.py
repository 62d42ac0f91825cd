"""Where provider secrets (the OpenAI API key, a remote provider's token) are kept.

The OS keyring when a real backend is available (macOS Keychain, Windows Credential Locker,
Secret Service); else `<data dir>/secrets.json`, created with mode 0600 and rewritten
atomically. Secrets are never written to the settings file or logs."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from core.logging import get_logger

log = get_logger("secrets")
SERVICE = "voicebox"


def keyring_usable() -> bool:
    """True when keyring has a real (non-fail, non-null) backend."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring) or "null" in type(backend).__module__:
        return False
    return float(getattr(backend, "priority", 0)) > 0


class SecretStore:
    def __init__(self, data_dir: Path, *, use_keyring: bool | None = None) -> None:
        self.path = data_dir / "secrets.json"
        self._use_keyring = use_keyring

    @property
    def use_keyring(self) -> bool:
        """Decided on first use: probing keyring's backends costs ~0.3 s of start-up."""
        if self._use_keyring is None:
            self._use_keyring = keyring_usable()
        return self._use_keyring

    @property
    def backend(self) -> str:
        return "keyring" if self.use_keyring else f"file {self.path} (mode 0600)"

    def get(self, name: str) -> str | None:
        if self.use_keyring:
            try:
                import keyring

                return keyring.get_password(SERVICE, name)
            except Exception as exc:
                log.warning("keyring read failed (%s); using the secrets file", exc)
        return self._read().get(name)

    def set(self, name: str, value: str | None) -> None:
        if self.use_keyring:
            try:
                import keyring

                if value is None:
                    with contextlib.suppress(Exception):
                        keyring.delete_password(SERVICE, name)
                else:
                    keyring.set_password(SERVICE, name, value)
                return
            except Exception as exc:
                log.warning("keyring write failed (%s); using the secrets file", exc)
        data = self._read()
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
        self._write(data)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.chmod(tmp, 0o600)  # a umask cannot widen it, but an existing file might be wider
        os.replace(tmp, self.path)
