"""Provider manager figures: spawn to ready, crash-detection latency, kill-to-failed-call latency,
restart after a crash. Real Piper provider processes on 127.0.0.1; prints medians.

    .venv/bin/python bench/manager.py [--runs 5]

(bench/core.py would shadow the `core` package when this folder leads sys.path: it is dropped.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from core.tts.lifecycle import LaunchConfig, Phase, ProviderCrashed
from core.tts.supervisor import ProviderSupervisor
from provider_sdk.models import GenerateRequest

PIPER = [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"]
LONG = " ".join(["The lighthouse keeper counted every wave that broke on the rocks."] * 12)


async def one_run(tmp: Path) -> dict[str, float]:
    sup = ProviderSupervisor(
        LaunchConfig("pytorch-cpu", PIPER, tmp / "data", tmp / "provider.log", idle_unload_s=None)
    )
    t0 = time.perf_counter()
    await sup.ensure_running()
    ready = time.perf_counter() - t0
    assert sup.process is not None
    t0 = time.perf_counter()
    os.kill(sup.process.pid, signal.SIGKILL)
    while sup.phase != Phase.failed:
        await asyncio.sleep(0.001)
    detect = time.perf_counter() - t0
    t0 = time.perf_counter()
    await sup.ensure_running()
    restart = time.perf_counter() - t0
    job = asyncio.ensure_future(sup.generate_wav(GenerateRequest(text=LONG, voice="joe")))
    while sup.phase != Phase.busy:
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.2)
    assert sup.process is not None
    t0 = time.perf_counter()
    os.kill(sup.process.pid, signal.SIGKILL)
    try:
        await job
    except ProviderCrashed:
        inflight_failed = True
    else:
        inflight_failed = False
    assert inflight_failed, "the generation finished before the kill; use a longer text"
    inflight = time.perf_counter() - t0
    await sup.stop()
    return {"ready": ready, "detect": detect, "restart": restart, "inflight": inflight}


async def main(runs: int) -> None:
    results: list[dict[str, float]] = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(await one_run(Path(tmp)))
        print(
            f"run {i + 1}/{runs}: "
            + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in results[-1].items())
        )
    labels = {
        "ready": "spawn to ready (Piper provider)",
        "detect": "crash detection (kill -9 to failed)",
        "restart": "restart after a crash to ready",
        "inflight": "kill -9 to in-flight call failed",
    }
    print(f"\nmedians over {runs} runs")
    for key, label in labels.items():
        print(f"  {label:<40} {statistics.median(r[key] for r in results) * 1e3:8.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
