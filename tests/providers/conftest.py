from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from provider_sdk.launch import ProviderProcess, launch_provider


@pytest.fixture(scope="session")
def piper_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderProcess]:
    """The real pytorch-cpu provider process (Piper), started through the handshake."""
    process = launch_provider(
        [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"],
        data_dir=Path(tmp_path_factory.mktemp("piper-provider")),
        token=secrets.token_urlsafe(16),
        startup_timeout=60,
    )
    yield process
    process.stop()
