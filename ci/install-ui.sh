#!/usr/bin/env bash
# Installs the web UI's toolchain and, on request, builds it.
#   ci/install-ui.sh          npm ci in ui/ and Debian's chromium for the browser tests (dev, CI)
#   ci/install-ui.sh build    npm ci in ui/ and build ui/dist, which the core serves at /
#                             (what `make run` needs; no browser)
# Re-runs are cheap: npm ci is skipped while ui/package-lock.json is unchanged, and the build
# while its inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/../ui"
mode="${1:-dev}"

if ! command -v npm >/dev/null 2>&1; then
  echo "error: the UI needs Node.js >= 20.19 with npm (https://nodejs.org or your package manager)" >&2
  exit 1
fi

# shellcheck source=ci/steps.sh
source ../ci/steps.sh

lock_digest="$(cat package-lock.json | sha256sum | cut -d' ' -f1)"
stamp="node_modules/.voicebox-installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_digest" ] || [ ! -x node_modules/.bin/vite ]; then
  step "Installing the web UI's packages with npm (about 160 MB download, first run only)"
  quietly npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_digest" > "$stamp"
fi

case "$mode" in
  build)
    src_digest="$( (cat package-lock.json index.html vite.config.ts tsconfig*.json; find src public -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)"
    if [ ! -f dist/index.html ] || [ ! -f node_modules/.voicebox-built ] || [ "$(cat node_modules/.voicebox-built)" != "$src_digest" ]; then
      step "Building the web UI"
      quietly npm run --silent build
      echo "$src_digest" > node_modules/.voicebox-built
    fi
    ;;
  dev)
    if [ ! -x /usr/bin/chromium ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    ;;
  *)
    echo "usage: ci/install-ui.sh [dev|build]" >&2
    exit 2
    ;;
esac
