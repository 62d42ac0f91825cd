#!/usr/bin/env bash
# Installs the Qwen3-TTS engine's packages into the venv (called by ci/install.sh).
#
# qwen-tts 0.1.1 declares torchaudio, gradio and sox, which it does not need for the 12 Hz
# models we serve, and PyPI's torchaudio is a CUDA build that breaks `import qwen_tts` beside
# the CPU torch. So: the `qwen` extra carries its real needs (torch==2.13.0 pinned: a bare
# `torch` would pull a multi-GB CUDA build), then qwen-tts itself goes in with --no-deps.
# The stand-in modules for torchaudio and sox live in providers/engines/qwen_compat.py.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" -e ".[qwen]"
"${pip[@]}" --no-deps "qwen-tts==0.1.1"
