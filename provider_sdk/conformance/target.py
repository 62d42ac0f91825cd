"""The provider under test and helpers the checks share."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx

from provider_sdk.models import DescribeResponse, ModelInfo

if TYPE_CHECKING:  # numpy and soundfile load when audio is checked, not on import
    import numpy as np


class CheckFailed(AssertionError):
    """A check's expectation did not hold; the message says what was seen."""


class NotApplicable(Exception):
    """The provider does not advertise what this check needs (e.g. no clone model), or the
    model it needs is not on the machine: missing, not broken."""


def parse_model(choice: str) -> tuple[str, str]:
    """`ENGINE/SIZE` (as `--model` takes it) split in two; ValueError when malformed."""
    engine, sep, size = choice.partition("/")
    if not (sep and engine and size):
        raise ValueError(f"--model {choice!r}: expected ENGINE/SIZE, e.g. qwen/0.6B")
    return engine, size


@dataclass
class Target:
    url: str
    token: str
    timeout: float = 300.0
    verify: bool | str = True
    """TLS verification: True, False, or a CA bundle path (for a provider with a private CA)."""
    model: str | None = None
    """`ENGINE/SIZE`: exercise only this model (None: every model the provider has on disk)."""
    seed: int | None = 1234
    """Sent with every generate to a `reproducible` model, so a run repeats exactly."""
    _client: httpx.Client | None = field(default=None, repr=False)

    def client(self, authorization: str | None) -> httpx.Client:
        """A new client for this provider sending `authorization` (None: no header)."""
        headers = {"Authorization": authorization} if authorization is not None else {}
        return httpx.Client(
            base_url=self.url.rstrip("/"),
            headers=headers,
            timeout=self.timeout,
            trust_env=False,
            verify=self.verify,
        )

    @property
    def http(self) -> httpx.Client:
        """The client with the right token, shared by the checks."""
        if self._client is None:
            self._client = self.client(f"Bearer {self.token}")
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @cached_property
    def describe(self) -> DescribeResponse:
        response = self.http.get("/tts/describe")
        expect_status(response, 200)
        return DescribeResponse.model_validate_json(response.content)

    def models(self) -> list[tuple[str, ModelInfo]]:
        """Every model the provider lists."""
        return [(e.name, m) for e in self.describe.engines for m in e.models]

    def chosen(self) -> list[tuple[str, ModelInfo]]:
        """The models to exercise: the one `model` names, else every listed one."""
        listed = self.models()
        if self.model is None:
            return listed
        engine, size = parse_model(self.model)
        picked = [(e, m) for e, m in listed if e == engine and m.model_size == size]
        if not picked:
            names = ", ".join(f"{e}/{m.model_size}" for e, m in listed)
            raise CheckFailed(f"--model {self.model}: the provider has no such model ({names})")
        return picked

    def _among(self) -> str:
        return f" among --model {self.model}" if self.model else ""

    def model_with(self, capability: str | None) -> tuple[str, ModelInfo]:
        """A model on disk advertising `capability` (None: any). `NotApplicable` when none
        advertises it, or when those that do are not downloaded (missing is not broken)."""
        able = [
            (e, m)
            for e, m in self.chosen()
            if capability is None or getattr(m.capabilities, capability)
        ]
        if not able:
            raise NotApplicable(f"no model advertises the '{capability}' capability{self._among()}")
        for engine, model in able:
            if model.downloaded:
                return engine, model
        names = ", ".join(f"{e}/{m.model_size}" for e, m in able)
        which = f"model {names}" if len(able) == 1 else f"models {names}"
        raise NotApplicable(
            f"{which} not downloaded (GET /tts/describe says downloaded: false); "
            "download one (POST /tts/models/download) to exercise this check"
        )

    def model_without(self, capability: str) -> tuple[str, ModelInfo]:
        """A model without `capability` (downloaded or not: the check refuses before loading)."""
        for engine, model in self.chosen():
            if not getattr(model.capabilities, capability):
                return engine, model
        raise NotApplicable(f"every model advertises '{capability}'{self._among()}")

    def not_exercised(self) -> list[str]:
        """The listed models no check used, and why."""
        chosen = {(e, m.model_size) for e, m in self.chosen()}
        out = []
        for engine, model in self.models():
            if (engine, model.model_size) not in chosen:
                out.append(f"{engine}/{model.model_size} (not chosen with --model)")
            elif not model.downloaded:
                out.append(f"{engine}/{model.model_size} (not downloaded)")
        return out

    def speakable(
        self, engine: str | None = None, model: ModelInfo | None = None
    ) -> tuple[dict[str, Any], ModelInfo]:
        """A generate body for `engine`/`model` (default: the first model on disk), making a
        voice prompt if it clones; with `seed` when the model is reproducible."""
        if engine is None or model is None:
            engine, model = self.model_with(None)
        body: dict[str, Any] = {"engine": engine, "model_size": model.model_size}
        caps = model.capabilities
        if caps.preset and model.preset_voices:
            body["voice"] = model.preset_voices[0].id
        elif caps.clone:
            body["voice_prompt"] = self.create_prompt(engine, model)
        elif caps.design:
            body["instruct"] = "A calm, clear voice."
        if caps.reproducible and self.seed is not None:
            body["seed"] = self.seed
        return body, model

    def create_prompt(self, engine: str, model: ModelInfo) -> dict[str, Any]:
        response = self.http.post(
            "/tts/create_voice_prompt",
            files={"audio": ("reference.wav", reference_wav(), "audio/wav")},
            data={
                "engine": engine,
                "model_size": model.model_size,
                "reference_text": "This is a short reference recording.",
            },
        )
        expect_status(response, 200)
        prompt: dict[str, Any] = response.json()["voice_prompt"]
        return prompt


def reference_wav(seconds: float = 3.0, rate: int = 24_000) -> bytes:
    """A voice-like test signal (a harmonic tone with a vibrato and syllable envelope)."""
    import numpy as np
    import soundfile as sf

    t = np.arange(int(seconds * rate)) / rate
    pitch = 140 + 15 * np.sin(2 * np.pi * 5 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t)) * 0.3
    buffer = io.BytesIO()
    sf.write(buffer, (voice * envelope).astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def expect_status(response: httpx.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise CheckFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {' or '.join(map(str, statuses))}: "
            f"{response.text[:300]}"
        )


def expect_error(response: httpx.Response, statuses: tuple[int, ...], *mentions: str) -> str:
    """A spec error envelope with one of `statuses`, whose message names each of `mentions`."""
    expect_status(response, *statuses)
    if "Traceback" in response.text:
        raise CheckFailed(f"error response carries a traceback: {response.text[:300]}")
    try:
        error = response.json()["error"]
        code, message = error["code"], error["message"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise CheckFailed(
            f"error body is not the spec's envelope {{error: {{code, message}}}}: "
            f"{response.text[:300]}"
        ) from None
    if not isinstance(code, str) or not isinstance(message, str) or not message:
        raise CheckFailed(f"error envelope lacks a code or a message: {response.text[:300]}")
    for word in mentions:
        if word.lower() not in message.lower():
            raise CheckFailed(f"error message does not mention {word!r}: {message!r}")
    return message


def decode_wav(data: bytes) -> tuple[np.ndarray[Any, Any], int]:
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32")
    except sf.LibsndfileError as exc:
        raise CheckFailed(f"audio does not decode as WAV: {exc}") from None
    return samples, int(rate)
