"""The Qwen3-TTS decode loop without transformers' `generate`: talker and code predictor run
step by step on preallocated KV caches, with the model's own weights and modules.

Upstream (qwen-tts 0.1.1) drives the talker through `generate`, and the talker's `forward` calls
`generate` again on the code predictor for every codec frame (15 more tokens), each call
building caches, masks, logits processors and stopping criteria afresh. Here:

- the prompt is built by upstream code: the qwen_tts entry point runs as usual until it calls
  `talker.generate`, whose arguments are captured (`capture_prompt`); tokenization, speakers,
  languages, instructions, voice prompts and generation defaults stay upstream's;
- `FastTalker.frames` runs the prefill and then one talker step plus the code-predictor loop per
  frame, writing keys and values into `KVCache` (capacity fixed up front, grown in blocks);
- sampling uses transformers' own logits processors in the order `generate` applies them
  (repetition penalty, minimum length, suppressed tokens, then temperature, top-k, top-p) and
  `torch.multinomial`'s own draw (`draw`) on a generator seeded like `torch.manual_seed`, so for
  a seed the codes are the reference path's (pinned by tests/providers/qwen/test_qwen_fast.py).

torch is imported inside functions only; this module is imported when a model is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CACHE_BLOCK = 256
"""Talker cache capacity grows in blocks of this many positions (one allocation per block)."""


class _Captured(Exception):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__("talker prompt captured")
        self.kwargs = kwargs


@dataclass(frozen=True)
class Sampling:
    """The talker's and code predictor's sampling settings, as upstream passes them."""

    max_new_tokens: int
    min_new_tokens: int
    do_sample: bool
    top_k: int | None
    top_p: float | None
    temperature: float | None
    repetition_penalty: float | None
    eos_token_id: int
    suppress_tokens: tuple[int, ...]
    sub_do_sample: bool
    sub_top_k: int | None
    sub_top_p: float | None
    sub_temperature: float | None

    @classmethod
    def from_kwargs(cls, kw: dict[str, Any]) -> Sampling:
        return cls(
            max_new_tokens=int(kw["max_new_tokens"]),
            min_new_tokens=int(kw.get("min_new_tokens") or 0),
            do_sample=bool(kw["do_sample"]),
            top_k=kw.get("top_k"),
            top_p=kw.get("top_p"),
            temperature=kw.get("temperature"),
            repetition_penalty=kw.get("repetition_penalty"),
            eos_token_id=int(kw["eos_token_id"]),
            suppress_tokens=tuple(kw.get("suppress_tokens") or ()),
            sub_do_sample=bool(kw["subtalker_dosample"]),
            sub_top_k=kw.get("subtalker_top_k"),
            sub_top_p=kw.get("subtalker_top_p"),
            sub_temperature=kw.get("subtalker_temperature"),
        )


@dataclass
class TalkerPrompt:
    """What upstream hands `talker.generate` for one text (batch of one)."""

    inputs_embeds: Any  # (1, T, H)
    trailing_text_hidden: Any  # (1, N, H)
    tts_pad_embed: Any  # (1, 1, H)
    sampling: Sampling


def capture_prompt(model: Any, run: Callable[[], Any]) -> TalkerPrompt:
    """Run `run()` (a qwen_tts generate call on the wrapper `model`) up to `talker.generate` and
    return that call's inputs; nothing is generated."""
    talker = model.model.talker

    def stop(**kwargs: Any) -> Any:
        raise _Captured(kwargs)

    talker.generate = stop
    try:
        run()
    except _Captured as captured:
        kw = captured.kwargs
    else:  # pragma: no cover - upstream always reaches talker.generate
        raise RuntimeError("qwen_tts returned without calling talker.generate")
    finally:
        del talker.generate  # back to the class's method
    mask = kw["attention_mask"]
    if mask.shape[0] != 1 or not bool(mask.all()):
        raise ValueError("capture_prompt expects one unpadded text")
    return TalkerPrompt(
        inputs_embeds=kw["inputs_embeds"],
        trailing_text_hidden=kw["trailing_text_hidden"],
        tts_pad_embed=kw["tts_pad_embed"],
        sampling=Sampling.from_kwargs(kw),
    )


class KVCache:
    """Keys and values of every layer in preallocated tensors (B, kv heads, capacity, dim)."""

    def __init__(self, layers: int, shape: tuple[int, int, int, int], like: Any) -> None:
        import torch

        self.k = [torch.zeros(shape, dtype=like.dtype, device=like.device) for _ in range(layers)]
        self.v = [torch.zeros(shape, dtype=like.dtype, device=like.device) for _ in range(layers)]

    @property
    def capacity(self) -> int:
        return int(self.k[0].shape[2])

    def grow(self, capacity: int) -> None:
        """Larger tensors holding the same contents (a new block, rarely)."""
        for store in (self.k, self.v):
            for i, old in enumerate(store):
                new = old.new_zeros((*old.shape[:2], capacity, old.shape[3]))
                new[:, :, : old.shape[2]] = old
                store[i] = new


def _processors(
    sampling: Sampling, *, talker: bool, do_sample: bool, device: str
) -> Any:  # a transformers LogitsProcessorList
    from transformers.generation.logits_process import (
        LogitsProcessorList,
        MinNewTokensLengthLogitsProcessor,
        RepetitionPenaltyLogitsProcessor,
        SuppressTokensLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    procs = LogitsProcessorList()
    if talker:
        penalty = sampling.repetition_penalty
        if penalty is not None and penalty != 1.0:
            procs.append(RepetitionPenaltyLogitsProcessor(penalty=penalty))
        if sampling.min_new_tokens > 0:
            procs.append(
                MinNewTokensLengthLogitsProcessor(
                    0, sampling.min_new_tokens, sampling.eos_token_id, device=device
                )
            )
        if sampling.suppress_tokens:
            procs.append(
                SuppressTokensLogitsProcessor(list(sampling.suppress_tokens), device=device)
            )
        temperature, top_k, top_p = sampling.temperature, sampling.top_k, sampling.top_p
    else:
        temperature, top_k, top_p = sampling.sub_temperature, sampling.sub_top_k, sampling.sub_top_p
    if do_sample:
        if temperature is not None and temperature != 1.0:
            procs.append(TemperatureLogitsWarper(temperature))
        if top_k is not None and top_k != 0:
            procs.append(TopKLogitsWarper(top_k=top_k, min_tokens_to_keep=1))
        if top_p is not None and top_p < 1.0:
            procs.append(TopPLogitsWarper(top_p=top_p, min_tokens_to_keep=1))
    return procs


def draw(probs: Any, generator: Any) -> Any:
    """One sample per row of `probs` (B, V), exactly as `torch.multinomial(probs, 1,
    generator=generator)` draws it: multinomial takes one sample by an exponential race,
    argmax(p / q) with q ~ Exp(1), on the same random numbers. What multinomial adds is a
    validity check of `probs` that waits for the device; without it, on CUDA a frame's
    sampling is queued behind the graph replays with no host round trip (the processors before
    it never wait either)."""
    import torch

    race = torch.empty_like(probs).exponential_(1, generator=generator)
    return torch.argmax(probs / race, dim=-1)


class Picker:
    """Next-token choice for one sequence: upstream's processors, then a draw or argmax."""

    def __init__(self, sampling: Sampling, generator: Any, *, talker: bool) -> None:
        self.do_sample = sampling.do_sample if talker else sampling.sub_do_sample
        # The processors' own tensors (EOS and suppressed ids) live where the logits do.
        device = str(generator.device) if generator is not None else "cpu"
        self.procs = _processors(sampling, talker=talker, do_sample=self.do_sample, device=device)
        self.generator = generator

    def __call__(self, history: Any, logits: Any) -> Any:
        """history: (1, n) tokens so far; logits: (1, V). Returns a (1,) token tensor."""
        import torch

        scores = self.procs(history, logits.to(dtype=torch.float32, copy=True))
        if self.do_sample:
            probs = torch.nn.functional.softmax(scores, dim=-1)
            return draw(probs, self.generator)
        return torch.argmax(scores, dim=-1)


THREADS_ENV = "VOICEBOX_QWEN_THREADS"


def cpu_threads() -> int:
    """Threads for CPU decoding: `VOICEBOX_QWEN_THREADS`, else the physical cores (a decode
    step is bound by memory bandwidth; hyper-threads only add contention)."""
    import os

    wanted = os.environ.get(THREADS_ENV, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:
        physical = None
    return int(physical or os.cpu_count() or 1)


def make_generator(seed: int, device: Any) -> Any:
    """A generator whose draws equal the global ones after `torch.manual_seed(seed)`."""
    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator
