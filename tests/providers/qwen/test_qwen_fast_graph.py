"""The CUDA-graph form of the decode loop: its fixed-shape step functions (what is captured on
a GPU) run directly on the CPU and emit the eager loop's codes (and so upstream's)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.providers.qwen.conftest import BASE

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow  # loads (tiny) models in process


@pytest.mark.parametrize("options", [{}, {"do_sample": False, "subtalker_dosample": False}])
def test_static_steps_emit_the_eager_codes(qwen_models: Path, options: dict[str, Any]) -> None:
    from providers.engines.qwen_fast import capture_prompt, make_generator
    from providers.engines.qwen_fast_graph import StaticTalker, capture, graphs_for
    from providers.engines.qwen_fast_loop import talker_for
    from providers.engines.qwen_runtime import Placement, load_model

    model = load_model(qwen_models / BASE, Placement("cpu", "float32", "sdpa"))
    fast = talker_for(model)
    assert graphs_for(model, fast) is None  # nothing to capture on a CPU
    step = lambda: None  # noqa: E731
    assert capture(step, torch.device("cpu")) is step
    rate = 24_000
    clip = (0.4 * np.sin(2 * np.pi * 160 * np.arange(rate) / rate)).astype(np.float32)
    items = model.create_voice_clone_prompt(ref_audio=(clip, rate), ref_text="A reference.")
    static = StaticTalker(fast, capacity=60)  # the second sentence runs past it
    for text, frames in (("A short one.", 14), ("A second, longer sentence for the loop.", 60)):
        call = partial(
            model.generate_voice_clone,
            text=text,
            language="english",
            voice_clone_prompt=items,
            max_new_tokens=frames,
            **options,
        )
        with torch.inference_mode():
            prompt = capture_prompt(model, call)
            eager = list(fast.frames(prompt, make_generator(4, "cpu")))
            replayed = list(static.frames(prompt, make_generator(4, "cpu")))
        assert len(eager) > 5
        assert prompt.inputs_embeds.shape[1] + len(eager) > static.capacity or frames == 14
        assert torch.equal(torch.stack(replayed), torch.stack(eager))
