#!/usr/bin/env bash
# What `voicebox desktop` and its test need (called by `ci/install.sh dev`):
#   - the desktop extra from pyproject.toml into the venv (pywebview; on Linux Qt 6 WebEngine
#     from PyPI: PySide6, about 680 MB installed);
#   - on Debian/Ubuntu: Xvfb (the test's X server) and the system libraries Qt's X11 plugin and
#     QtWebEngine link against that a minimal image lacks (found with ldd).
# Re-runs are cheap: pip is skipped while the extra is unchanged, apt while nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
py="$venv/bin/python"

reqs="$(mktemp)"
trap 'rm -f "$reqs"' EXIT
"$py" - >"$reqs" <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["desktop"]))
PY
stamp="$venv/.installed-desktop"
digest="$(sha256sum <"$reqs" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  "$py" -m pip install --quiet --disable-pip-version-check -r "$reqs"
  echo "$digest" >"$stamp"
fi

[ "$(uname -s)" = "Linux" ] || exit 0
qt="$("$py" -c 'import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt"))')"
missing="$(ldd "$qt/plugins/platforms/libqxcb.so" "$qt/lib/libQt6WebEngineCore.so.6" \
  "$qt/libexec/QtWebEngineProcess" 2>/dev/null | grep -c 'not found' || true)"
if [ "$missing" != "0" ] || ! command -v Xvfb >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: the desktop test needs Xvfb and Qt's X11 libraries (no apt-get here)" >&2
    exit 0
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb \
    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 \
    libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libdbus-1-3 \
    "$(apt-cache show libasound2t64 >/dev/null 2>&1 && echo libasound2t64 || echo libasound2)" \
    >/dev/null
fi
