"""A provider flavor: one executable per hardware, serving the engines it carries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from provider_sdk.engine import Engine
from provider_sdk.info import DeviceInfo
from provider_sdk.launch import ProviderSpec
from providers import __version__
from providers.catalog import ENGINES
from providers.devices import list_devices


def flavor_spec(
    provider: str,
    engines: Sequence[str],
    *,
    device: Callable[[], DeviceInfo] = DeviceInfo,
    preflight: Callable[[], str | None] = lambda: None,
) -> ProviderSpec:
    """The spec of a flavor that carries `engines` (those not installed are left out)."""
    installed = [name for name in engines if ENGINES[name].installed()]

    def make_engines(data_dir: Path, names: Sequence[str]) -> list[Engine]:
        if not names:
            raise SystemExit(
                f"{provider}: none of its engines ({', '.join(engines)}) is installed; install "
                "an engine extra, e.g. pip install 'voicebox[piper]'"
            )
        return [ENGINES[name].build(data_dir / "models" / name) for name in names]

    return ProviderSpec(
        provider=provider,
        version=__version__,
        engine_names=installed,
        make_engines=make_engines,
        list_devices=list_devices,
        device=device,
        preflight=preflight,
    )
