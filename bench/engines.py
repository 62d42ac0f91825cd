"""Engine speed on a device: load time, real-time factor, time to first audio, peak RSS.

    python bench/engines.py                      # every case below, on the CPU
    python bench/engines.py --engine pocket-tts --runs 5
    python bench/engines.py --device cuda        # Kokoro on onnxruntime's CUDA provider

Cases (each measured in a fresh child process, so peak RSS is that engine's alone):

- kokoro/v1.0-ja: the packaged model (real Kokoro-82M int8 weights, real Japanese voice),
  Japanese text through the Japanese G2P.
- kokoro/int8-en: the same real int8 graph served as `v1.0-int8` from a folder laid out as
  the hub download, with a random style vector for the English voice, English text through
  espeak-ng. (The float32 graph cannot be downloaded here; its speed is not measured.)
- pocket-tts/english: the released English model's full architecture with random weights
  (providers/engines/pocket_random.py). Random weights never predict the end of speech, so
  each sentence runs to pocket-tts's length bound; speed does not depend on weight values.

Runs through the engines' own `generate` and `stream` (the code the provider serves): one
warm-up, then `--runs` runs; medians printed. Prints figures; asserts nothing.

On a shared machine the wall-clock RTF depends on the other jobs; the CPU seconds the process
spent per second of audio do not (much): on N idle cores the RTF lies between that figure / N
(perfect parallelism) and that figure (none).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# Run as a script, Python puts bench/ first on sys.path, where bench/providers.py would shadow
# the `providers` package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

CASES = ("kokoro/v1.0-ja", "kokoro/int8-en", "pocket-tts/english")
TEXT = {
    "ja": "今日はいい天気ですね。駅まで歩いて、それから電車で町に行きます。",
    "en": "The quick brown fox jumps over the lazy dog near the quiet river bank. "
    "A second sentence follows, so that streaming has more than one piece to send.",
}


def _kokoro(case: str, data_dir: Path) -> tuple[Any, Any]:
    from provider_sdk.engine import SynthesisRequest
    from providers.engines.kokoro import KokoroEngine

    os.environ.setdefault("KOKORO_JA_CACHE", str(data_dir / "ja-cache"))
    if case == "kokoro/v1.0-ja":
        return KokoroEngine(data_dir), SynthesisRequest(
            text=TEXT["ja"], model_size="v1.0-ja", voice="jf_alpha"
        )
    from tests.providers.kokoro_offline import hub_folder

    hub_folder(data_dir / "Kokoro-82M-v1.0-ONNX-v1.0-int8", "v1.0-int8")
    return KokoroEngine(data_dir), SynthesisRequest(
        text=TEXT["en"], model_size="v1.0-int8", voice="af_heart"
    )


def _pocket(data_dir: Path) -> tuple[Any, Any]:
    from provider_sdk.engine import ReferenceClip, SynthesisRequest
    from providers.engines.pocket import PocketEngine
    from providers.engines.pocket_random import build_random_model

    build_random_model(data_dir / "pocket-tts-english", "full")
    engine = PocketEngine(data_dir)
    engine.load("english")
    reference = np.random.default_rng(0).normal(0, 0.1, 24_000 * 5).astype(np.float32)
    prompt = engine.create_voice_prompt(ReferenceClip(reference, 24_000, None), "english")
    # Random weights speak to pocket-tts's length bound (tokens / 3 per second + 2 s; the
    # test tokenizer has one token per character): this sentence gives ~12 s of audio.
    return engine, SynthesisRequest(
        text="The quick brown fox jumps.", model_size="english", voice_prompt=prompt, seed=1
    )


def _cpu_s() -> float:
    """CPU time of this process (all threads), user + system."""
    times = os.times()
    return times.user + times.system


def child(case: str, runs: int, device: str) -> dict[str, Any]:
    """Measure one case in this process and return its figures."""
    os.environ["VOICEBOX_KOKORO_DEVICE"] = device
    data_dir = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    engine, request = _pocket(data_dir) if case.startswith("pocket") else _kokoro(case, data_dir)
    if engine.is_loaded(request.model_size):
        engine.unload()
    started = time.perf_counter()
    engine.load(request.model_size)
    load_s = time.perf_counter() - started
    if case.startswith("pocket"):
        engine._model.eos_threshold = float("inf")  # random weights: run to the length bound
    engine.generate(request)  # warm-up (first-use compilation, G2P dictionaries)
    rtfs, cpus, firsts = [], [], []
    audio_s = 0.0
    for _ in range(runs):
        cpu = _cpu_s()
        started = time.perf_counter()
        audio, rate = engine.generate(request)
        elapsed = time.perf_counter() - started
        audio_s = audio.size / rate
        rtfs.append(elapsed / audio_s)
        cpus.append((_cpu_s() - cpu) / audio_s)
        started = time.perf_counter()
        pieces = engine.stream(request)
        next(iter(pieces))
        firsts.append(time.perf_counter() - started)
        for _ in pieces:  # finish the stream (frees the engine's lock)
            pass
    return {
        "case": case,
        "device": device,
        "load_s": round(load_s, 2),
        "audio_s": round(audio_s, 2),
        "rtf": round(statistics.median(rtfs), 3),
        "cpu_per_audio_s": round(statistics.median(cpus), 3),
        "first_audio_ms": round(1000 * statistics.median(firsts)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=["kokoro", "pocket-tts", "all"], default="all")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.device)))
        return
    cases = [c for c in CASES if args.engine in ("all", c.split("/")[0])]
    if args.device == "cuda":
        cases = [c for c in cases if c.startswith("kokoro")]  # Pocket TTS runs on the CPU
    print(
        f"{'case':<22}{'device':<8}{'load s':>8}{'audio s':>9}{'RTF':>8}{'first ms':>10}"
        f"{'CPU s/audio s':>15}{'peak RSS MB':>13}"
    )
    for case in cases:
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                case,
                "--runs",
                str(args.runs),
                "--device",
                args.device,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            print(f"{case:<22}failed: {result.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{r['case']:<22}{r['device']:<8}{r['load_s']:>8}{r['audio_s']:>9}{r['rtf']:>8}"
            f"{r['first_audio_ms']:>10}{r['cpu_per_audio_s']:>15}{r['peak_rss_mb']:>13}"
        )


if __name__ == "__main__":
    main()
