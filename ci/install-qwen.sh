#!/usr/bin/env bash
# Installs the voice-cloning engines, Qwen3-TTS and Pocket TTS, into the venv, on the CPU build of
# PyTorch.
# Usage: ci/install-qwen.sh [--required]
#   Without --required (what `make run` does) a failure (no network, say) is reported in one
#   line and the script exits 1 without touching the stamp, so the next run tries again; the
#   app still runs with the Piper voice.
#
# PyTorch: the CPU wheel, never PyPI's Linux default (a CUDA build of several GB). In order:
#   1. a torch==2.13.0 wheel pip finds without the network (its configured find-links or a local
#      mirror; no index is asked): fast, and works offline;
#   2. on Linux, PyTorch's CPU index ($VOICEBOX_TORCH_INDEX, default
#      https://download.pytorch.org/whl/cpu), after a 10 s reachability probe so that an offline
#      machine fails at once instead of waiting on pip's retries; elsewhere (macOS, whose PyPI
#      wheels are the CPU/Metal build) PyPI.
# qwen-tts 0.1.1 declares torchaudio, gradio and sox, which it does not need for the 12 Hz
# models we serve, and PyPI's torchaudio is a CUDA build that breaks `import qwen_tts` beside
# the CPU torch. So: the `qwen` extra carries its real needs, then qwen-tts itself goes in with
# --no-deps. The stand-in modules for torchaudio and sox live in providers/engines/qwen_compat.py.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
required="${1:-}"
torch_version="2.13.0"
index="${VOICEBOX_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
py="$venv/bin/python"
pip=("$py" -m pip install --disable-pip-version-check --timeout 30 --retries 2)

# shellcheck source=ci/steps.sh
source ci/steps.sh

stamp="$venv/.installed-qwen"
digest="$(cat pyproject.toml ci/install-qwen.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  exit 0
fi

give_up() {
  if [ "$required" = "--required" ]; then
    echo "error: the voice-cloning engines could not be installed: $1" >&2
  else
    echo "    skipped: $1. Voicebox runs with its preset voices (Piper, Kokoro); \`make install-qwen\` adds voice cloning later." >&2
  fi
  exit 1
}

has_torch() {
  "$py" - "$torch_version" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("torch").split("+")[0] == sys.argv[1] else 1)
PY
}

reachable() {
  "$py" - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=10).close()
PY
}

if ! has_torch; then
  step "Installing PyTorch $torch_version for the CPU (about 190 MB download, 750 MB on disk)"
  # --no-deps: torch's own needs (sympy, networkx, …) come with the engine's packages below.
  if ! quietly "${pip[@]}" --no-deps --no-index "torch==$torch_version" 2>/dev/null; then
    if [ "$(uname -s)" = "Linux" ]; then
      reachable "$index" || give_up "PyTorch's CPU index ($index) cannot be reached"
      quietly "${pip[@]}" --no-deps --index-url "$index" "torch==$torch_version" \
        || give_up "pip could not install torch from $index"
    else
      quietly "${pip[@]}" "torch==$torch_version" || give_up "pip could not install torch"
    fi
  fi
fi

step "Installing the voice-cloning engines Qwen3-TTS and Pocket TTS (transformers, librosa; about 145 MB download)"
quietly "${pip[@]}" -e ".[qwen,pocket]" || give_up "pip could not install the engine's packages"
quietly "${pip[@]}" --no-deps "qwen-tts==0.1.1" || give_up "pip could not install qwen-tts"
echo "$digest" > "$stamp"
