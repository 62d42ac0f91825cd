"""Checks of a generate request against the model's advertised capabilities, so no
parameter is ever silently dropped and every refusal names the parameter and the fix."""

from __future__ import annotations

from provider_sdk.engine import ModelConfig, SynthesisRequest
from provider_sdk.errors import (
    CannotClone,
    Unprocessable,
    UnsupportedParameter,
    VoicePromptMismatch,
)
from provider_sdk.models import GenerateRequest, VoicePrompt
from provider_sdk.text import speakable_text


def check_prompt_matches(prompt: VoicePrompt, config: ModelConfig) -> None:
    if prompt.engine != config.engine or prompt.model != config.model_size:
        raise VoicePromptMismatch(
            f"voice_prompt was made by {prompt.engine}/{prompt.model} but this request uses "
            f"{config.engine}/{config.model_size}; create a new voice prompt with that engine "
            "and model, or generate with the engine and model the prompt was made with"
        )


def synthesis_request(request: GenerateRequest, config: ModelConfig) -> SynthesisRequest:
    """Validate `request` for `config` and return what the engine is asked to speak."""
    text = speakable_text(request.text)
    caps = config.capabilities
    name = f"{config.engine}/{config.model_size}"
    voice = request.voice
    if request.voice_prompt is not None:
        if not caps.clone:
            raise CannotClone(
                f"{name} cannot clone voices, so it does not take a voice_prompt; pick a preset "
                "voice with 'voice', or use a model with the 'clone' capability"
            )
        check_prompt_matches(request.voice_prompt, config)
    if voice is not None:
        if not caps.preset:
            raise UnsupportedParameter(
                f"{name} has no preset voices, so 'voice' is not supported; remove it"
                + (" and send a voice_prompt" if caps.clone else "")
            )
        ids = [v.id for v in config.preset_voices]
        if voice not in ids:
            raise Unprocessable(f"voice {voice!r} is not a preset of {name}; choose one of: {ids}")
    if request.instruct is not None and not (caps.instruct or caps.design):
        raise UnsupportedParameter(
            f"{name} does not support 'instruct'; remove it or use a model with the "
            "'instruct' capability"
        )
    if request.voice_prompt is None and voice is None:
        if caps.preset and config.preset_voices:
            voice = config.preset_voices[0].id
        elif caps.design and request.instruct:
            pass
        elif caps.clone:
            raise Unprocessable(
                f"{name} clones voices and needs a voice_prompt; create one with "
                "POST /tts/create_voice_prompt"
            )
        elif caps.design:
            raise Unprocessable(f"{name} designs a voice from 'instruct'; describe the voice there")
    if request.seed is not None and not caps.reproducible:
        raise UnsupportedParameter(
            f"{name} is not reproducible, so 'seed' would have no effect; remove it"
        )
    language = request.language
    if language is not None:
        allowed = {code.lower() for code in config.languages}
        if language.lower() not in allowed:
            raise UnsupportedParameter(
                f"language {language!r} is not supported by {name}; supported: "
                f"{', '.join(config.languages)}"
            )
        language = language.lower()
    return SynthesisRequest(
        text=text,
        model_size=config.model_size,
        voice_prompt=request.voice_prompt,
        voice=voice,
        language=language,
        seed=request.seed,
        instruct=request.instruct,
    )
