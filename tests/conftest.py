"""The two test tiers. `pytest -m "not slow"` runs in process: ASGI apps, in-thread servers on
127.0.0.1, the tone engine. Tests that spawn real processes (a Piper provider, a provider
build, a second core, a CLI, a fresh interpreter) are `slow`: marked here, by the fixtures
they use or the module they are in, so no test file has to remember to. `make test` runs both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

REAL_PROCESS_FIXTURES = frozenset(
    {"piper", "piper_provider", "core_server", "speech_core", "speech_wav", "pg_url"}
)
"""Fixtures that spawn a real process: a Piper provider (or a core speaking through one), a
PostgreSQL server."""

REAL_PROCESS_MODULES = frozenset(
    {
        "core/test_cli.py",  # the voicebox CLI in a subprocess
        "core/test_packaging.py",  # builds and installs a wheel
        "core/test_postgres.py",  # a PostgreSQL server
        "core/test_manager_api.py",  # installs and spawns provider builds
        "core/test_manager_core.py",
        "core/test_manager_lifecycle.py",
        "core/test_mcp.py",  # `voicebox mcp` over stdio
        "core/test_openai_clients.py",  # a core speaking through Piper
        "core/test_resilience.py",  # a core process killed and restarted
        "core/test_ui_api.py",  # starts the CPU provider from source
        "core/test_streaming.py",
        "installer/test_build_recipe.py",
        "installer/test_pipeline.py",  # runs each installed build's --version
        "installer/test_real_release.py",
        "provider_sdk/test_launch.py",  # the launch handshake with real processes
        "providers/qwen/test_qwen_download.py",
        "providers/qwen/test_qwen_models_http.py",
        "providers/qwen/test_qwen_units.py",  # import shims checked in fresh interpreters
        "providers/test_kokoro_provider.py",
        "providers/test_piper_provider.py",
        "providers/test_pocket_provider.py",
        "providers/test_provider_memory.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = Path(str(item.fspath)).resolve()
        relative = module.relative_to(ROOT).as_posix() if module.is_relative_to(ROOT) else ""
        if (
            REAL_PROCESS_FIXTURES & set(getattr(item, "fixturenames", ()))
            or relative in REAL_PROCESS_MODULES
            or relative.startswith("e2e/")
        ):
            item.add_marker(pytest.mark.slow)
