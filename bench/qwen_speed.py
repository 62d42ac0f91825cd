"""Qwen3-TTS speed against the machine's own limit: the bound (memory bandwidth and the bytes
each frame reads), the decode loop's real-time factor and its ratio to the bound, end-to-end
streaming RTF and time to first audio, the sliding-window decode's error, and batched
throughput with p50/p95 first audio at several concurrent streams.

    python bench/qwen_speed.py --model-dir DIR [--model-size 0.6B] [--runs 3]
    python bench/qwen_speed.py --random-weights 0.6B --frames 75 [--device cuda]
    python bench/qwen_speed.py --random-weights tiny --frames 16 --window --streams 1,4
    python bench/qwen_speed.py --random-weights 1.7B --frames 6 --runs 1   # few frames

`--model-dir` is a folder holding model folders named like the hub repos (what
VOICEBOX_QWEN_MODEL_DIR takes). `--random-weights` builds the architecture with random weights
and a fixed number of frames per sentence (`max_new_tokens`; random weights rarely emit the
stop code), so the real architecture's speed is measured with no hub access: speed does not
depend on the weights' values. Runs through QwenEngine, the code path the provider serves.
Per-frame times are taken between frames (after the prefill), so a run of a few frames gives
the steady-state RTF of a long one; the script says how many frames each figure rests on.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Run as a script, Python puts bench/ first on sys.path, where bench/providers.py would shadow
# the `providers` package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

SENTENCES = (
    "The quick brown fox jumps over the lazy dog near the quiet river bank.",
    "A second sentence follows, so that streaming has more than one piece to send.",
    "And a third one closes the paragraph with a calm and even voice.",
)


FRAME_S = 0.08  # one codec frame is 80 ms of audio (12.5 Hz)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--random-weights", choices=["tiny", "0.6B", "1.7B"])
    parser.add_argument("--model-size", default="0.6B")
    parser.add_argument("--frames", type=int, default=75, help="frames per sentence (random)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", help="cpu, cuda, mps (default: best available)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: physical cores)")
    parser.add_argument("--window", action="store_true", help="measure the windowed decode")
    parser.add_argument("--streams", default="", help="concurrent streams, e.g. 1,4,16")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end stream runs")
    parser.add_argument("--eager-too", action="store_true", help="CUDA: also time without graphs")
    args = parser.parse_args()
    if args.device:
        os.environ["VOICEBOX_QWEN_DEVICE"] = args.device
    if args.threads:
        os.environ["VOICEBOX_QWEN_THREADS"] = str(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    workdir = Path(tempfile.mkdtemp(prefix="qwen-bench-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    import torch

    from provider_sdk.engine import ReferenceClip, SynthesisRequest
    from providers.engines.qwen import QwenEngine
    from providers.engines.qwen_fast_loop import talker_for
    from providers.engines.qwen_random import build_random_model

    if args.random_weights:
        size = args.random_weights
        repo = f"Qwen3-TTS-12Hz-{'1.7B' if size == '1.7B' else '0.6B'}-Base"
        args.model_size = "1.7B" if size == "1.7B" else "0.6B"
        started = time.perf_counter()
        build_random_model(workdir / repo, size=size, max_new_tokens=args.frames)
        print(f"built random-weight {size} model in {time.perf_counter() - started:.1f} s")
        os.environ["VOICEBOX_QWEN_MODEL_DIR"] = str(workdir)
    elif args.model_dir:
        os.environ["VOICEBOX_QWEN_MODEL_DIR"] = str(args.model_dir)

    engine = QwenEngine(workdir / "data")
    started = time.perf_counter()
    engine.load(args.model_size)
    print(
        f"loaded {args.model_size} on {engine._placement} in {time.perf_counter() - started:.1f} s"
    )
    model = engine._model
    fast = talker_for(model)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")

    rate = 24_000
    t = np.arange(3 * rate) / rate
    reference = (0.4 * np.sin(2 * np.pi * 160 * t)).astype(np.float32)
    prompt = engine.create_voice_prompt(
        ReferenceClip(reference, rate, "This is a short reference recording."), args.model_size
    )
    request = SynthesisRequest(
        text=" ".join(SENTENCES),
        model_size=args.model_size,
        voice_prompt=prompt,
        seed=1,
        language="en",
    )
    bound_s = bound(fast)
    loop_s = loop_speed(engine, request, args.runs)
    graphs = getattr(model, "_voicebox_graphs", None) is not None
    print(
        f"loop{' (CUDA graphs)' if graphs else ''}: {loop_s * 1000:.1f} ms per frame, "
        f"RTF {loop_s / FRAME_S:.3f}; ratio to the bound {loop_s / bound_s:.2f}x"
    )
    if args.eager_too and graphs:
        captured = model._voicebox_graphs
        model._voicebox_graphs = None  # graphs_for() returns None: the eager loop
        eager_s = loop_speed(engine, request, args.runs)
        print(f"loop (eager): {eager_s * 1000:.1f} ms per frame, RTF {eager_s / FRAME_S:.3f}")
        model._voicebox_graphs = captured
    if not args.no_e2e:
        end_to_end(engine, request, args.runs)
        first_audio_by_length(engine, request)
    if args.window:
        window_error(model, fast.groups)
    if args.streams:
        for count in (int(n) for n in args.streams.split(",")):
            concurrent(engine, request, count)


def _sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def bound(fast: object) -> float:
    """Seconds per frame if every weight a frame reads streamed from memory at the measured
    bandwidth: the talker once, the code predictor's layers 15 times, each of its heads once."""
    import torch

    talker, cp = fast.talker, fast.cp  # type: ignore[attr-defined]
    steps = int(fast.groups) - 1  # type: ignore[attr-defined]

    def size(module: torch.nn.Module) -> int:
        return sum(p.numel() * p.element_size() for p in module.parameters())

    once = size(talker.model.layers) + size(talker.model.norm) + size(talker.codec_head)
    per_step = size(cp.model.layers) + size(cp.model.norm) + size(cp.small_to_mtp_projection)
    frame_bytes = once + steps * per_step + size(cp.lm_head)
    tensors = [p for m in (talker.model.layers, cp.model.layers) for p in m.parameters()]
    read = sum(p.numel() * p.element_size() for p in tensors)
    if tensors[0].device.type == "cuda":  # one buffer: per-tensor launches would dominate
        tensors = [torch.ones(read // 2, dtype=torch.bfloat16, device=tensors[0].device)]
    with torch.inference_mode():
        best = float("inf")
        for _ in range(5):
            _sync()
            started = time.perf_counter()
            for p in tensors:
                p.sum()
            _sync()
            best = min(best, time.perf_counter() - started)
    del tensors
    bandwidth = read / best
    seconds = frame_bytes / bandwidth
    print(
        f"bound: memory bandwidth {bandwidth / 1e9:.1f} GB/s (a streaming read of the "
        f"{read / 1e9:.2f} GB of decoder weights); {frame_bytes / 1e9:.2f} GB read per frame "
        f"-> at best {seconds * 1000:.0f} ms per frame, RTF {seconds / FRAME_S:.3f}"
    )
    return seconds


def _frame_times(engine: object, request: object) -> tuple[float, list[float]]:
    """Prefill time and the times between frames of the first sentence (codes only)."""
    import torch

    from providers.engines.qwen_fast_loop import run_codes
    from providers.engines.qwen_registry import qwen_language

    model = engine._model  # type: ignore[attr-defined]
    items = engine._clone_items(request.voice_prompt, request.model_size)  # type: ignore[attr-defined]
    call = functools.partial(
        model.generate_voice_clone,
        text=SENTENCES[0],
        language=qwen_language(request.language),  # type: ignore[attr-defined]
        voice_clone_prompt=items,
    )
    stamps = []
    with torch.inference_mode():
        _sync()
        started = time.perf_counter()
        for _ in run_codes(model, call, 1):
            _sync()
            stamps.append(time.perf_counter() - started)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    return stamps[0], gaps


def loop_speed(engine: object, request: object, runs: int) -> float:
    _frame_times(engine, request)  # warm-up
    per_frame, prefill, count = [], [], 0
    for _ in range(runs):
        first, gaps = _frame_times(engine, request)
        prefill.append(first)
        per_frame.extend(gaps)
        count = len(gaps) + 1
    median = statistics.median(per_frame)
    print(
        f"decode loop (codes only): first frame after {statistics.median(prefill) * 1000:.0f} ms "
        f"(prefill + 1 step); median of {len(per_frame)} frame steps over {runs} run(s) of "
        f"{count} frames"
    )
    return median


def end_to_end(engine: object, request: object, runs: int) -> None:
    rate = 24_000
    list(engine.stream(request))  # type: ignore[attr-defined]
    rtfs, firsts = [], []
    for _ in range(runs):
        started = time.perf_counter()
        first = None
        samples = 0
        for piece in engine.stream(request):  # type: ignore[attr-defined]
            if first is None:
                first = time.perf_counter() - started
            samples += piece.size
        elapsed = time.perf_counter() - started
        rtfs.append(elapsed / (samples / rate))
        firsts.append(first or elapsed)
        print(f"  {samples / rate:5.2f} s audio in {elapsed:5.2f} s; first audio {first:.3f} s")
    print(
        f"end to end (codes + decoding, streaming): RTF median {statistics.median(rtfs):.3f}; "
        f"first audio median {statistics.median(firsts) * 1000:.0f} ms ({runs} runs, "
        f"{len(SENTENCES)} sentences)"
    )


def first_audio_by_length(engine: object, request: object) -> None:
    """Time to the first piece for a short and a long sentence (should not grow)."""
    texts = {
        "short": "Hello there.",
        "long": " ".join(["a long sentence with many words that keeps going"] * 3) + ".",
    }
    for label, text in texts.items():
        timed = dataclasses.replace(request, text=text)  # type: ignore[type-var]
        stream = engine.stream(timed)  # type: ignore[attr-defined]
        started = time.perf_counter()
        next(iter(stream))
        first = time.perf_counter() - started
        stream.close()
        print(f"first audio, {label} sentence ({len(text)} chars): {first * 1000:.0f} ms")


def window_error(model: object, groups: int) -> None:
    """Windowed pieces against the whole decode of 120 random frames: error in dB."""
    import torch

    from providers.engines.qwen_stream import decode_whole, stream_chunk

    vocab = int(model.model.talker.config.code_predictor_config.vocab_size)  # type: ignore[attr-defined]
    codes = torch.randint(0, vocab, (120, groups), generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        whole = decode_whole(model, codes)
        for context in (0, 12, 25, 50, 100):
            row = []
            for first in (1, 2, 4, 8):
                pieces = stream_chunk(model, iter(codes), first_frames=first, left_context=context)
                joined = np.concatenate(list(pieces))
                error = np.sqrt(np.mean((joined - whole) ** 2) / np.mean(whole**2))
                row.append(f"first {first}: {20 * np.log10(error + 1e-12):6.1f} dB")
            print(f"window, left context {context:3d} frames: " + ", ".join(row))


def concurrent(engine: object, request: object, count: int) -> None:
    """`count` streams decoded as one batch: throughput and first-audio percentiles (codes,
    plus one decode of each stream's first frame, the first piece)."""
    import torch

    from providers.engines.qwen_fast import capture_prompt, make_generator
    from providers.engines.qwen_fast_batch import BatchDecoder
    from providers.engines.qwen_fast_loop import talker_for
    from providers.engines.qwen_registry import qwen_language
    from providers.engines.qwen_stream import decode_window

    model = engine._model  # type: ignore[attr-defined]
    fast = talker_for(model)
    items = engine._clone_items(request.voice_prompt, request.model_size)  # type: ignore[attr-defined]
    decoder_module = model.model.speech_tokenizer.model.decoder
    hop = int(decoder_module.total_upsample)
    with torch.inference_mode():
        prompts = [
            capture_prompt(
                model,
                functools.partial(
                    model.generate_voice_clone,
                    text=SENTENCES[i % len(SENTENCES)],
                    language=qwen_language(request.language),  # type: ignore[attr-defined]
                    voice_clone_prompt=items,
                ),
            )
            for i in range(count)
        ]
        _sync()
        started = time.perf_counter()
        decoder = BatchDecoder(fast, slots=count)
        sequences = [
            decoder.join(p, make_generator(i, fast.like.device)) for i, p in enumerate(prompts)
        ]
        firsts: dict[int, float] = {}
        while decoder.active:
            decoder.step()
            for i, seq in enumerate(sequences):
                if i not in firsts and seq.frames:
                    decode_window(decoder_module, [], seq.frames[:1], hop)
                    _sync()
                    firsts[i] = time.perf_counter() - started
        _sync()
        elapsed = time.perf_counter() - started
    audio_s = sum(len(s.frames) for s in sequences) * FRAME_S
    ordered = sorted(firsts.values())
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{count:2d} streams: {audio_s / elapsed:6.2f} audio-s/s (codes; decoding not included "
        f"beyond each first piece), first audio p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
