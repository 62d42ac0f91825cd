"""CUDA graphs for the decode loop: the talker step and each code-predictor step as fixed-shape
functions of preallocated tensors, captured once and replayed per frame (one launch for a
talker step's ~600 kernels, one per code-predictor step), as faster-qwen3-tts does.

`StaticTalker` holds the buffers: the talker's cache at a fixed capacity (attention over the
whole capacity with a key mask computed on the device from the position), the code
predictor's cache, and one input/output tensor per step. `StaticTalker.frames` is the same loop
as `FastTalker.frames`; sampling (transformers' processors, per-sequence generator) runs between
replays, outside the graphs, so the draws are the eager loop's. On a CPU there is nothing to
capture and the same step functions run directly, which is how the tests exercise this module
(tests/providers/qwen/test_qwen_fast_graph.py: its codes equal the eager loop's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from providers.engines.qwen_fast import KVCache, Picker, TalkerPrompt
from providers.engines.qwen_fast_loop import FastTalker, layer_forward

GRAPH_CAPACITY = 1024
"""Talker positions a captured graph covers (prompt plus frames: a 200-character chunk is
about 250 frames); steps past it run eagerly."""


def capture(fn: Callable[[], None], device: Any) -> Callable[[], None]:
    """`fn` captured in a CUDA graph (after warm-up runs on a side stream), or `fn` itself
    off CUDA."""
    import torch

    if device.type != "cuda":
        return fn
    stream = torch.cuda.Stream(device=device)
    stream.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(stream):
        for _ in range(2):
            fn()
    torch.cuda.current_stream(device).wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        fn()
    replay: Callable[[], None] = graph.replay
    return replay


class StaticTalker:
    """Fixed buffers and (captured) step functions for one sequence at a time."""

    def __init__(self, fast: FastTalker, capacity: int = GRAPH_CAPACITY) -> None:
        import torch

        self.fast = fast
        self.capacity = capacity
        like = fast.like
        device = like.device
        hidden = int(fast.talker.config.hidden_size)
        fast.ensure_table(capacity)
        # The graphs read these very tensors: keep them, even if the eager loop grows its own.
        self.cos, self.sin = fast.cos, fast.sin
        self.cache = fast.talker_cache(1, capacity)
        self.cp_cache = fast.cp_cache(1)
        self.keys = torch.arange(capacity, device=device)
        self.position = torch.zeros((1,), dtype=torch.long, device=device)
        self.x = torch.zeros((1, 1, hidden), dtype=like.dtype, device=device)
        self.hidden = torch.zeros((1, 1, hidden), dtype=like.dtype, device=device)
        self.logits = torch.zeros(
            (1, fast.talker.config.vocab_size), dtype=like.dtype, device=device
        )
        self.cp_first = torch.zeros((1, 2, hidden), dtype=like.dtype, device=device)
        self.cp_token = torch.zeros((1,), dtype=torch.long, device=device)
        cp_vocab = int(fast.cp.config.vocab_size)
        self.cp_logits = torch.zeros((1, cp_vocab), dtype=like.dtype, device=device)
        with torch.inference_mode():
            self.talker_step = capture(self._talker_step, device)
            self.cp_steps = [capture(self._cp_prefill, device)] + [
                capture(self._cp_step(i), device) for i in range(1, fast.groups - 1)
            ]

    # -- the captured functions: fixed shapes, results written into the buffers -----------

    def _talker_step(self) -> None:
        fast = self.fast
        cos = self.cos[0].index_select(0, self.position).unsqueeze(1)
        sin = self.sin[0].index_select(0, self.position).unsqueeze(1)
        mask = (self.keys[None, :] <= self.position[:, None])[:, None, None, :]
        x = self.x
        for i, layer in enumerate(fast.talker.model.layers):
            k, v = self.cache.k[i], self.cache.v[i]
            x = layer_forward(layer, x, cos, sin, k, v, 0, mask=mask, rows=self.position)
        hidden = fast.talker.model.norm(x)
        self.hidden.copy_(hidden)
        self.logits.copy_(fast.talker.codec_head(hidden)[:, -1])

    def _cp_prefill(self) -> None:
        cp = self.fast.cp
        x = cp.small_to_mtp_projection(self.cp_first)
        self.cp_logits.copy_(cp.lm_head[0](self.fast.cp_forward(x, self.cp_cache, 0))[:, -1])

    def _cp_step(self, step: int) -> Callable[[], None]:
        def run() -> None:
            cp = self.fast.cp
            embedded = cp.model.codec_embedding[step - 1](self.cp_token[:, None])
            x = cp.small_to_mtp_projection(embedded)
            hidden = self.fast.cp_forward(x, self.cp_cache, step + 1)
            self.cp_logits.copy_(cp.lm_head[step](hidden)[:, -1])

        return run

    # -- the loop --------------------------------------------------------------------------

    def predict_codes(self, past_hidden: Any, token: Any, pick: Picker) -> Any:
        import torch

        fast = self.fast
        self.cp_first.copy_(
            torch.cat((past_hidden, fast.talker.get_input_embeddings()(token[:, None])), dim=1)
        )
        history = token.new_zeros((1, 0))
        for step in range(1, fast.groups):
            self.cp_steps[step - 1]()
            nxt = pick(history, self.cp_logits)
            history = torch.cat([history, nxt[:, None]], dim=-1)
            self.cp_token.copy_(nxt)
        return torch.cat((token[:, None], history), dim=-1)

    def frames(self, prompt: TalkerPrompt, generator: Any) -> Iterator[Any]:
        """`FastTalker.frames` with the steps replayed; the prefill runs eagerly, and so do
        talker steps past the captured capacity (on a copy of the cache that can grow)."""
        import torch

        fast, s = self.fast, prompt.sampling
        length = int(prompt.inputs_embeds.shape[1])
        if length >= self.capacity:
            yield from fast.frames(prompt, generator)
            return
        pick = Picker(s, generator, talker=True)
        sub = Picker(s, generator, talker=False)
        hidden = fast.talker_forward(prompt.inputs_embeds, self.cache, 0)
        logits = fast.talker.codec_head(hidden)[:, -1]
        past = hidden[:, -1:]
        history = torch.zeros((1, 0), dtype=torch.long, device=hidden.device)
        eager: KVCache | None = None
        for step in range(s.max_new_tokens):
            token = pick(history, logits)
            history = torch.cat([history, token[:, None]], dim=-1)
            if int(token[0]) == s.eos_token_id or history.shape[1] >= s.max_new_tokens:
                return
            codes = self.predict_codes(past, token, sub)
            yield codes[0]
            text, pad = prompt.trailing_text_hidden, prompt.tts_pad_embed
            x = fast.next_input(codes, text, pad, step)
            position = length + step
            if position < self.capacity:
                self.x.copy_(x)
                self.position.fill_(position)
                self.talker_step()
                logits, past = self.logits, self.hidden
                continue
            if eager is None:
                eager = fast.talker_cache(1, self.capacity + fast.block)
                for store, source in ((eager.k, self.cache.k), (eager.v, self.cache.v)):
                    for target, full in zip(store, source, strict=True):
                        target[:, :, : self.capacity] = full
            if position >= eager.capacity:
                eager.grow(eager.capacity + fast.block)
            hidden = fast.talker_forward(x, eager, position)
            logits, past = fast.talker.codec_head(hidden)[:, -1], hidden[:, -1:]


GRAPHS_ENV = "VOICEBOX_QWEN_CUDA_GRAPHS"


def graphs_for(wrapper: Any, fast: FastTalker) -> StaticTalker | None:
    """The wrapper's captured loop on CUDA (made once; `VOICEBOX_QWEN_CUDA_GRAPHS=0` turns it
    off), None elsewhere or when capture failed (the eager loop runs then)."""
    import logging
    import os

    if fast.like.device.type != "cuda" or os.environ.get(GRAPHS_ENV, "1") == "0":
        return None
    if not hasattr(wrapper, "_voicebox_graphs"):
        static: StaticTalker | None = None
        try:
            static = StaticTalker(fast)
        except Exception:  # a capture failure must not stop synthesis
            logging.getLogger(__name__).exception("CUDA graph capture failed; eager loop")
        wrapper._voicebox_graphs = static
    found: StaticTalker | None = wrapper._voicebox_graphs
    return found
