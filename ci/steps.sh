# Helpers for the install scripts (sourced): one line per step, the tools' output in a log that
# is shown only when a step fails.
#   step "what is being installed (and roughly how big)"
#   quietly command args...     runs it with its output appended to $STEPS_LOG
if [ -z "${STEPS_LOG:-}" ]; then
  steps_venv="${VENV:-.venv}"
  case "$steps_venv" in
    /*) ;;
    *) steps_venv="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$steps_venv" ;;
  esac
  STEPS_LOG="$steps_venv/install.log"
fi
export STEPS_LOG

step() {
  echo "==> $*"
}

quietly() {
  mkdir -p "$(dirname "$STEPS_LOG")"
  local mark=0
  if [ -f "$STEPS_LOG" ]; then mark=$(wc -l <"$STEPS_LOG"); fi
  if ! "$@" >>"$STEPS_LOG" 2>&1; then
    echo "error: this step failed; its output (the whole log is in $STEPS_LOG):" >&2
    tail -n "+$((mark + 1))" "$STEPS_LOG" | tail -n 60 >&2
    return 1
  fi
}
