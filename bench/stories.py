"""Stories benchmarks; prints medians (targets in brackets).

- render of a 10-minute, 4-track story (80 clips of 30 s, 16 kHz takes resampled to 24 kHz,
  gains, fades, limiter) to float samples, then to WAV and MP3                  [< 2 s render]
  (`--level 0.2` makes the four tracks sum over the ceiling, so the limiter works throughout)
- word alignment of 60 s of real Piper speech (packaged tiny.en, warm model)     [< 5 s]

The UI timeline's frame time while playing 100 clips is printed by the browser test
(tests/e2e/stories.e2e.test.mjs).

Usage: .venv/bin/python bench/stories.py [--runs 3] [--skip-alignment]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from sqlmodel import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.audio.encode import encode, wav_bytes  # noqa: E402
from core.services.context import Core  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.store.models import Generation, GenerationVersion  # noqa: E402

SENTENCES = [
    "The lighthouse keeper climbed the stairs every evening and lit the lamp for the ships.",
    "Far out on the water the fishermen watched for it and knew that they were nearly home.",
    "One winter a storm broke the great window at the top of the tower.",
    "For three nights the keeper held a lantern in his hands until the glass was mended.",
    "The village baker sent him warm bread, and the children brought him woollen gloves.",
    "In the spring a young sailor asked to learn how the old lamp was cleaned and trimmed.",
    "They polished the brass together and counted the steps, all one hundred and twelve.",
    "When the keeper grew tired, the sailor took his place and lit the lamp at dusk.",
    "The fishermen never knew which of them stood in the tower, only that the light was on.",
    "Years later a ship from a distant harbour brought a letter with a drawing of the coast.",
    "It showed the tower, the rocks and a small bright star where the lamp should be.",
    "The keeper pinned it to the wall beside the stairs and smiled every time he passed it.",
]


def story_of_takes(
    core: Core, level: float, minutes: float = 10, tracks: int = 4, clip_s: float = 30
) -> int:
    rng = np.random.default_rng(5)
    story = core.stories.create_story("Bench", 24_000)
    assert story.id is not None
    per_track = int(minutes * 60 / clip_s)
    for t in range(tracks):
        track = core.stories.add_track(story.id, f"Track {t + 1}")
        assert track.id is not None
        for index in range(per_track):
            audio = (level * rng.standard_normal(int(clip_s * 16_000))).astype(np.float32)
            with Session(core.db) as session:
                gen = Generation(text=f"take {t}-{index}", status="completed", version_count=1)
                session.add(gen)
                session.commit()
                assert gen.id is not None
                path, _ = core.files.generation_paths(gen.id, 1)
                core.files.write(path, wav_bytes(audio, 16_000))
                session.add(
                    GenerationVersion(
                        generation_id=gen.id,
                        version=1,
                        audio_path=path,
                        duration=clip_s,
                        sample_rate=16_000,
                    )
                )
                session.commit()
                core.stories.add_clip(
                    story.id,
                    track.id,
                    gen.id,
                    start=index * clip_s,
                    gain_db=-3.0,
                    fade_in=0.05,
                    fade_out=0.05,
                )
    return story.id


def bench_render(runs: int, level: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        core = Core.open(Settings(data_dir=Path(folder)))
        story_id = story_of_takes(core, level)
        renders, wavs, mp3s = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            samples, rate = core.story_render.render_samples(story_id)
            renders.append(time.perf_counter() - started)
            started = time.perf_counter()
            wav_bytes(samples, rate)
            wavs.append(time.perf_counter() - started)
            started = time.perf_counter()
            encode(samples, rate, "mp3")
            mp3s.append(time.perf_counter() - started)
        core.db.dispose()
    print(
        f"render 10 min x 4 tracks, {level:g} RMS takes ({samples.size / rate:.0f} s, {rate} Hz): "
        f"{statistics.median(renders):.2f} s   [< 2 s]"
    )
    print(
        f"  then WAV encode {statistics.median(wavs):.2f} s, MP3 encode "
        f"{statistics.median(mp3s):.2f} s"
    )


def piper_speech(seconds: float) -> tuple[np.ndarray, str]:
    """About `seconds` of real speech from a spawned Piper provider, and its text."""
    import httpx

    from provider_sdk.launch import launch_provider

    token = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as folder:
        process = launch_provider(
            [sys.executable, "-m", "providers.pytorch_cpu"],
            data_dir=Path(folder),
            token=token,
            startup_timeout=120,
        )
        try:
            parts, texts, total = [], [], 0.0
            for sentence in SENTENCES * 4:  # distinct sentences (repeats would make Whisper loop)
                if total >= seconds:
                    break
                response = httpx.post(
                    f"{process.url}/tts/generate",
                    json={"text": sentence, "engine": "piper", "voice": "joe"},
                    headers={"Authorization": f"Bearer {token}", "Accept": "audio/wav"},
                    timeout=120,
                    trust_env=False,
                )
                audio, rate = sf.read(io.BytesIO(response.content), dtype="float32")
                parts.append(audio)
                texts.append(sentence)
                total += audio.size / rate
        finally:
            process.stop(grace_s=3)
    buffer = io.BytesIO()
    sf.write(buffer, np.concatenate(parts), rate, format="WAV")
    return np.concatenate(parts), " ".join(texts), buffer.getvalue()  # type: ignore[return-value]


def bench_alignment(runs: int) -> None:
    from core.audio.decode import decode
    from core.services.alignment import align_samples
    from core.services.transcription import WHISPER_RATE, Transcriber

    _, text, wav = piper_speech(60)
    samples = decode(wav, rate=WHISPER_RATE).samples
    transcriber = Transcriber()
    asyncio.run(align_samples(transcriber, samples[: WHISPER_RATE * 2], text))  # load the model
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        words = asyncio.run(align_samples(transcriber, samples, text))
        times.append(time.perf_counter() - started)
    print(
        f"align {samples.size / WHISPER_RATE:.0f} s of speech ({len(words)} words): "
        f"{statistics.median(times):.2f} s   [< 5 s]"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-alignment", action="store_true")
    parser.add_argument("--skip-render", action="store_true")
    parser.add_argument(
        "--level",
        type=float,
        default=0.1,
        help="RMS of each take (0.1: the mix stays under the ceiling; 0.2: the limiter works)",
    )
    args = parser.parse_args()
    if not args.skip_render:
        bench_render(args.runs, args.level)
    if not args.skip_alignment:
        bench_alignment(args.runs)


if __name__ == "__main__":
    main()
