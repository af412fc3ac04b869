#!/usr/bin/env bash
# Run the test suite while two CPU-burning processes compete for the cores, as on a busy
# 2-core CI box. Arguments go to pytest (default: the whole suite), e.g.
#   scripts/test-under-load.sh tests/hardening tests/sync tests/oci
# The burners are killed on exit, however the run ends.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
burners=()
stop_burners() {
  for pid in "${burners[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait "${burners[@]}" 2>/dev/null || true
}
trap stop_burners EXIT INT TERM
for _ in 1 2; do
  python3 -c 'while True: pass' &
  burners+=("$!")
done
echo "test-under-load: burning CPU in ${burners[*]}" >&2
python -m pytest -q -p no:cacheprovider "${@:-tests}"
