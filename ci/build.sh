#!/usr/bin/env bash
# PyInstaller builds (installer/build.py). Usage: ci/build.sh [TARGET...] [--piper-only|--onnx-only]
# Without targets it builds every target this machine can build (core, pytorch-cpu, and the
# CUDA/MLX flavors where their packages are installed) into build/dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
if ! "$venv/bin/python" -c "import PyInstaller" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[build]"
fi
exec "$venv/bin/python" -m installer.build "$@"
