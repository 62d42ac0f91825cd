#!/usr/bin/env bash
# Creates .venv and installs the project. Usage: ci/install.sh run|dev
# Re-runs are cheap: a stamp keyed on the dependency files skips an up-to-date install.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi

extras="core,piper"
[ "$mode" = "dev" ] && extras="core,piper,dev"
if [ "$mode" = "dev" ]; then bash ci/install-ui.sh; fi  # UI: npm ci + chromium (own stamp)
if [ "$mode" = "dev" ]; then bash ci/install-mlx.sh; fi  # mlx flavor: .venv-mlx (own stamp)

stamp="$venv/.installed-$mode"
digest="$(cat pyproject.toml ci/install.sh ci/install-qwen.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  exit 0
fi

"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
bash ci/install-qwen.sh
echo "$digest" > "$stamp"
