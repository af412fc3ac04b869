#!/usr/bin/env bash
# Write the CycloneDX SBOM of an installed chartyard: the locked set as it was installed.
#   scripts/sbom.sh [PYTHON] [OUT]   (defaults: .venv/bin/python, dist/chartyard.cdx.json)
# The image carries the same document at /opt/chartyard/share/chartyard/sbom.cdx.json.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$here/.venv/bin/python}"
out="${2:-$here/dist/chartyard.cdx.json}"
generator="${CYCLONEDX_PY:-$(command -v cyclonedx-py || echo "$here/.venv/bin/cyclonedx-py")}"
mkdir -p "$(dirname "$out")"
# Reproducible: no serial number or timestamp, so one lock always gives one document.
"$generator" environment --pyproject "$here/pyproject.toml" --output-reproducible \
  --of JSON --sv 1.6 -o "$out" "$python"
echo "$out"
