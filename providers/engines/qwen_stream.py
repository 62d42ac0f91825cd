"""Codes to audio: the whole sentence at once (`decode_whole`, upstream's decode), or pieces
while the decode loop runs (`stream_chunk`).

The talker emits one frame of codes (all code groups, 80 ms of audio at 12.5 Hz) per step, and
the 12 Hz speech decoder is causal. Streaming decodes each batch of new frames with
`LEFT_CONTEXT` frames before them (a sliding window: the prefix is never decoded again; for
in-context clones the reference codes are the first context, as upstream prepends them) and
yields the new samples: a first piece after `FIRST_FRAMES`, then every `EVERY_FRAMES`.
`bench/qwen_speed.py --window` measures how far windowed pieces are from the whole decode.

torch is imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from provider_sdk.engine import AudioArray

FIRST_FRAMES = 1
"""Frames before the first piece (80 ms of audio). The decoder is causal, so the first piece is
as clean as any (measured for 1, 2, 4 and 8 frames: the same error against the whole decode);
later pieces double in size up to `EVERY_FRAMES`."""
EVERY_FRAMES = 12
"""Frames per later piece (about 1 s of audio): fewer, larger decodes."""
LEFT_CONTEXT = 25
"""Frames of context decoded before new frames, as upstream's chunked decode does. The decoder
reaches further back (a 72-frame attention window plus its convolutions: from about 100 frames
of context the pieces equal the whole decode), but on a CPU the decoder costs about as much per
frame as a talker step and 100 frames of context would multiply that by eight."""


def decode_whole(model: Any, codes: Any, ref_code: Any = None) -> AudioArray:
    """Upstream's decode of a generated sentence: reference codes prepended, then the
    reference's share of the samples cut off (`Qwen3TTSModel.generate_voice_clone`)."""
    import torch

    full = codes if ref_code is None else torch.cat([ref_code.to(codes.device), codes], dim=0)
    wavs, _ = model.model.speech_tokenizer.decode([{"audio_codes": full}])
    wav = wavs[0]
    if ref_code is not None:
        cut = int(int(ref_code.shape[0]) / max(int(full.shape[0]), 1) * wav.shape[0])
        wav = wav[cut:]
    return np.asarray(wav, dtype=np.float32)


def stream_chunk(
    model: Any,
    frames: Iterable[Any],
    *,
    ref_code: Any = None,
    first_frames: int = FIRST_FRAMES,
    every_frames: int = EVERY_FRAMES,
    left_context: int = LEFT_CONTEXT,
) -> Iterator[AudioArray]:
    """Audio pieces of `frames` (each a (groups,) code tensor) as they come."""
    decoder = model.model.speech_tokenizer.model.decoder
    hop = int(decoder.total_upsample)
    context: list[Any] = [] if ref_code is None else list(ref_code[-left_context:])
    fresh: list[Any] = []
    emitted = 0
    for frame in frames:
        fresh.append(frame)
        # Pieces double up to `every_frames` (1, 2, 4, ...): each takes no longer to make than
        # the audio already sent lasts whenever the loop runs faster than real time.
        goal = first_frames if emitted == 0 else min(every_frames, max(first_frames, emitted))
        if len(fresh) >= goal:
            yield decode_window(decoder, context, fresh, hop)
            emitted += len(fresh)
            context = (context + fresh)[-left_context:] if left_context else []
            fresh = []
    if fresh:
        yield decode_window(decoder, context, fresh, hop)


def decode_window(decoder: Any, context: list[Any], fresh: list[Any], hop: int) -> AudioArray:
    """The samples of `fresh` frames, decoded after `context` frames."""
    import torch

    window = torch.stack([*context, *fresh]).to(fresh[0].device)  # (T, Q)
    with torch.inference_mode():
        wav = decoder(window.transpose(0, 1).unsqueeze(0))  # (1, 1, T * hop)
    samples = wav[0, 0, len(context) * hop :].float().clamp(-1, 1).cpu().numpy()
    return np.asarray(samples, dtype=np.float32)
