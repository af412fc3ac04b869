#!/usr/bin/env bash
# Install every test dependency on a fresh machine, then run the whole suite.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
[ -x .venv/bin/python ] || python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
scripts/install-test-deps.sh
# The environment must be exactly the lock: print its hash, list any difference, stop on one.
python scripts/check_lock.py requirements/test.txt
export PATH="$here/.tools/bin:$PATH"
ruff check .
mypy
if ! command -v buildah >/dev/null || ! command -v mmdebstrap >/dev/null; then
  # tests/deploy/test_image.py fails on such a machine; say why before the run starts.
  printf '\n%s\n%s\n%s\n\n' \
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" \
    "!!! WARNING: buildah or mmdebstrap is missing: the Containerfile is NOT built.  !!!" \
    "!!!          Run scripts/install-test-deps.sh as root; test_image.py will fail. !!!" >&2
fi
exec pytest -q "$@"
