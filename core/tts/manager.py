"""ProviderManager: the core's provider manager. It knows which provider is selected (persisted),
spawns and supervises local providers (installed builds, or the source checkout in dev), builds
the remote and OpenAI adapters, and reaps providers an earlier run left behind.

`manager.selected` is the one TTSProvider the core's queue uses: it resolves the active choice on
every call, so a new selection takes effect for the next request, also in async code.

Installing, updating and uninstalling live in `core.tts.manager_install` (same object)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import CoreError, NotFoundError, ProviderUnavailable, ValidationFailed
from core.logging import get_logger
from core.tts.base import (
    ModelsOverview,
    ProviderInfo,
    ProviderState,
    ReferenceSample,
    Synthesis,
    TTSProvider,
)
from core.tts.choice import AUTO, OPENAI, REMOTE, ChoiceStore, OpenAIChoice, RemoteChoice
from core.tts.lifecycle import Backoff, Failure, LaunchConfig, Phase
from core.tts.local_provider import LocalProvider
from core.tts.manager_install import Installs
from core.tts.openai_provider import OpenAIProvider
from core.tts.pidfile import PidFiles
from core.tts.provider_ops import log_tail
from core.tts.remote_provider import ConformanceSummary, RemoteProvider
from core.tts.secret_store import SecretStore
from core.tts.supervisor import Listener, ProviderSupervisor
from installer.install import Installer
from provider_sdk.models import (
    DescribeResponse,
    GenerateRequest,
    HealthResponse,
    StreamPiece,
    VoicePrompt,
)

log = get_logger("provider-manager")
SOURCE_ID = "pytorch-cpu"
"""In a source checkout, this provider id runs from source when it is not installed."""
REMOTE_TOKEN = "remote-provider-token"  # noqa: S105 - a secret's name, not a secret
OPENAI_KEY = "openai-api-key"
PREFERENCE = ("pytorch-cuda", "mlx", "pytorch-cpu")


def source_command() -> list[str] | None:
    """`python -m providers.pytorch_cpu` in a source checkout; None in a frozen app."""
    if getattr(sys, "frozen", False):
        return None
    return [sys.executable, "-m", "providers.pytorch_cpu"]


@dataclass
class ManagerConfig:
    data_dir: Path
    index_url: str | None = None
    """Release index (http(s) URL or a file path); None: install/update are unavailable."""
    source_command: list[str] | None = field(default_factory=source_command)
    listen_timeout_s: float = 60.0
    stall_timeout_s: float = 120.0
    idle_unload_s: float | None = 300.0
    stop_grace_s: float = 5.0
    request_timeout_s: float = 600.0
    backoff: Backoff = field(default_factory=Backoff)
    use_keyring: bool | None = None
    """None: the OS keyring when a backend exists, else a 0600 file."""

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> ManagerConfig:
        """From the core's Settings (reads optional fields when the core has them)."""
        fields: dict[str, Any] = {"data_dir": Path(settings.data_dir)}
        if getattr(settings, "provider_command", None):
            fields["source_command"] = list(settings.provider_command)
        if getattr(settings, "provider_index_url", None):
            fields["index_url"] = settings.provider_index_url
        if getattr(settings, "provider_start_timeout_s", None):
            fields["listen_timeout_s"] = float(settings.provider_start_timeout_s)
        if getattr(settings, "provider_request_timeout_s", None):
            fields["request_timeout_s"] = float(settings.provider_request_timeout_s)
        fields.update(overrides)
        return cls(**fields)


class ProviderManager:
    def __init__(self, config: ManagerConfig, *, reap: bool = True) -> None:
        self.config = config
        data = config.data_dir
        data.mkdir(parents=True, exist_ok=True)
        self.installer = Installer(data / "providers")
        self.pidfiles = PidFiles(data / "run")
        self.secrets = SecretStore(data, use_keyring=config.use_keyring)
        self.choice = ChoiceStore(data / "provider-choice.json")
        self.supervisors: dict[str, ProviderSupervisor] = {}
        self.locals: dict[str, LocalProvider] = {}
        self.listeners: list[Listener] = []
        """Called on every state change of every local provider (e.g. to publish an event)."""
        self._remote: RemoteProvider | None = None
        self._openai: OpenAIProvider | None = None
        self.selected = SelectedProvider(self)
        self.installs = Installs(self)
        self.reaped = self.pidfiles.reap_stale() if reap else []

    # ------------------------------------------------------------------ local providers

    def local_ids(self) -> list[str]:
        ids = [p.id for p in self.installer.list_installed()]
        if self.config.source_command and SOURCE_ID not in ids:
            ids.append(SOURCE_ID)
        return ids

    def command_for(self, provider_id: str) -> list[str]:
        """How to run a local provider; refuses an incompatible install with its reason."""
        try:
            installed = self.installer.installed(provider_id)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="provider") from None
        if installed is not None:
            compat = installed.compatibility()
            if not compat.ok:
                raise ProviderUnavailable(
                    f"{provider_id} {installed.version} is installed but cannot be started: "
                    f"{compat.reason}"
                )
            return [str(installed.entrypoint)]
        if provider_id == SOURCE_ID and self.config.source_command:
            return list(self.config.source_command)
        raise NotFoundError(
            f"provider {provider_id!r} is not installed; install it first "
            f"(POST /providers/{provider_id}/install)",
            field="provider",
        )

    def supervisor(self, provider_id: str) -> ProviderSupervisor:
        command = self.command_for(provider_id)
        sup = self.supervisors.get(provider_id)
        if sup is None:
            cfg = self.config
            sup = ProviderSupervisor(
                LaunchConfig(
                    provider_id=provider_id,
                    command=command,
                    data_dir=cfg.data_dir / "provider-data" / provider_id,
                    log_path=self.log_path(provider_id),
                    listen_timeout_s=cfg.listen_timeout_s,
                    stall_timeout_s=cfg.stall_timeout_s,
                    idle_unload_s=cfg.idle_unload_s,
                    stop_grace_s=cfg.stop_grace_s,
                    request_timeout_s=cfg.request_timeout_s,
                    backoff=cfg.backoff,
                ),
                self.pidfiles,
            )
            sup.listeners.append(self._relay)
            self.supervisors[provider_id] = sup
        elif not sup.running:
            sup.config.command = command  # an update may have moved the entrypoint
        return sup

    def _relay(self, provider_id: str, phase: Phase, failure: Failure | None) -> None:
        for listener in list(self.listeners):
            try:
                listener(provider_id, phase, failure)
            except Exception:
                log.exception("provider state listener failed")

    def local(self, provider_id: str) -> LocalProvider:
        sup = self.supervisor(provider_id)
        adapter = self.locals.get(provider_id)
        if adapter is None or adapter.supervisor is not sup:
            adapter = self.locals[provider_id] = LocalProvider(sup)
        return adapter

    def auto_local(self) -> tuple[str, str]:
        """The local provider Auto uses, and why."""
        usable = []
        for inst in self.installer.list_installed():
            if inst.compatibility().ok:
                usable.append(inst.id)
        for pid in PREFERENCE:
            if pid in usable:
                return pid, f"{pid} is installed and compatible"
        if usable:
            return usable[0], f"{usable[0]} is the only compatible installed provider"
        if self.config.source_command:
            return SOURCE_ID, "no provider is installed: running pytorch-cpu from the source"
        raise ProviderUnavailable(
            "no speech provider is installed; install one in Settings → Providers"
        )

    # ------------------------------------------------------------------ remote and OpenAI

    def remote(self) -> RemoteProvider:
        conf = self.choice.value.remote
        if conf is None:
            raise ProviderUnavailable(
                "no remote provider is set; set its URL and token (PUT /providers/remote)"
            )
        token = self.secrets.get(REMOTE_TOKEN) or ""
        current = self._remote
        if current is None or (current.url, current.token) != (conf.url.rstrip("/"), token):
            self._remote = RemoteProvider(REMOTE, conf.url, token, verify=conf.verify)
        assert self._remote is not None
        return self._remote

    def openai(self) -> OpenAIProvider:
        conf = self.choice.value.openai
        key = self.secrets.get(OPENAI_KEY)
        current = self._openai
        if (
            current is None
            or current.api_key != key
            or current.base_url != (conf.base_url.rstrip("/") if conf.base_url else None)
        ):
            current = self._openai = OpenAIProvider(
                OPENAI, key, base_url=conf.base_url, voices=conf.voices, models=conf.models
            )
        return current

    async def set_remote(
        self, url: str, token: str, verify: bool | str = True
    ) -> ConformanceSummary:
        """Connect first (wrong token or URL: a clear error, nothing saved), then save."""
        trial = RemoteProvider(REMOTE, url, token, verify=verify)
        try:
            summary = await trial.connect()
        finally:
            await trial.stop()
        self.secrets.set(REMOTE_TOKEN, token)
        value = self.choice.value.model_copy(
            update={"remote": RemoteChoice(url=url, verify=verify)}
        )
        self.choice.save(value)
        return summary

    def set_openai(
        self, api_key: str | None, base_url: str | None, voices: list[str] | None = None
    ) -> None:
        if api_key is not None:
            self.secrets.set(OPENAI_KEY, api_key or None)
        conf = OpenAIChoice(base_url=base_url or None, voices=voices or None)
        self.choice.save(self.choice.value.model_copy(update={"openai": conf}))

    # ------------------------------------------------------------------ selection

    def provider(self, provider_id: str) -> TTSProvider:
        if provider_id == REMOTE:
            return self.remote()
        if provider_id == OPENAI:
            return self.openai()
        if provider_id == AUTO:
            return self.local(self.auto_local()[0])
        return self.local(provider_id)

    def active_id(self) -> str:
        active = self.choice.value.active
        return self.auto_local()[0] if active == AUTO else active

    def active(self) -> TTSProvider:
        """The selected provider, resolved now (the choice may change between calls)."""
        return self.provider(self.choice.value.active)

    async def select(self, provider_id: str) -> None:
        if provider_id not in (AUTO, REMOTE, OPENAI):
            self.command_for(provider_id)  # refuses unknown or incompatible ones
        elif provider_id == REMOTE:
            self.remote()
        self.choice.save(self.choice.value.model_copy(update={"active": provider_id}))
        log.info("provider selection: %s", provider_id)
        try:
            keep: str | None = self.active_id()
        except CoreError:
            keep = None  # Auto with nothing usable yet: the next request says why
        for pid, sup in list(self.supervisors.items()):
            if pid != keep and sup.running and sup.inflight == 0:
                await sup.stop()  # free the memory of a provider no longer in use

    async def test(self, provider_id: str) -> dict[str, Any]:
        """Prove a provider works: start it (or connect) and ask its health."""
        provider = self.provider(provider_id)
        summary = None
        if isinstance(provider, RemoteProvider):
            summary = (await provider.connect()).as_dict()
        health = await provider.health()
        return {"ok": True, "health": health.model_dump(mode="json"), "conformance": summary}

    async def start(self, provider_id: str) -> None:
        await self.provider(provider_id).start()

    async def restart(self, provider_id: str) -> None:
        """Stop (when running) and start again; a failed provider gets a fresh try now."""
        await self.stop(provider_id)
        await self.start(provider_id)

    def log_path(self, provider_id: str) -> Path:
        return self.config.data_dir / "logs" / "providers" / f"{provider_id}.log"

    def log_lines(self, provider_id: str, lines: int) -> dict[str, Any]:
        """Recent lines of a local provider's log file (written by its supervisor)."""
        path = self.log_path(provider_id)
        known = set(self.local_ids()) | set(self.supervisors) | set(self.installs.state)
        if provider_id not in known and not path.exists():
            raise NotFoundError(
                f"no local provider {provider_id!r}; known: {', '.join(sorted(known)) or 'none'}",
                field="provider",
            )
        return {"provider": provider_id, "path": str(path), "lines": log_tail(path, lines)}

    async def stop(self, provider_id: str) -> None:
        if provider_id in self.supervisors:
            await self.supervisors[provider_id].stop()
        elif provider_id in (REMOTE, OPENAI):
            await self.provider(provider_id).stop()

    def state_of(self, provider_id: str) -> Phase:
        phase = self.installs.phase(provider_id)
        if phase in (Phase.downloading, Phase.verifying):
            return phase
        sup = self.supervisors.get(provider_id)
        if sup is not None and sup.phase != Phase.stopped:
            return sup.phase
        if self.installer.installed(provider_id) is not None or (
            provider_id == SOURCE_ID and self.config.source_command
        ):
            return Phase.installed if sup is None else Phase.stopped
        return Phase.not_installed

    async def close(self) -> None:
        """Stop every spawned provider (graceful), close connections."""
        for sup in list(self.supervisors.values()):
            await sup.stop()
        for adapter in (self._remote, self._openai):
            if adapter is not None:
                await adapter.stop()


class SelectedProvider(TTSProvider):
    """The active provider, looked up on every call: the core's queue holds this one."""

    kind = "selected"

    def __init__(self, manager: ProviderManager, provider_id: str = "voicebox") -> None:
        self.manager = manager
        self.id = provider_id

    async def start(self) -> None:
        await self.manager.active().start()

    async def stop(self) -> None:
        await self.manager.close()

    async def health(self) -> HealthResponse:
        return await self.manager.active().health()

    async def describe(self) -> DescribeResponse:
        return await self.manager.active().describe()

    async def model_overview(self) -> ModelsOverview:
        return await self.manager.active().model_overview()

    async def create_voice_prompt(
        self, samples: list[ReferenceSample], engine: str, model_size: str
    ) -> VoicePrompt:
        return await self.manager.active().create_voice_prompt(samples, engine, model_size)

    async def generate(self, request: GenerateRequest) -> Synthesis:
        return await self.manager.active().generate(request)

    async def stream(self, request: GenerateRequest) -> AsyncGenerator[StreamPiece, None]:
        async with contextlib.aclosing(self.manager.active().stream(request)) as pieces:
            async for piece in pieces:
                yield piece

    def info(self) -> ProviderInfo:
        try:
            return self.manager.active().info()
        except Exception as exc:  # info() must answer even when nothing is usable
            message = getattr(exc, "message", str(exc))
            return ProviderInfo(self.id, self.kind, ProviderState.failed, message)
