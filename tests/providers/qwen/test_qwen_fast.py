"""The fast decode loop against upstream's reference path, on the tiny random-weight models:
for a seed it emits exactly the codes `qwen_tts` emits (greedy and sampled, with and without a
voice prompt, every model kind), and streamed pieces join to the whole decode."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from provider_sdk.engine import ReferenceClip, SynthesisRequest
from providers.engines.qwen_fast import CACHE_BLOCK
from tests.providers.qwen.conftest import BASE

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow  # loads (tiny) models in process

SAMPLED: dict[str, Any] = {}
GREEDY = {"do_sample": False, "subtalker_dosample": False}
NUCLEUS = {"top_p": 0.8, "subtalker_top_p": 0.7, "temperature": 1.3, "max_new_tokens": 40}
TEXT = "Hello there, this is a sentence for the decode loop."


def _load(folder: Path) -> Any:
    from providers.engines.qwen_runtime import Placement, load_model

    return load_model(folder, Placement("cpu", "float32", "sdpa"))


@pytest.fixture(scope="module")
def base(qwen_models: Path) -> Any:
    return _load(qwen_models / BASE)


def _clip() -> tuple[np.ndarray, int]:
    rate = 24_000
    t = np.arange(rate) / rate
    return (0.4 * np.sin(2 * np.pi * 160 * t)).astype(np.float32), rate


def reference_codes(model: Any, call: Callable[[], Any], seed: int) -> Any:
    """The codes upstream's own generate emits for `call`, seeded as the engine seeds."""
    from providers.engines.qwen_runtime import seed_everything

    got = []
    original = model.model.generate

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        got.append(result[0][0])
        return result

    model.model.generate = spy
    try:
        with torch.inference_mode():
            seed_everything(seed)
            call()
    finally:
        del model.model.generate
    return got[0]


def fast_codes(model: Any, call: Callable[[], Any], seed: int) -> Any:
    from providers.engines.qwen_fast_loop import run_codes

    with torch.inference_mode():
        return torch.stack(list(run_codes(model, call, seed)))


@pytest.mark.parametrize("icl", [True, False], ids=["in-context", "x-vector"])
@pytest.mark.parametrize("options", [SAMPLED, GREEDY, NUCLEUS], ids=["sampled", "greedy", "top-p"])
def test_clone_codes_equal_reference(base: Any, icl: bool, options: dict[str, Any]) -> None:
    audio, rate = _clip()
    items = base.create_voice_clone_prompt(
        ref_audio=(audio, rate),
        ref_text="A reference." if icl else None,
        x_vector_only_mode=not icl,
    )
    call = partial(
        base.generate_voice_clone,
        text=TEXT,
        language="english",
        voice_clone_prompt=items,
        **options,
    )
    for seed in (3, 11):
        expected = reference_codes(base, call, seed)
        assert expected.shape[0] > 1
        assert torch.equal(fast_codes(base, call, seed), expected)


def test_preset_and_design_codes_equal_reference(qwen_models: Path) -> None:
    custom = _load(qwen_models / "Qwen3-TTS-12Hz-1.7B-CustomVoice")
    speaker = custom.get_supported_speakers()[0]
    calls = [
        partial(custom.generate_custom_voice, text=TEXT, speaker=speaker, language="english"),
        partial(
            custom.generate_custom_voice,
            text=TEXT,
            speaker=speaker,
            language="english",
            instruct="Slowly and calmly.",
        ),
    ]
    design = _load(qwen_models / "Qwen3-TTS-12Hz-1.7B-VoiceDesign")
    calls.append(partial(design.generate_voice_design, text=TEXT, instruct="A deep voice."))
    for call in calls:
        model = call.func.__self__
        assert torch.equal(fast_codes(model, call, 7), reference_codes(model, call, 7))


def test_codes_past_one_cache_block_equal_reference(base: Any) -> None:
    """Sentences longer than a cache block: the cache and RoPE table grow mid-sentence."""
    from providers.engines.qwen_fast_loop import talker_for

    audio, rate = _clip()
    items = base.create_voice_clone_prompt(ref_audio=(audio, rate), x_vector_only_mode=True)
    clone = base.generate_voice_clone
    call = partial(clone, text=TEXT, language="english", voice_clone_prompt=items, **GREEDY)
    fast = talker_for(base)
    fast.block = 4
    try:
        expected = reference_codes(base, call, 1)
        assert expected.shape[0] > 2 * fast.block
        assert torch.equal(fast_codes(base, call, 1), expected)
    finally:
        fast.block = CACHE_BLOCK


def test_stream_pieces_join_to_whole_decode(base: Any) -> None:
    """With context past the decoder's reach, windowed pieces (of every schedule) are the whole
    decode: no piece is decoded twice and none is lost. (The decoder reaches ~100 frames back;
    these sequences are shorter than the context given.)"""
    from providers.engines.qwen_stream import decode_whole, stream_chunk

    generator = torch.Generator().manual_seed(0)
    groups = int(base.model.talker.config.num_code_groups)
    ref = torch.randint(0, 64, (10, groups), generator=generator)
    codes = torch.randint(0, 64, (36, groups), generator=generator)
    with torch.inference_mode():
        for ref_code, first, every in ((None, 1, 12), (ref, 4, 7)):
            whole = decode_whole(base, codes, ref_code)
            pieces = list(
                stream_chunk(
                    base,
                    iter(codes),
                    ref_code=ref_code,
                    first_frames=first,
                    every_frames=every,
                    left_context=50,
                )
            )
            assert pieces[0].size == first * 1920
            joined = np.concatenate(pieces)
            assert joined.size == whole.size
            # Equal but for float rounding (other shapes); a 25-frame window is near -10 dB.
            error = np.sqrt(np.mean((joined - whole) ** 2) / np.mean(whole**2))
            assert 20 * np.log10(error) < -60


def test_engine_stream_and_generate_agree(
    qwen_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider's engine: streamed pieces joined equal the generated audio (same seeds,
    fades and pauses; generate also trims trailing silence)."""
    from providers.engines.qwen import QwenEngine

    monkeypatch.setenv("VOICEBOX_QWEN_MODEL_DIR", str(qwen_models))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    engine = QwenEngine(tmp_path)
    engine.load("0.6B")
    audio, rate = _clip()
    prompt = engine.create_voice_prompt(ReferenceClip(audio, rate, "A reference."), "0.6B")
    request = SynthesisRequest(
        text="One short sentence. And a second one.", model_size="0.6B", voice_prompt=prompt, seed=9
    )
    generated, _ = engine.generate(request)
    streamed = np.concatenate(list(engine.stream(request)))
    again, _ = engine.generate(request)
    assert np.array_equal(generated, again)
    assert streamed.size >= generated.size > 0
    error = np.sqrt(np.mean((streamed[: generated.size] - generated) ** 2))
    assert error < 0.1 * np.sqrt(np.mean(generated**2))


@pytest.mark.parametrize("vocab", [16, 2048, 3072])
def test_draw_is_multinomial_s_own(vocab: int) -> None:
    """`draw` (no validity check, so nothing waits for the device) takes the very sample
    `torch.multinomial` takes for a generator state, masked tokens included."""
    import torch

    from providers.engines.qwen_fast import draw

    for seed in range(40):
        scores = torch.randn(1, vocab, generator=torch.Generator().manual_seed(seed)) * 3
        scores[
            0, torch.randperm(vocab, generator=torch.Generator().manual_seed(seed))[::2]
        ] = -torch.inf
        probs = torch.softmax(scores, dim=-1)
        ours, theirs = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        for _ in range(4):
            expected = torch.multinomial(probs, 1, generator=theirs).squeeze(1)
            assert torch.equal(draw(probs, ours), expected)
