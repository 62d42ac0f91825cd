"""Qwen3-TTS speed: real-time factor and time to first audio (streaming) on a device.

    python bench/qwen_speed.py --model-dir DIR [--model-size 0.6B] [--runs 3]
    python bench/qwen_speed.py --random-weights 0.6B --frames 75 [--device cuda]
    python bench/qwen_speed.py --random-weights tiny --frames 16

`--model-dir` is a folder holding model folders named like the hub repos (what
VOICEBOX_QWEN_MODEL_DIR takes). `--random-weights` builds the architecture with random weights
and a fixed number of frames per sentence (`max_new_tokens`; random weights rarely emit the
stop code), so the real architecture's speed is measured with no hub access: speed does not
depend on the weights' values. Runs through QwenEngine, the code path the provider serves.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--random-weights", choices=["tiny", "0.6B", "1.7B"])
    parser.add_argument("--model-size", default="0.6B")
    parser.add_argument("--frames", type=int, default=75, help="frames per sentence (random)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", help="cpu, cuda, mps (default: best available)")
    args = parser.parse_args()
    if args.device:
        os.environ["VOICEBOX_QWEN_DEVICE"] = args.device
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    workdir = Path(tempfile.mkdtemp(prefix="qwen-bench-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    from provider_sdk.engine import ReferenceClip, SynthesisRequest
    from providers.engines.qwen import QwenEngine
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
    list(engine.stream(request))  # warm-up (kernels, numba, allocator)

    rtfs, firsts = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        first = None
        samples = 0
        for piece in engine.stream(request):
            if first is None:
                first = time.perf_counter() - started
            samples += piece.size
        elapsed = time.perf_counter() - started
        rtfs.append(elapsed / (samples / rate))
        firsts.append(first or elapsed)
        print(f"  {samples / rate:5.2f} s audio in {elapsed:5.2f} s; first audio {first:.3f} s")
    print(
        f"RTF median {statistics.median(rtfs):.3f}; first audio median "
        f"{statistics.median(firsts) * 1000:.0f} ms ({args.runs} runs, {len(SENTENCES)} "
        "sentences, streaming)"
    )


if __name__ == "__main__":
    main()
