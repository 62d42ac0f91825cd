"""OpenAI-compatible API and Wyoming benchmark (prints figures; asserts nothing).

Over several runs of a 3-sentence text with the Piper provider, medians of:
1. /v1/audio/speech (it streams, as OpenAI's does) in wav, pcm and mp3:
   time to the first audio byte and to the whole clip.
2. The same text over Wyoming (synthesize): first audio chunk and audio-stop.
3. The /v1 overhead over the core's own path (POST /generate, wait for `completed` on the
   event stream, GET the audio): ratio of whole-clip times. Target <= 1.05.

    .venv/bin/python bench/openai_api.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.app import create_app  # noqa: E402
from core.services.context import Core  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.wyoming_server import start_server  # noqa: E402
from provider_sdk.launch import launch_provider  # noqa: E402

TEXT = (
    "Voicebox speaks with the tools people already use. "
    "The first sound should leave long before the last one is made. "
    "This third sentence gives the stream something to follow."
)
COMMAND = [sys.executable, "-m", "providers.pytorch_cpu", "--engines", "piper"]
Timing = tuple[float, float]


def serve(settings: Settings) -> tuple[uvicorn.Server, str]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def speech(client: httpx.Client, body: dict[str, object]) -> Timing:
    started = time.perf_counter()
    first = None
    with client.stream("POST", "/v1/audio/speech", json=body) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            if chunk and first is None:
                first = time.perf_counter() - started
    return first or 0.0, time.perf_counter() - started


def generate_path(client: httpx.Client, profile: int) -> Timing:
    """The core's own path: submit, wait on the event stream, fetch the audio."""
    started = time.perf_counter()
    gen = client.post("/generate", json={"profile_id": profile, "text": TEXT, "normalize": False})
    gen_id = gen.json()["generations"][0]["id"]
    with client.stream("GET", f"/generations/{gen_id}/events") as events:
        for line in events.iter_lines():
            if line.startswith("data:") and '"status": "completed"' in line.replace(":", ": "):
                break
            if line.startswith("data:"):
                data = json.loads(line[5:])
                if data.get("status") in ("completed", "failed"):
                    break
    audio = client.get(f"/generations/{gen_id}/audio").content
    assert audio
    return 0.0, time.perf_counter() - started


async def wyoming_run(uri: str) -> Timing:
    from wyoming.client import AsyncClient
    from wyoming.tts import Synthesize, SynthesizeVoice

    started = time.perf_counter()
    first = None
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(Synthesize(text=TEXT, voice=SynthesizeVoice(name="Joe")).event())
        while True:
            event = await client.read_event()
            assert event is not None and event.type != "error", event
            if event.type == "audio-chunk" and first is None:
                first = time.perf_counter() - started
            if event.type == "audio-stop":
                return first or 0.0, time.perf_counter() - started


def synth_seconds(client: httpx.Client) -> float:
    """The provider's own synthesis time of the newest generation."""
    newest = client.get("/history", params={"limit": 1}).json()["items"][0]
    return float(newest["synth_ms"]) / 1e3


def overhead_ratio(
    runs: int, client: httpx.Client, profile: int, speak: dict[str, object]
) -> float:
    """Median over rounds of (/v1 wall / its synthesis) / (/generate wall / its synthesis):
    the synthesis time varies from run to run on a busy machine; what is left is overhead."""
    ratios = []
    for _ in range(runs):
        v1 = speech(client, {**speak, "response_format": "wav"})[1] / synth_seconds(client)
        own = generate_path(client, profile)[1] / synth_seconds(client)
        ratios.append(v1 / own)
    return statistics.median(ratios)


def round_robin(runs: int, paths: dict[str, Callable[[], Timing]]) -> dict[str, Timing]:
    """Each path once per round, in turn (so a slow moment of the machine hits them all),
    after one warm-up round; medians of the first-byte and whole-clip times."""
    for once in paths.values():
        once()
    timings: dict[str, list[Timing]] = {name: [] for name in paths}
    for _ in range(runs):
        for name, once in paths.items():
            timings[name].append(once())
    return {
        name: (statistics.median(t[0] for t in got), statistics.median(t[1] for t in got))
        for name, got in timings.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        token = secrets.token_hex(8)
        provider = launch_provider(COMMAND, data_dir=Path(tmp) / "p", token=token)
        settings = Settings(
            data_dir=Path(tmp) / "core", provider_url=provider.url, provider_token=token
        )
        server, url = serve(settings)
        client = httpx.Client(base_url=url, timeout=300, trust_env=False)
        body = {"name": "Joe", "voice_type": "preset", "preset_engine": "piper"}
        profile = client.post("/profiles", json={**body, "preset_voice": "joe"}).json()["id"]
        speak = {"model": "tts-1", "voice": "Joe", "input": TEXT}
        rows = round_robin(
            runs,
            {
                "/v1 wav": lambda: speech(client, {**speak, "response_format": "wav"}),
                "/v1 streamed pcm": lambda: speech(
                    client, {**speak, "response_format": "pcm", "stream_format": "audio"}
                ),
                "/v1 streamed mp3": lambda: speech(
                    client, {**speak, "response_format": "mp3", "stream_format": "audio"}
                ),
                "/generate + events + audio": lambda: generate_path(client, profile),
            },
        )

        async def wyoming_median() -> Timing:
            core = Core.open(settings)
            wyoming = await start_server(core, "tcp://127.0.0.1:0")
            uri = f"tcp://127.0.0.1:{wyoming._server.sockets[0].getsockname()[1]}"
            try:
                await wyoming_run(uri)
                timings = [await wyoming_run(uri) for _ in range(runs)]
            finally:
                await wyoming.stop()
                await core.close()
            return (
                statistics.median(t[0] for t in timings),
                statistics.median(t[1] for t in timings),
            )

        rows["Wyoming synthesize"] = asyncio.run(wyoming_median())
        print(f"3-sentence text, Piper, median of {runs} runs (after one warm-up)")
        print(f"{'path':32} {'first byte':>11} {'whole clip':>11}")
        for name, (first, whole) in rows.items():
            shown = f"{first * 1e3:9.0f}ms" if first else f"{'-':>11}"
            print(f"{name:32} {shown:>11} {whole * 1e3:9.0f}ms")
        ratio = rows["/v1 wav"][1] / rows["/generate + events + audio"][1]
        print(f"/v1 wav / core path, median wall times: {ratio:.3f}")
        ratio = overhead_ratio(runs, client, profile, speak)
        print(f"/v1 wav / core path, per second of synthesis: {ratio:.3f} (target <= 1.05)")
        client.close()
        server.should_exit = True
        provider.stop()


if __name__ == "__main__":
    main()
