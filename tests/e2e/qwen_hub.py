"""A local stand-in for the Hugging Face hub serving tiny random-weight Qwen3-TTS models, for
browser tests: `python -m tests.e2e.qwen_hub --port 0` builds one model per Qwen3-TTS repo (the
real `qwen_tts` classes, random weights, bounded generation), serves them on 127.0.0.1 with
`tests.core.fake_hub.FakeHub`, prints one JSON line `{"url": "http://127.0.0.1:PORT"}` and runs
until stdin (a pipe) closes or the process is killed. Start the core with `HF_ENDPOINT=<url>`: its
provider process inherits it and downloads from here."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from tests.core.fake_hub import FakeHub

FIRST = "model.safetensors"


def build_models(root: Path) -> None:
    """One tiny model folder per repo name under `root` (the names the provider downloads)."""
    from providers.engines.qwen_random import build_random_model

    base = root / "Qwen3-TTS-12Hz-0.6B-Base"
    build_random_model(base, model_type="base", max_new_tokens=16)
    # Same architecture for 1.7B in the tiny world; only the folder name differs.
    shutil.copytree(base, root / "Qwen3-TTS-12Hz-1.7B-Base")
    for name, model_type, size in (
        ("Qwen3-TTS-12Hz-0.6B-CustomVoice", "custom_voice", "0b6"),
        ("Qwen3-TTS-12Hz-1.7B-CustomVoice", "custom_voice", "1b7"),
        ("Qwen3-TTS-12Hz-1.7B-VoiceDesign", "voice_design", "1b7"),
    ):
        build_random_model(
            root / name, model_type=model_type, max_new_tokens=16, tts_model_size=size
        )


def _is_stream(stdin: TextIO) -> bool:
    """True for a pipe, socket or terminal: a stdin from /dev/null (closed at once) is ignored
    so that such a hub runs until killed."""
    try:
        mode = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stdin.isatty()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.qwen_hub", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--delay-s",
        type=float,
        default=0.0,
        help="sleep per 256 KiB served (makes download progress visible)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="voicebox-qwen-hub-") as tmp:
        root = Path(tmp)
        # qwen_tts prints notices on stdout; stdout carries only the JSON line.
        with contextlib.redirect_stdout(sys.stderr):
            build_models(root)
        hub = FakeHub(root, first=FIRST, per_repo=True, port=args.port)
        hub.delay_s = args.delay_s
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if _is_stream(sys.stdin):
            threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        print(json.dumps({"url": hub.url}), flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            hub.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
