#!/usr/bin/env bash
# Create .venv with Python 3.11 (installing Debian's venv module when it is missing and we are root).
set -eu
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then PY=$c; break; fi
  done
fi
if [ -z "$PY" ]; then
  echo "Python 3.11 is required (python3.11 or python3 on PATH)." >&2
  exit 1
fi
if [ -x .venv/bin/python ]; then exit 0; fi
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  else
    echo "Python's venv module is missing: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
