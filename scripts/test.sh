#!/usr/bin/env bash
# Install every test dependency on a fresh machine, then run the whole suite.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
[ -x .venv/bin/python ] || python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null
scripts/install-test-deps.sh
export PATH="$here/.tools/bin:$PATH"
ruff check .
mypy
exec pytest -q "$@"
