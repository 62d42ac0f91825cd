"""Pure-Python parts of the Qwen engine: prompt blobs, clip preparation, the import shim."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from provider_sdk.engine import ReferenceClip
from provider_sdk.errors import InvalidAudio, InvalidRequest, VoicePromptMismatch
from providers.engines.qwen_prompts import (
    MAX_REFERENCE_S,
    PromptData,
    combine_clips,
    decode_prompt,
    encode_prompt,
    prepare_clip,
)

ROOT = Path(__file__).resolve().parents[3]


def _data(icl: bool = True) -> PromptData:
    code = np.arange(40, dtype=np.int64).reshape(10, 4) if icl else None
    return PromptData(np.linspace(-1, 1, 32, dtype=np.float32), code, "hi" if icl else None)


def test_prompt_round_trip_keeps_tensors_and_text() -> None:
    prompt = encode_prompt("qwen", "0.6B", _data())
    back = decode_prompt(prompt, "qwen", "0.6B")
    assert back.icl and back.ref_text == "hi"
    assert np.array_equal(back.ref_code, _data().ref_code)  # type: ignore[arg-type]
    assert np.array_equal(back.speaker_embedding, _data().speaker_embedding)
    xvec = decode_prompt(encode_prompt("qwen", "0.6B", _data(icl=False)), "qwen", "0.6B")
    assert not xvec.icl and xvec.ref_text is None


def test_prompt_mismatch_and_garbage_are_refused() -> None:
    prompt = encode_prompt("qwen", "0.6B", _data())
    with pytest.raises(VoicePromptMismatch, match=r"qwen/0\.6B"):
        decode_prompt(prompt, "qwen", "1.7B")
    relabelled = prompt.model_copy(update={"model": "1.7B"})
    with pytest.raises(VoicePromptMismatch, match=r"data was made by qwen/0\.6B"):
        decode_prompt(relabelled, "qwen", "1.7B")
    garbage = prompt.model_copy(update={"data": base64.b64encode(b"not a blob").decode()})
    with pytest.raises(InvalidRequest, match="create_voice_prompt"):
        decode_prompt(garbage, "qwen", "0.6B")


def test_prepare_clip_resamples_normalizes_and_caps_length() -> None:
    quiet = (0.01 * np.sin(np.arange(16_000) / 10)).astype(np.float32)
    clip = prepare_clip(ReferenceClip(quiet, 16_000, " hello "), 24_000)
    assert clip.sample_rate == 24_000 and clip.audio.size == 24_000
    assert clip.audio.dtype == np.float32 and abs(np.abs(clip.audio).max() - 0.9) < 0.01
    assert clip.text == "hello"
    long = np.ones(int((MAX_REFERENCE_S + 5) * 24_000), dtype=np.float32) * 0.5
    capped = prepare_clip(ReferenceClip(long, 24_000, "text"), 24_000)
    assert capped.audio.size == int(MAX_REFERENCE_S * 24_000) and capped.text is None
    with pytest.raises(InvalidAudio):
        prepare_clip(ReferenceClip(np.zeros(0, np.float32), 24_000, None), 24_000)


def test_combine_clips_joins_with_silence_and_texts() -> None:
    clips = [ReferenceClip(np.full(24_000, 0.3, np.float32), 24_000, f"part {i}") for i in range(3)]
    combined = combine_clips(clips, 24_000)
    assert combined.text == "part 0 part 1 part 2"
    assert combined.audio.size == 3 * 24_000 + 2 * int(0.3 * 24_000)
    untranscribed = combine_clips([*clips[:2], ReferenceClip(clips[0].audio, 24_000, None)], 24_000)
    assert untranscribed.text is None  # any clip without text: x-vector mode


def test_import_shim_replaces_broken_torchaudio_and_sox() -> None:
    """In a fresh interpreter: qwen_tts imports, stand-ins raise a clear error on use, and
    nothing was printed on stdout (the provider's handshake channel)."""
    code = (
        "from providers.engines.qwen_compat import import_qwen_tts\n"
        "import sys; q = import_qwen_tts(); assert hasattr(q, 'Qwen3TTSModel')\n"
        "import torchaudio.compliance.kaldi as k\n"
        "try:\n    k.fbank\nexcept ImportError as e:\n    sys.stderr.write('STANDIN ' + str(e))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == ""
    assert "STANDIN torchaudio.compliance.kaldi.fbank is not available" in result.stderr


def test_engine_module_import_is_light() -> None:
    code = (
        "import sys, providers.engines.qwen, providers.engines.qwen_mlx\n"
        "heavy = [m for m in ('torch', 'qwen_tts', 'transformers', 'mlx') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr[-2000:]


def test_download_progress_counts_finished_and_partial_bytes(tmp_path: Path) -> None:
    from providers.engines.qwen_download import DownloadState

    state = DownloadState("qwen", "0.6B", "Qwen/Qwen3-TTS-12Hz-0.6B-Base", total_bytes=1000)
    state.done_bytes, state.current_file = 300, "model.safetensors"
    partial = tmp_path / ".cache" / "huggingface" / "download" / "model.safetensors.incomplete"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"x" * 120)
    progress = state.progress(tmp_path)
    assert progress.stage == "downloading" and progress.model_size == "0.6B"
    assert progress.downloaded_bytes == 420 and progress.total_bytes == 1000
    assert "Qwen/Qwen3-TTS-12Hz-0.6B-Base" in progress.message
