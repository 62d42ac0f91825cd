"""Choosing engine, model and voice for a profile on the active provider: the profile rules
(a cloned voice needs a model that clones, a designed one a model that designs, a preset voice
its own engine and a voice that engine offers) and the check that the model is on this
machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.errors import ProviderUnavailable, ValidationFailed
from core.store.models import Profile, VoiceType
from core.tts import guidance
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
    model_name: str = ""
    """The model's display name, for messages."""
    languages: tuple[str, ...] = ()
    """What the model speaks (empty: not stated)."""
    voice_language: str | None = None
    """The preset voice's own language."""

    def language(self, requested: str | None, profile_language: str) -> str:
        """The language to speak: the one asked for, else the profile's, else (a preset voice
        whose model does not speak the profile's language) the voice's own. One the model
        does not speak is a 422 naming those it does."""
        choices = ", ".join(self.languages)
        if requested:
            if self.languages and requested not in self.languages:
                raise ValidationFailed(
                    f"{self.model_name} does not speak {requested!r}; choose one of {choices}",
                    field="language",
                )
            return requested
        if not self.languages or profile_language in self.languages:
            return profile_language
        if self.voice_language in self.languages:
            return self.voice_language
        raise ValidationFailed(
            f"this voice's language {profile_language!r} is not one {self.model_name} speaks; "
            f"set 'language' to one of {choices}, or change the voice's language",
            field="language",
        )


class Planner:
    def __init__(self, provider: TTSProvider, active_kind: Callable[[], str]) -> None:
        """`provider` is the active provider; `active_kind()` says which kind it is now
        (local, remote or openai), for the guidance in refusals."""
        self.provider = provider
        self.active_kind = active_kind

    async def engines(self) -> dict[str, tuple[str, EngineInfo]]:
        """The active provider's engines by name, each with the provider's id."""
        try:
            described = await self.provider.describe()
        except ProviderError as exc:
            raise ProviderUnavailable(
                f"no speech provider is available ({self.provider.id}: {exc.message})"
            ) from None
        found: dict[str, tuple[str, EngineInfo]] = {}
        for engine in described.engines:
            found.setdefault(engine.name, (self.provider.id, engine))
        if not found:
            raise ProviderUnavailable(
                f"no speech provider is available ({self.provider.id}: it offers no engine)"
            )
        return found

    async def plan(
        self,
        profile: Profile,
        engine: str | None,
        model_size: str | None,
        instruct: str | None,
    ) -> Plan:
        """Engine, model and voice for a request in `profile`'s voice. A model that is not on
        this machine is a 409 `model_not_downloaded` (saying how to get it); a voice type no
        engine of the active provider serves is a 409 `capability_unavailable`."""
        engines = await self.engines()
        purpose = guidance.PURPOSE_BY_VOICE_TYPE[profile.voice_type]
        preset = profile.voice_type == VoiceType.preset
        if preset:
            if engine and engine != profile.preset_engine:
                raise ValidationFailed(
                    f"profile {profile.name!r} is a preset voice of engine "
                    f"{profile.preset_engine!r}; leave 'engine' empty or set it to that",
                    field="engine",
                )
            engine = profile.preset_engine
        name = engine or profile.default_engine
        voice = profile.preset_voice if preset else None
        if name is None:
            found = guidance.choose(guidance.candidates(engines.values(), purpose, voice))
            if found is None:
                raise guidance.unavailable(self.active_kind(), purpose)
            name = found.engine.name
            model_size = model_size or found.model.model_size
        if name not in engines:
            raise ValidationFailed(
                f"engine {name!r} is not available; installed engines: {', '.join(engines)}",
                field="engine",
            )
        provider_id, info = engines[name]
        model = self._model(info, model_size, purpose, voice)
        caps = model.capabilities
        if profile.voice_type == VoiceType.cloned and not caps.clone:
            raise ValidationFailed(
                f"profile {profile.name!r} is a cloned voice, but {name} {model.model_size} "
                "cannot clone (it speaks preset voices only). Leave the engine empty to use "
                "one that clones, or use a preset profile",
                field="engine",
            )
        if profile.voice_type == VoiceType.designed and not caps.design:
            raise ValidationFailed(
                f"profile {profile.name!r} is a designed voice, but {name} {model.model_size} "
                "cannot design voices; leave the engine empty to use one that can",
                field="engine",
            )
        if instruct and not caps.instruct:
            raise ValidationFailed(
                f"engine {name!r} does not take instructions; leave 'instruct' empty",
                field="instruct",
            )
        if preset:
            voices = {v.id for v in model.preset_voices}
            if profile.preset_voice not in voices:
                raise ValidationFailed(
                    f"preset voice {profile.preset_voice!r} is not offered by {name} "
                    f"{model.model_size}; choose one of {', '.join(sorted(voices)) or 'none'}",
                    field="preset_voice",
                )
        await self.require_downloaded(name, model, purpose)
        design = profile.description if profile.voice_type == VoiceType.designed else None
        return Plan(
            provider_id=provider_id,
            engine=name,
            model_size=model.model_size,
            voice=voice,
            clone=profile.voice_type == VoiceType.cloned,
            instruct=instruct or design,
            reproducible=caps.reproducible,
            model_name=model.display_name,
            languages=tuple(model.languages),
            voice_language=next((v.language for v in model.preset_voices if v.id == voice), None),
        )

    async def require_downloaded(
        self, engine: str, model: ModelInfo, purpose: guidance.Purpose
    ) -> None:
        """Refuse (409 `model_not_downloaded`) a model that is not on this machine. The cached
        describe may be stale (files copied by hand, a download finished): ask afresh first."""
        if model.downloaded or not model.managed:
            return
        fresh = await self.provider.model_overview()
        for info in fresh.described.engines:
            for m in info.models if info.name == engine else ():
                if m.model_size == model.model_size and (m.downloaded or not m.managed):
                    return
                if m.model_size == model.model_size:
                    model = m
        raise guidance.not_downloaded(engine, model, purpose)

    async def check_model(
        self, engine: str | None, model_size: str | None, purpose: guidance.Purpose
    ) -> None:
        """For a rerun of a stored generation: its model must still be on this machine."""
        if engine is None:
            return
        engines = await self.engines()
        if engine not in engines:
            raise ValidationFailed(
                f"engine {engine!r} is not available; installed engines: {', '.join(engines)}",
                field="engine",
            )
        _, info = engines[engine]
        for model in info.models:
            if model.model_size == (model_size or info.default_model_size):
                await self.require_downloaded(engine, model, purpose)

    @staticmethod
    def _model(
        info: EngineInfo, model_size: str | None, purpose: guidance.Purpose, voice: str | None
    ) -> ModelInfo:
        """The model asked for; without one, the engine's first model that serves the purpose
        (its default first), else its default."""
        if model_size is None:
            found = guidance.choose(guidance.candidates([("", info)], purpose, voice))
            model_size = found.model.model_size if found else info.default_model_size
        for model in info.models:
            if model.model_size == model_size:
                return model
        sizes = ", ".join(m.model_size for m in info.models)
        raise ValidationFailed(
            f"engine {info.name!r} has no model size {model_size!r}; choose one of {sizes}",
            field="model_size",
        )
