"""Talker and code-predictor forward passes on `KVCache`s, and the per-frame decode loop.

The layers are upstream's modules (projections, norms, MLPs, heads, embeddings); only the
attention's cache handling and the loop around them are written here. Every operation is the
one upstream's forward runs, in the same order and on the same shapes (heads applied to all
prefill positions, embeddings summed with one `sum`), so the logits are bit-identical on a
given device. Rotary tables: the talker's multimodal RoPE gives its three position grids the
same ids for speech (upstream's `get_rope_index` repeats one range three times), so its sections
reduce to plain RoPE over those ids; both tables are computed once per capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from providers.engines.qwen_fast import CACHE_BLOCK, KVCache, Picker, TalkerPrompt


def _rope(q: Any, k: Any, cos: Any, sin: Any) -> tuple[Any, Any]:
    """Upstream's `apply_rotary_pos_emb`: cos/sin (B, T, D) against (B, heads, T, D)."""
    import torch

    def rotate_half(x: Any) -> Any:
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


def layer_forward(
    layer: Any,
    x: Any,
    cos: Any,
    sin: Any,
    cache_k: Any,
    cache_v: Any,
    start: int,
    mask: Any = None,
    rows: Any = None,
) -> Any:
    """One decoder layer on x (B, T, H) whose tokens sit at `start`.. in the cache.

    Batched decoding (T == 1, rows at different positions): `rows` holds each row's position
    (B,) and `mask` (B, 1, 1, L) the keys each row may see; keys are read up to L."""
    import torch

    attn = layer.self_attn
    residual = x
    h = layer.input_layernorm(x)
    batch, length = h.shape[:2]
    shape = (batch, length, -1, attn.head_dim)
    q = attn.q_norm(attn.q_proj(h).view(shape)).transpose(1, 2)
    k = attn.k_norm(attn.k_proj(h).view(shape)).transpose(1, 2)
    v = attn.v_proj(h).view(shape).transpose(1, 2)
    q, k = _rope(q, k, cos, sin)
    if rows is None:
        end = start + length
        cache_k[:, :, start:end] = k
        cache_v[:, :, start:end] = v
        keys, values = cache_k[:, :, :end], cache_v[:, :, :end]
    else:
        index = torch.arange(batch, device=h.device)
        cache_k[index, :, rows] = k[:, :, 0]
        cache_v[index, :, rows] = v[:, :, 0]
        keys, values = cache_k[:, :, : mask.shape[-1]], cache_v[:, :, : mask.shape[-1]]
    out = torch.nn.functional.scaled_dot_product_attention(
        q,
        keys,
        values,
        attn_mask=mask,
        is_causal=length > 1 and mask is None,
        scale=attn.scaling,
        enable_gqa=True,
    )
    out = attn.o_proj(out.transpose(1, 2).contiguous().reshape(batch, length, -1).contiguous())
    x = residual + out
    return x + layer.mlp(layer.post_attention_layernorm(x))


def rope_table(rotary: Any, like: Any, length: int, *, grids: bool) -> tuple[Any, Any]:
    """cos, sin (1, length, D) for positions 0..length-1 from an upstream rotary module."""
    import torch

    positions = torch.arange(length, device=like.device)[None]
    if grids:  # the talker's module takes (3, B, T) ids and returns (3, B, T, D)
        cos, sin = rotary(like, positions[None].expand(3, 1, -1))
        return cos[0], sin[0]
    cos, sin = rotary(like, positions)
    return cos, sin


class FastTalker:
    """The decode loop for one loaded `Qwen3TTSForConditionalGeneration` (`wrapper.model`)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.talker = model.talker
        self.cp = self.talker.code_predictor
        self.groups = int(self.talker.config.num_code_groups)
        self.like = self.talker.codec_head.weight
        cp_cfg = self.cp.config
        self._cp_shape = (1, cp_cfg.num_key_value_heads, self.groups, self._head_dim(cp_cfg))
        self.cp_cos, self.cp_sin = rope_table(
            self.cp.model.rotary_emb, self.like, self.groups, grids=False
        )
        self.block = CACHE_BLOCK
        self._table_len = 0
        self.cos: Any = None
        self.sin: Any = None

    @staticmethod
    def _head_dim(cfg: Any) -> int:
        return int(getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads)

    def talker_cache(self, batch: int, capacity: int) -> KVCache:
        cfg = self.talker.config
        shape = (batch, cfg.num_key_value_heads, capacity, self._head_dim(cfg))
        return KVCache(cfg.num_hidden_layers, shape, self.like)

    def cp_cache(self, batch: int = 1) -> KVCache:
        return KVCache(len(self.cp.model.layers), (batch, *self._cp_shape[1:]), self.like)

    def ensure_table(self, length: int) -> None:
        """Talker RoPE table covering positions < length (grown in blocks)."""
        if length > self._table_len:
            size = (length // self.block + 1) * self.block
            self.cos, self.sin = rope_table(
                self.talker.model.rotary_emb, self.like, size, grids=True
            )
            self._table_len = size

    # -- forward passes ------------------------------------------------------------------

    def talker_forward(self, x: Any, cache: KVCache, start: int) -> Any:
        """Normed hidden states (B, T, H) for x at positions start.. (all rows alike)."""
        end = start + x.shape[1]
        self.ensure_table(end)
        cos, sin = self.cos[:, start:end], self.sin[:, start:end]
        for i, layer in enumerate(self.talker.model.layers):
            x = layer_forward(layer, x, cos, sin, cache.k[i], cache.v[i], start)
        return self.talker.model.norm(x)

    def cp_forward(self, x: Any, cache: KVCache, start: int) -> Any:
        end = start + x.shape[1]
        cos, sin = self.cp_cos[:, start:end], self.cp_sin[:, start:end]
        for i, layer in enumerate(self.cp.model.layers):
            x = layer_forward(layer, x, cos, sin, cache.k[i], cache.v[i], start)
        return self.cp.model.norm(x)

    def predict_codes(
        self, past_hidden: Any, token: Any, cache: KVCache, pick: Callable[[Any, Any], Any]
    ) -> Any:
        """The code predictor's 15 tokens after the talker's first code: (B, groups) codes."""
        import torch

        cp = self.cp
        first = self.talker.get_input_embeddings()(token[:, None])
        x = cp.small_to_mtp_projection(torch.cat((past_hidden, first), dim=1))
        logits = cp.lm_head[0](self.cp_forward(x, cache, 0))[:, -1]
        history = token.new_zeros((token.shape[0], 0))
        for step in range(1, self.groups):
            nxt = pick(history, logits)
            history = torch.cat([history, nxt[:, None]], dim=-1)
            if step == self.groups - 1:
                break
            x = cp.small_to_mtp_projection(cp.model.codec_embedding[step - 1](nxt[:, None]))
            logits = cp.lm_head[step](self.cp_forward(x, cache, step + 1))[:, -1]
        return torch.cat((token[:, None], history), dim=-1)

    def next_input(self, codes: Any, text: Any, pad: Any, step: int) -> Any:
        """The talker's next input: the frame's code embeddings summed, plus the next text
        embedding (or the pad embedding once the text is spent)."""
        import torch

        embeds = self.cp.get_input_embeddings()
        parts = [self.talker.get_input_embeddings()(codes[:, :1])]
        parts += [embeds[i](codes[:, i + 1 : i + 2]) for i in range(self.groups - 1)]
        summed = torch.cat(parts, dim=1).sum(1, keepdim=True)
        if step < text.shape[1]:
            return summed + text[:, step].unsqueeze(1)
        return summed + pad

    # -- the loop ------------------------------------------------------------------------

    def frames(self, prompt: TalkerPrompt, generator: Any) -> Iterator[Any]:
        """Codes (groups,) of each frame, as upstream's talker.generate emits them."""
        import torch

        s = prompt.sampling
        pick = Picker(s, generator, talker=True)
        sub = Picker(s, generator, talker=False)
        length = prompt.inputs_embeds.shape[1]
        cache = self.talker_cache(1, length + min(s.max_new_tokens, self.block))
        cp_cache = self.cp_cache()
        hidden = self.talker_forward(prompt.inputs_embeds, cache, 0)
        logits = self.talker.codec_head(hidden)[:, -1]
        history = torch.zeros((1, 0), dtype=torch.long, device=hidden.device)
        position = length
        for step in range(s.max_new_tokens):
            token = pick(history, logits)
            history = torch.cat([history, token[:, None]], dim=-1)
            if int(token[0]) == s.eos_token_id or history.shape[1] >= s.max_new_tokens:
                return
            codes = self.predict_codes(hidden[:, -1:], token, cp_cache, sub)
            yield codes[0]
            x = self.next_input(codes, prompt.trailing_text_hidden, prompt.tts_pad_embed, step)
            if position >= cache.capacity:
                cache.grow(cache.capacity + self.block)
            hidden = self.talker_forward(x, cache, position)
            logits = self.talker.codec_head(hidden)[:, -1]
            position += 1


def talker_for(wrapper: Any) -> FastTalker:
    """The wrapper's FastTalker, made once per loaded model."""
    fast = getattr(wrapper, "_voicebox_fast", None)
    if fast is None:
        import torch

        from providers.engines.qwen_fast import cpu_threads

        fast = FastTalker(wrapper.model)
        if fast.like.device.type == "cpu":
            torch.set_num_threads(cpu_threads())
        wrapper._voicebox_fast = fast
    return fast


def run_codes(wrapper: Any, run: Callable[[], Any], seed: int) -> Iterator[Any]:
    """The frames of a qwen_tts generate call `run` on `wrapper`, by the fast loop (its
    CUDA-graph form on NVIDIA GPUs), or by the shared batch when batching is on (then the
    caller need not hold a lock while reading the frames)."""
    from providers.engines.qwen_fast import capture_prompt, make_generator
    from providers.engines.qwen_fast_graph import graphs_for
    from providers.engines.qwen_fast_serve import scheduler_for

    prompt = capture_prompt(wrapper, run)
    fast = talker_for(wrapper)
    generator = make_generator(seed, fast.like.device)
    scheduler = scheduler_for(wrapper, fast)
    if scheduler is not None:  # VOICEBOX_QWEN_BATCH: the shared decode step
        return scheduler.submit(prompt, generator)
    graphs = graphs_for(wrapper, fast)
    return (graphs or fast).frames(prompt, generator)
