#!/usr/bin/env bash
# Builds .venv-mlx: the mlx flavor's own environment (mlx + mlx-cpu + mlx-audio 0.6.2).
# mlx-audio needs transformers>=5.14 and huggingface_hub>=1.0, which conflict with qwen-tts's
# pins in .venv, so this flavor gets a separate environment (as its executable does).
# The project is installed without the qwen extra: provider_sdk's deps + providers + dev tools.
# Re-runs are cheap: a stamp keyed on this script and pyproject.toml skips an up-to-date env.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV_MLX:-.venv-mlx}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
fi

stamp="$venv/.installed-mlx"
digest="$(cat pyproject.toml ci/install-mlx.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  exit 0
fi

pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
# On Linux, MLX runs on its CPU backend, shipped as the separate `mlx-cpu` wheel.
backend=()
[ "$(uname -s)" = "Linux" ] && backend=("mlx-cpu")
"${pip[@]}" "mlx" "${backend[@]}" "mlx-audio==0.6.2"
"${pip[@]}" -e ".[dev]"
echo "$digest" > "$stamp"
