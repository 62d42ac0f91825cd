"""Continuous batching on the tiny random-weight model: a sequence's codes are the same alone
or batched with others (joining at once or while others run), and equal the reference path's."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.providers.qwen.conftest import BASE

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow  # loads (tiny) models in process

TEXTS = (
    "A first sentence, fairly short.",
    "The second one is a little longer than the first sentence was.",
    "Third.",
    "And a fourth sentence that closes the little batch.",
)


@pytest.fixture(scope="module")
def base(qwen_models: Path) -> Any:
    from providers.engines.qwen_runtime import Placement, load_model

    return load_model(qwen_models / BASE, Placement("cpu", "float32", "sdpa"))


def _prompts(model: Any, frames: int, **options: Any) -> list[Any]:
    """One prompt per text; limits differ (frames + 3 i), so that greedy rows end apart."""
    from providers.engines.qwen_fast import capture_prompt

    rate = 24_000
    clip = (0.4 * np.sin(2 * np.pi * 160 * np.arange(rate) / rate)).astype(np.float32)
    icl = model.create_voice_clone_prompt(ref_audio=(clip, rate), ref_text="A reference.")
    xvec = model.create_voice_clone_prompt(ref_audio=(clip, rate), x_vector_only_mode=True)
    prompts = []
    with torch.inference_mode():
        for i, text in enumerate(TEXTS):
            items = icl if i % 2 else xvec
            call = partial(
                model.generate_voice_clone,
                text=text,
                language="english",
                voice_clone_prompt=items,
                max_new_tokens=frames + 3 * i,
                **options,
            )
            prompts.append(capture_prompt(model, call))
    return prompts


def _alone(fast: Any, prompt: Any, seed: int) -> Any:
    from providers.engines.qwen_fast import make_generator

    with torch.inference_mode():
        return torch.stack(list(fast.frames(prompt, make_generator(seed, "cpu"))))


@pytest.mark.parametrize("options", [{}, {"do_sample": False, "subtalker_dosample": False}])
def test_batched_codes_equal_alone(base: Any, options: dict[str, Any]) -> None:
    from providers.engines.qwen_fast import make_generator
    from providers.engines.qwen_fast_batch import decode_together
    from providers.engines.qwen_fast_loop import talker_for

    fast = talker_for(base)
    prompts = _prompts(base, 24, **options)
    alone = [_alone(fast, p, 100 + i) for i, p in enumerate(prompts)]
    with torch.inference_mode():
        jobs = [(p, make_generator(100 + i, "cpu")) for i, p in enumerate(prompts)]
        batched = decode_together(fast, jobs)
    lengths = {int(c.shape[0]) for c in alone}
    assert len(lengths) > 1  # sequences leave the batch at different steps
    for one, many in zip(alone, batched, strict=True):
        assert torch.equal(one, many)


def test_sequences_join_while_others_run(base: Any) -> None:
    from providers.engines.qwen_fast import make_generator
    from providers.engines.qwen_fast_batch import BatchDecoder
    from providers.engines.qwen_fast_loop import talker_for

    fast = talker_for(base)
    prompts = _prompts(base, 20)
    alone = [_alone(fast, p, 7 + i) for i, p in enumerate(prompts)]
    with torch.inference_mode():
        decoder = BatchDecoder(fast, slots=3, capacity=8)  # small: the cache grows too
        pending = list(enumerate(prompts))
        sequences: dict[int, Any] = {}
        steps = 0
        while pending or decoder.active:
            # One newcomer every other step while a slot is free.
            if pending and steps % 2 == 0 and len(decoder.active) < decoder.slots:
                index, prompt = pending.pop(0)
                sequences[index] = decoder.join(prompt, make_generator(7 + index, "cpu"))
            decoder.step()
            steps += 1
    for index, codes in enumerate(alone):
        assert torch.equal(torch.stack(sequences[index].frames), codes)


def test_engine_serves_overlapping_requests_in_one_batch(
    qwen_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With VOICEBOX_QWEN_BATCH on, requests from several threads share the decode steps and
    each gets the audio it gets alone (generate and stream)."""
    import threading

    from provider_sdk.engine import ReferenceClip, SynthesisRequest
    from providers.engines.qwen import QwenEngine

    monkeypatch.setenv("VOICEBOX_QWEN_MODEL_DIR", str(qwen_models))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    engine = QwenEngine(tmp_path)
    engine.load("0.6B")
    rate = 24_000
    clip = (0.4 * np.sin(2 * np.pi * 160 * np.arange(rate) / rate)).astype(np.float32)
    prompt = engine.create_voice_prompt(ReferenceClip(clip, rate, "A reference."), "0.6B")
    requests = [
        SynthesisRequest(text=text, model_size="0.6B", voice_prompt=prompt, seed=20 + i)
        for i, text in enumerate(TEXTS)
    ]
    alone = [engine.generate(r)[0] for r in requests]
    alone_streamed = np.concatenate(list(engine.stream(requests[0])))

    monkeypatch.setenv("VOICEBOX_QWEN_BATCH", "3")  # fewer slots than requests: some wait
    results: dict[int, Any] = {}
    errors: list[BaseException] = []
    batched_steps: list[int] = []

    def work(index: int) -> None:
        try:
            if index == len(requests):
                results[index] = np.concatenate(list(engine.stream(requests[0])))
            else:
                results[index] = engine.generate(requests[index])[0]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(requests) + 1)]
    original_step = None
    with torch.inference_mode():
        from providers.engines.qwen_fast_loop import talker_for
        from providers.engines.qwen_fast_serve import scheduler_for

        scheduler = scheduler_for(engine._model, talker_for(engine._model))
        assert scheduler is not None
        original_step = scheduler.decoder.step

        def counting_step() -> Any:
            batched_steps.append(len(scheduler.decoder.active))
            return original_step()

        scheduler.decoder.step = counting_step  # type: ignore[method-assign]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert max(batched_steps) > 1  # requests really shared steps
    for index, audio in enumerate(alone):
        assert np.array_equal(results[index], audio)
    assert np.array_equal(results[len(requests)], alone_streamed)
