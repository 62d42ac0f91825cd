"""Continuous batching: several sentences decoded in one step of the talker and the code
predictor, joining and leaving between steps (a GPU box serving a team keeps its throughput
as concurrency grows: the weights are read once per step for all rows).

Each sequence owns a slot (a row of the shared `KVCache`), its own generator and its own
sampling settings; its prompt is prefilled alone into its slot when it joins. A step then runs
the code predictor for every row at once (all rows are at the same code-predictor positions)
and one talker step with per-row positions, a per-row key mask and per-row RoPE. Sampling is
per row, on the row's own generator, so a sequence draws the same numbers alone or batched;
tests/providers/qwen/test_qwen_fast_batch.py pins that its codes are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from providers.engines.qwen_fast import Picker, TalkerPrompt
from providers.engines.qwen_fast_loop import FastTalker


@dataclass
class Sequence:
    """One sentence being decoded: its slot, samplers and progress."""

    prompt: TalkerPrompt
    pick: Picker
    sub: Picker
    slot: int = -1
    position: int = 0
    step: int = 0
    token: Any = None  # (1,) the frame's first code, sampled, not yet expanded
    hidden: Any = None  # (1, 1, H) the talker's last normed hidden state
    history: Any = None  # (1, n) first codes so far (repetition penalty)
    frames: list[Any] = field(default_factory=list)
    done: bool = False


class RowPickers:
    """Per-row samplers applied to a batch of logits."""

    def __init__(self, pickers: list[Picker]) -> None:
        self.pickers = pickers

    def __call__(self, history: Any, logits: Any) -> Any:
        import torch

        rows = [p(history[i : i + 1], logits[i : i + 1]) for i, p in enumerate(self.pickers)]
        return torch.cat(rows)


class BatchDecoder:
    """Up to `slots` sequences decoded together on one loaded model. Active sequences hold
    slots 0..n-1 (a leaving sequence's slot takes the last one's rows), so each step reads
    the caches through views, never copies of them."""

    def __init__(self, fast: FastTalker, slots: int, capacity: int = 512) -> None:
        self.fast = fast
        self.slots = slots
        self.cache = fast.talker_cache(slots, capacity)
        self.cp_cache = fast.cp_cache(slots)
        self.active: list[Sequence] = []

    def join(self, prompt: TalkerPrompt, generator: Any) -> Sequence:
        """Prefill `prompt` into a free slot; the sequence takes part from the next step."""
        import torch

        if len(self.active) >= self.slots:
            raise RuntimeError("no free slot; wait for a sequence to finish")
        s = prompt.sampling
        seq = Sequence(
            prompt, Picker(s, generator, talker=True), Picker(s, generator, talker=False)
        )
        seq.slot = len(self.active)
        length = prompt.inputs_embeds.shape[1]
        self._fit(length + 1)
        row = _view(self.cache, seq.slot, seq.slot + 1)
        hidden = self.fast.talker_forward(prompt.inputs_embeds, row, 0)
        seq.hidden, seq.position = hidden[:, -1:], length
        seq.history = torch.zeros((1, 0), dtype=torch.long, device=hidden.device)
        self._choose(seq, self.fast.talker.codec_head(hidden)[:, -1])
        if not seq.done:
            self.active.append(seq)
        return seq

    def step(self) -> list[Sequence]:
        """One frame for every active sequence; returns those that finished."""
        import torch

        rows = self.active
        if not rows:
            return []
        fast, count = self.fast, len(rows)
        tokens = torch.cat([q.token for q in rows])
        past = torch.cat([q.hidden for q in rows])
        cp_rows = _view(self.cp_cache, 0, count)
        codes = fast.predict_codes(past, tokens, cp_rows, RowPickers([q.sub for q in rows]))
        inputs = []
        for i, q in enumerate(rows):
            q.frames.append(codes[i])
            text, pad = q.prompt.trailing_text_hidden, q.prompt.tts_pad_embed
            inputs.append(fast.next_input(codes[i : i + 1], text, pad, q.step))
            q.step += 1
        positions = torch.tensor([q.position for q in rows], device=fast.like.device)
        self._fit(int(positions.max()) + 1)
        hidden = self._talker_step(torch.cat(inputs), count, positions)
        logits = fast.talker.codec_head(hidden)[:, -1]
        for i, q in enumerate(rows):
            q.hidden, q.position = hidden[i : i + 1], q.position + 1
            self._choose(q, logits[i : i + 1])
        finished = [q for q in rows if q.done]
        for q in finished:
            self._leave(q)
        return finished

    # -- internals -----------------------------------------------------------------------

    def _choose(self, seq: Sequence, logits: Any) -> None:
        import torch

        s = seq.prompt.sampling
        token = seq.pick(seq.history, logits)
        seq.history = torch.cat([seq.history, token[:, None]], dim=-1)
        seq.token = token
        seq.done = int(token[0]) == s.eos_token_id or seq.history.shape[1] >= s.max_new_tokens

    def _leave(self, seq: Sequence) -> None:
        """Free `seq`'s slot: the last active sequence moves into it."""
        last = self.active.pop()
        if last is not seq:
            for store in (self.cache.k, self.cache.v):
                for tensor in store:
                    tensor[seq.slot] = tensor[last.slot]
            last.slot = seq.slot
            self.active[seq.slot] = last

    def _fit(self, length: int) -> None:
        if length > self.cache.capacity:
            self.cache.grow(length + self.fast.block)

    def _talker_step(self, x: Any, count: int, positions: Any) -> Any:
        """The talker on one new token per row, rows at their own positions."""
        import torch

        from providers.engines.qwen_fast_loop import layer_forward

        fast = self.fast
        length = int(positions.max()) + 1
        fast.ensure_table(length)
        cos, sin = fast.cos[0, positions].unsqueeze(1), fast.sin[0, positions].unsqueeze(1)
        keys = torch.arange(length, device=x.device)
        mask = (keys[None, :] <= positions[:, None])[:, None, None, :]
        for i, layer in enumerate(fast.talker.model.layers):
            k, v = self.cache.k[i][:count], self.cache.v[i][:count]
            x = layer_forward(layer, x, cos, sin, k, v, 0, mask=mask, rows=positions)
        return fast.talker.model.norm(x)


def _view(cache: Any, start: int, end: int) -> Any:
    """A KVCache over rows start..end of `cache` (views: writes land in `cache`)."""
    from providers.engines.qwen_fast import KVCache

    view = KVCache.__new__(KVCache)
    view.k = [k[start:end] for k in cache.k]
    view.v = [v[start:end] for v in cache.v]
    return view


def decode_together(fast: FastTalker, jobs: list[tuple[TalkerPrompt, Any]]) -> list[Any]:
    """Decode `jobs` (prompt, generator) as one batch, all joining at once; each job's codes
    (frames, groups), in the jobs' order (a helper for tests and the benchmark; a server
    joins sequences as requests arrive)."""
    import torch

    decoder = BatchDecoder(fast, slots=len(jobs))
    sequences = [decoder.join(prompt, generator) for prompt, generator in jobs]
    while decoder.active:
        decoder.step()
    empty = torch.zeros((0, fast.groups), dtype=torch.long)
    return [torch.stack(q.frames) if q.frames else empty for q in sequences]
