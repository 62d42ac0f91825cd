"""`python -m tests.e2e.qwen_hub` (the browser tests' stand-in for the Hugging Face hub): one
JSON line with its URL, each Qwen3-TTS repo served with its own files, and an exit when its
stdin closes."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_hub_serves_each_repo_until_stdin_closes() -> None:
    if importlib.util.find_spec("qwen_tts") is None:
        pytest.skip("the qwen extra (torch, qwen-tts) is not installed")
    with subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.qwen_hub", "--port", "0"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as hub:
        assert hub.stdout is not None and hub.stdin is not None
        url = json.loads(hub.stdout.readline())["url"]
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
            configs = {}
            for repo in ("0.6B-Base", "0.6B-CustomVoice", "1.7B-VoiceDesign"):
                name = f"Qwen/Qwen3-TTS-12Hz-{repo}"
                listed = http.get(f"/api/models/{name}").json()
                files = {s["rfilename"] for s in listed["siblings"]}
                assert {"config.json", "model.safetensors", "speech_tokenizer/config.json"} <= files
                configs[repo] = http.get(f"/{name}/resolve/main/config.json").json()
            assert configs["0.6B-Base"]["tts_model_type"] == "base"
            assert configs["0.6B-CustomVoice"]["tts_model_type"] == "custom_voice"
            assert configs["1.7B-VoiceDesign"]["tts_model_type"] == "voice_design"
            assert http.get("/Qwen/Nope/resolve/main/config.json").status_code == 404
        hub.stdin.close()
        assert hub.wait(timeout=30) == 0
