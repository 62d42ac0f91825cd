#!/usr/bin/env bash
# The UI's part of `make test`: types, API-schema freshness, unit tests, the production build,
# and the browser end-to-end test against a real core and Piper provider (prints the UI's
# performance figures). Expects ci/install.sh dev (which calls ci/install-ui.sh) to have run.
set -euo pipefail
cd "$(dirname "$0")/../ui"
export VENV="${VENV:-.venv}"
t0=$SECONDS

echo "== ui: typecheck"; npm run --silent typecheck
echo "== ui: lint"; npm run --silent lint
echo "== ui: API types vs the core's OpenAPI schema"; timeout 120 npm run --silent check:api
echo "== ui: vitest"; timeout 300 npx vitest run --reporter=dot
echo "== ui: build"; timeout 120 npm run --silent build
echo "== ui: end to end (chromium, real core, real provider: Piper and tiny Qwen3-TTS models from a local hub)"
timeout 900 node --test --test-concurrency=1 --test-reporter=spec ../tests/e2e/
echo "== ui: done in $((SECONDS - t0)) s"
