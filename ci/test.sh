#!/usr/bin/env bash
# Everything `make test` runs: lint, format, types, Python tests.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
export PATH="$PWD/$venv/bin:$PATH"

echo "== ruff"; ruff check .; ruff format --check .
echo "== mypy"; mypy
echo "== pytest"; pytest -q -p no:cacheprovider
echo "== ui"; bash ci/test-ui.sh
