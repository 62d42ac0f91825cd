"""A provider's WAV answer as a `Synthesis` (sample rate and duration read from its header)."""

from __future__ import annotations

import io

from core.tts.base import Synthesis
from provider_sdk.errors import ProviderError


def synthesis(wav: bytes) -> Synthesis:
    import soundfile as sf  # lazy: numpy + libsndfile cost ~0.1 s of the core's cold start

    try:
        info = sf.info(io.BytesIO(wav))
    except (RuntimeError, sf.LibsndfileError):
        raise ProviderError(
            f"the provider answered with audio that is not a readable WAV ({len(wav)} bytes); "
            "restart it in Settings → Provider, and see its log if it happens again"
        ) from None
    return Synthesis(wav=wav, sample_rate=int(info.samplerate), duration=float(info.duration))
