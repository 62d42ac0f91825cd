"""Portable Qwen3-TTS voice prompts and reference-clip preparation (no torch here).

A voice prompt is what `create_voice_clone_prompt` computes from a reference clip: the speaker
embedding (x-vector), and in in-context mode the clip's speech codes and its transcript. It
travels as a safetensors blob, base64 in `VoicePrompt.data`, with `engine` and `model` beside
it and again in the blob's metadata, so any provider serving the same engine and model size
accepts it and anything else is refused with 409.

Tensors: `ref_spk_embedding` float32 (D,), and `ref_code` int64 (T, Q) in in-context mode.
Metadata: engine, model, mode (`icl` | `xvector`), ref_text, format_version.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from provider_sdk.engine import AudioArray, ReferenceClip
from provider_sdk.errors import InvalidAudio, InvalidRequest, VoicePromptMismatch
from provider_sdk.models import VoicePrompt

FORMAT_VERSION = "1"
MAX_REFERENCE_S = 30.0
"""Longest reference the engine feeds the model; the 12 Hz models are trained on short
references, and longer ones only slow every generation down (the codes are re-fed each time)."""
JOIN_SILENCE_S = 0.3
TARGET_PEAK = 0.9


@dataclass(frozen=True)
class PromptData:
    """The decoded content of a Qwen voice prompt."""

    speaker_embedding: npt.NDArray[np.float32]
    ref_code: npt.NDArray[np.int64] | None
    ref_text: str | None

    @property
    def icl(self) -> bool:
        return self.ref_code is not None


def encode_prompt(engine: str, model: str, data: PromptData) -> VoicePrompt:
    from safetensors.numpy import save

    tensors: dict[str, np.ndarray] = {
        "ref_spk_embedding": np.ascontiguousarray(data.speaker_embedding, dtype=np.float32)
    }
    if data.ref_code is not None:
        tensors["ref_code"] = np.ascontiguousarray(data.ref_code, dtype=np.int64)
    metadata = {
        "engine": engine,
        "model": model,
        "mode": "icl" if data.icl else "xvector",
        "ref_text": data.ref_text or "",
        "format_version": FORMAT_VERSION,
    }
    blob = save(tensors, metadata=metadata)
    return VoicePrompt(
        engine=engine, model=model, format="safetensors", data=base64.b64encode(blob).decode()
    )


def decode_prompt(prompt: VoicePrompt, engine: str, model: str) -> PromptData:
    """The prompt's tensors; VoicePromptMismatch (409) when it belongs elsewhere."""
    tensors, metadata = open_prompt(prompt, engine, model)
    if "ref_spk_embedding" not in tensors:
        raise InvalidRequest("voice_prompt.data has no speaker embedding; create it again")
    code = tensors.get("ref_code")
    return PromptData(
        speaker_embedding=tensors["ref_spk_embedding"].astype(np.float32),
        ref_code=None if code is None else code.astype(np.int64),
        ref_text=metadata.get("ref_text") or None,
    )


def open_prompt(
    prompt: VoicePrompt, engine: str, model: str
) -> tuple[dict[str, npt.NDArray[np.generic]], dict[str, str]]:
    """A safetensors voice prompt's tensors and metadata, checked to belong to `engine`/`model`
    (VoicePromptMismatch, 409) and to be readable (InvalidRequest)."""
    if prompt.engine != engine or prompt.model != model:
        raise VoicePromptMismatch(
            f"voice_prompt was made by {prompt.engine}/{prompt.model} but this request uses "
            f"{engine}/{model}; create a new voice prompt with {engine}/{model}, or generate "
            f"with {prompt.engine}/{prompt.model}"
        )
    if prompt.format != "safetensors":
        raise InvalidRequest(f"{engine} voice prompts are safetensors, not {prompt.format}")
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        blob = base64.b64decode(prompt.data, validate=True)
        tensors = load(blob)
        metadata = blob_metadata(blob)
    except (binascii.Error, SafetensorError, ValueError) as exc:
        raise InvalidRequest(
            f"voice_prompt.data is not a valid {engine} voice prompt ({exc}); create it again "
            "with POST /tts/create_voice_prompt"
        ) from None
    if metadata.get("engine") != engine or metadata.get("model") != model:
        raise VoicePromptMismatch(
            f"voice_prompt's data was made by {metadata.get('engine')}/{metadata.get('model')}, "
            f"not {engine}/{model}; create a new voice prompt with {engine}/{model}"
        )
    return tensors, metadata


def blob_metadata(blob: bytes) -> dict[str, str]:
    """The `__metadata__` of a safetensors blob (safetensors.numpy.load drops it)."""
    import json

    header_len = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8 : 8 + header_len])
    meta = header.get("__metadata__", {})
    return {str(k): str(v) for k, v in meta.items()}


def check_embedding_size(data: PromptData, expected: int, engine: str, model: str) -> None:
    if data.speaker_embedding.shape != (expected,):
        raise VoicePromptMismatch(
            f"voice_prompt's speaker embedding has shape {data.speaker_embedding.shape}, but "
            f"{engine}/{model} expects ({expected},); create a new voice prompt with this model"
        )


def _resample(audio: AudioArray, rate: int, target: int) -> AudioArray:
    """Polyphase resampling (scipy; present in both the torch and the mlx environment)."""
    if rate == target:
        return audio
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return np.asarray(resample_poly(audio, target // g, rate // g), dtype=np.float32)


def normalize(audio: AudioArray) -> AudioArray:
    """Peak-normalize a clip (silence stays silence)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-6:
        return audio.astype(np.float32)
    return (audio * (TARGET_PEAK / peak)).astype(np.float32)


def prepare_clip(clip: ReferenceClip, sample_rate: int) -> ReferenceClip:
    """Mono float32 at `sample_rate`, peak-normalized, at most MAX_REFERENCE_S long."""
    audio = np.asarray(clip.audio, dtype=np.float32)
    if audio.ndim != 1 or audio.size == 0:
        raise InvalidAudio("reference audio must be a non-empty mono recording")
    if not np.all(np.isfinite(audio)):
        raise InvalidAudio("reference audio contains NaN or infinite samples")
    audio = normalize(_resample(audio, clip.sample_rate, sample_rate))
    limit = int(MAX_REFERENCE_S * sample_rate)
    text = (clip.text or "").strip() or None
    if audio.size > limit:
        # A transcript no longer matches a cut clip, so cut clips clone from the embedding only.
        audio, text = audio[:limit], None
    return ReferenceClip(audio=audio, sample_rate=sample_rate, text=text)


def combine_clips(clips: Sequence[ReferenceClip], sample_rate: int) -> ReferenceClip:
    """One reference from several clips of one voice: each normalized, joined with short
    silences, transcripts joined; clips past MAX_REFERENCE_S are left out. When any kept clip
    lacks a transcript, the combined clip has none (x-vector mode)."""
    if not clips:
        raise InvalidAudio("no reference clips were given")
    silence = np.zeros(int(JOIN_SILENCE_S * sample_rate), dtype=np.float32)
    limit = int(MAX_REFERENCE_S * sample_rate)
    parts: list[AudioArray] = []
    texts: list[str | None] = []
    used = 0
    for clip in clips:
        prepared = prepare_clip(clip, sample_rate)
        extra = prepared.audio.size + (silence.size if parts else 0)
        if parts and used + extra > limit:
            break
        if parts:
            parts.append(silence)
        parts.append(prepared.audio)
        texts.append(prepared.text)
        used += extra
    joined = np.concatenate(parts).astype(np.float32)
    text = None if any(t is None for t in texts) else " ".join(t for t in texts if t)
    return ReferenceClip(audio=joined[:limit], sample_rate=sample_rate, text=text)
