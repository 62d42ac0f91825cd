"""The providers the core knows, and choosing engine, model and voice for a profile."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ProviderUnavailable, ValidationFailed
from core.store.models import Profile, VoiceType
from core.tts.base import TTSProvider
from provider_sdk.errors import ProviderError
from provider_sdk.models import EngineInfo, ModelInfo


@dataclass(frozen=True)
class Plan:
    provider_id: str
    engine: str
    model_size: str
    voice: str | None
    clone: bool
    instruct: str | None
    reproducible: bool


class ProviderRouter:
    def __init__(self, providers: list[TTSProvider]) -> None:
        self.providers: dict[str, TTSProvider] = {p.id: p for p in providers}

    def get(self, provider_id: str) -> TTSProvider:
        try:
            return self.providers[provider_id]
        except KeyError:
            raise ProviderUnavailable(f"provider {provider_id!r} is not configured") from None

    async def engines(self) -> dict[str, tuple[str, EngineInfo]]:
        found: dict[str, tuple[str, EngineInfo]] = {}
        errors: list[str] = []
        for provider in self.providers.values():
            try:
                described = await provider.describe()
            except ProviderError as exc:
                errors.append(f"{provider.id}: {exc.message}")
                continue
            for engine in described.engines:
                found.setdefault(engine.name, (provider.id, engine))
        if not found:
            detail = "; ".join(errors) or "no provider is configured"
            raise ProviderUnavailable(f"no speech provider is available ({detail})")
        return found

    async def plan(
        self,
        profile: Profile,
        engine: str | None,
        model_size: str | None,
        instruct: str | None,
    ) -> Plan:
        engines = await self.engines()
        if profile.voice_type == VoiceType.preset:
            if engine and engine != profile.preset_engine:
                raise ValidationFailed(
                    f"profile {profile.name!r} is a preset voice of engine "
                    f"{profile.preset_engine!r}; leave 'engine' empty or set it to that",
                    field="engine",
                )
            engine = profile.preset_engine
        name = engine or profile.default_engine or self._default_engine(profile, engines)
        if name not in engines:
            raise ValidationFailed(
                f"engine {name!r} is not available; installed engines: {', '.join(engines)}",
                field="engine",
            )
        provider_id, info = engines[name]
        model = self._model(info, model_size)
        caps = model.capabilities
        if profile.voice_type == VoiceType.cloned and not caps.clone:
            raise ValidationFailed(
                f"profile {profile.name!r} is a cloned voice, but engine {name!r} cannot clone "
                f"(it speaks preset voices only). Use a cloning engine (e.g. qwen) or a "
                "preset profile",
                field="engine",
            )
        if profile.voice_type == VoiceType.designed and not caps.design:
            raise ValidationFailed(
                f"profile {profile.name!r} is a designed voice, but engine {name!r} cannot "
                "design voices; pick an engine with voice design",
                field="engine",
            )
        if instruct and not caps.instruct:
            raise ValidationFailed(
                f"engine {name!r} does not take instructions; leave 'instruct' empty",
                field="instruct",
            )
        if profile.voice_type == VoiceType.preset:
            voices = {v.id for v in model.preset_voices}
            if profile.preset_voice not in voices:
                raise ValidationFailed(
                    f"preset voice {profile.preset_voice!r} is not offered by {name} "
                    f"{model.model_size}; choose one of {', '.join(sorted(voices)) or 'none'}",
                    field="preset_voice",
                )
        design = profile.description if profile.voice_type == VoiceType.designed else None
        return Plan(
            provider_id=provider_id,
            engine=name,
            model_size=model.model_size,
            voice=profile.preset_voice if profile.voice_type == VoiceType.preset else None,
            clone=profile.voice_type == VoiceType.cloned,
            instruct=instruct or design,
            reproducible=caps.reproducible,
        )

    @staticmethod
    def _default_engine(profile: Profile, engines: dict[str, tuple[str, EngineInfo]]) -> str:
        want = {"cloned": "clone", "designed": "design", "preset": "preset"}[profile.voice_type]
        for name, (_, info) in engines.items():
            if any(getattr(m.capabilities, want) for m in info.models):
                return name
        return next(iter(engines))

    @staticmethod
    def _model(info: EngineInfo, model_size: str | None) -> ModelInfo:
        size = model_size or info.default_model_size
        for model in info.models:
            if model.model_size == size:
                return model
        sizes = ", ".join(m.model_size for m in info.models)
        raise ValidationFailed(
            f"engine {info.name!r} has no model size {size!r}; choose one of {sizes}",
            field="model_size",
        )

    async def stop_all(self) -> None:
        for provider in self.providers.values():
            await provider.stop()
