#!/usr/bin/env bash
# Re-resolve the dependency locks, reinstall from them, then run the whole suite.
#   scripts/lock.sh                      keep every pin that still satisfies pyproject.toml
#   scripts/lock.sh --upgrade            move every package to its newest allowed release
#   scripts/lock.sh --upgrade-package X  move X (and what it needs) only
# The locks are requirements files with hashes, read by plain pip; uv only resolves them.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
UV_VERSION=0.13.9
tool="${CHARTYARD_TOOLS_DIR:-$here/.tools}/uv-$UV_VERSION"
if [ ! -x "$tool/bin/uv" ]; then
  python3 -m venv "$tool"
  "$tool/bin/pip" install -q "uv==$UV_VERSION"
fi
compile() {  # $1 output, rest: inputs and options
  local out="$1"; shift
  "$tool/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    "$@" -o "$out"
}
compile requirements/app.txt pyproject.toml requirements/build.in "$@"
compile requirements/test.txt --extra test pyproject.toml requirements/build.in \
  -c requirements/app.txt "$@"
compile requirements/sbom.txt requirements/sbom.in -c requirements/test.txt "$@"
git --no-pager diff --stat -- requirements/ || true
exec scripts/test.sh
