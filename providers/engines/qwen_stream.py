"""Streaming within a sentence: decode partial speech codes while the talker is still running.

qwen-tts 0.1.1 only returns audio once a whole text is generated. Its talker, though, emits one
frame of codes (all code groups, 80 ms of audio at 12.5 Hz) per forward step, and the 12 Hz
speech decoder is causal with a bounded left context (`chunked_decode` uses 25 frames). So:

- generation runs in a worker thread through the normal qwen_tts entry point (so prompts,
  languages, speakers and instructions are handled by upstream code exactly as in `generate`);
- a wrapper on the talker's `forward` (an instance attribute, removed afterwards) hands each
  step's codes to this thread through a queue;
- this thread decodes the new frames with `LEFT_CONTEXT` frames before them (for in-context
  clones, the reference codes are the first context, as upstream prepends them) and yields the
  new samples: a first piece after `FIRST_FRAMES`, then every `EVERY_FRAMES`.

The worker's own final decode is discarded. torch is imported inside the function only.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from provider_sdk.engine import AudioArray

FIRST_FRAMES = 4
"""Frames before the first piece (320 ms of audio): keeps time to first audio short."""
EVERY_FRAMES = 12
"""Frames per later piece (about 1 s of audio): fewer, larger decodes."""
LEFT_CONTEXT = 25
"""Frames of context decoded before new frames, as upstream's chunked decode does."""

_DONE = object()


def stream_chunk(
    model: Any,
    run: Callable[[], Any],
    *,
    ref_code: Any = None,
    first_frames: int = FIRST_FRAMES,
    every_frames: int = EVERY_FRAMES,
) -> Iterator[AudioArray]:
    """Run `run()` (a qwen_tts generate call on `model`) and yield audio as codes arrive."""
    import torch

    talker = model.model.talker
    decoder = model.model.speech_tokenizer.model.decoder
    hop = int(decoder.total_upsample)
    frames: queue.Queue[Any] = queue.Queue()
    failure: list[BaseException] = []
    original = talker.forward

    # functools.wraps keeps forward's signature visible: transformers' generate validates
    # its model kwargs against it.
    @functools.wraps(original)
    def capture(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        codes = out.hidden_states[1]
        if codes is not None:  # None on the prefill step
            frames.put(codes[0].detach())
        return out

    def work() -> None:
        try:
            with torch.inference_mode():
                run()
        except BaseException as exc:  # re-raised in the consuming thread
            failure.append(exc)
        finally:
            frames.put(_DONE)

    talker.forward = capture
    worker = threading.Thread(target=work, name="qwen-stream", daemon=True)
    worker.start()
    try:
        context: list[Any] = [] if ref_code is None else list(ref_code[-LEFT_CONTEXT:])
        fresh: list[Any] = []
        emitted = 0
        finished = False
        while not finished:
            item = frames.get()
            if item is _DONE:
                finished = True
            else:
                fresh.append(item)
            goal = first_frames if emitted == 0 else every_frames
            if fresh and (finished or len(fresh) >= goal):
                yield _decode(decoder, context, fresh, hop)
                emitted += len(fresh)
                context = (context + fresh)[-LEFT_CONTEXT:]
                fresh = []
    finally:
        worker.join()
        del talker.forward  # back to the class's method
    if failure:
        raise failure[0]


def _decode(decoder: Any, context: list[Any], fresh: list[Any], hop: int) -> AudioArray:
    import torch

    window = torch.stack([*context, *fresh]).to(fresh[0].device)  # (T, Q)
    with torch.inference_mode():
        wav = decoder(window.transpose(0, 1).unsqueeze(0))  # (1, 1, T * hop)
    samples = wav[0, 0, len(context) * hop :].float().clamp(-1, 1).cpu().numpy()
    return np.asarray(samples, dtype=np.float32)
