"""Locating the real external components the harness runs.

A missing component is an error, never a skip: the message says how to
install it. ``MissingComponent`` is recognised by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run `scripts/install-test-deps.sh` (as root) to install the test components"
PG_BIN_DIR = Path("/usr/lib/postgresql/15/bin")

# Names that mark a skip message as "a component is missing" (see conftest).
COMPONENT_NAMES = (
    "docker-registry",
    "helm",
    "initdb",
    "pg_ctl",
    "postgres",
    "htpasswd",
    "moto_server",
    "buildah",
    "mmdebstrap",
    "nginx",
    "argocd-schema",
)


class MissingComponent(RuntimeError):
    """A real component needed by a test is not installed."""

    def __init__(self, component: str, detail: str) -> None:
        super().__init__(
            f"required test component {component!r} not found: {detail}; {INSTALL_HINT}"
        )
        self.component = component


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_docker_registry() -> Path:
    found = shutil.which("docker-registry")
    if not found:
        raise MissingComponent("docker-registry", "no `docker-registry` on PATH")
    return Path(found)


def _find_helm_binary(env_var: str, name: str) -> Path:
    override = os.environ.get(env_var)
    candidate = Path(override) if override else REPO_ROOT / ".tools" / "bin" / name
    if not _executable(candidate):
        source = f"${env_var}" if override else "the default location"
        raise MissingComponent(name, f"{candidate} (from {source}) is not an executable file")
    return candidate


def find_helm() -> Path:
    """helm 4: ``$CHARTYARD_HELM`` or ``<repo>/.tools/bin/helm``."""
    return _find_helm_binary("CHARTYARD_HELM", "helm")


def find_helm3() -> Path:
    """helm 3: ``$CHARTYARD_HELM3`` or ``<repo>/.tools/bin/helm3``."""
    return _find_helm_binary("CHARTYARD_HELM3", "helm3")


def find_pg_bin(name: str) -> Path:
    """A PostgreSQL 15 server binary such as ``initdb`` or ``pg_ctl``."""
    candidate = PG_BIN_DIR / name
    if _executable(candidate):
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise MissingComponent(name, f"neither {candidate} nor `{name}` on PATH")


def find_image_tools() -> tuple[Path, Path]:
    """``buildah`` and ``mmdebstrap``, to build and run chartyard's container image."""
    found = []
    for name in ("buildah", "mmdebstrap"):
        path = shutil.which(name)
        if not path:
            raise MissingComponent(
                name, f"no `{name}` on PATH: the Containerfile cannot be built and verified")
        found.append(Path(path))
    return found[0], found[1]


def find_argocd_schema() -> Path:
    """Argo CD's compiled CRD validators: ``<repo>/.tools/argocd-schema`` (npm ci of the lock)."""
    node = shutil.which("node")
    if not node:
        raise MissingComponent("argocd-schema", "no `node` on PATH")
    root = REPO_ROOT / ".tools" / "argocd-schema"
    lock = REPO_ROOT / "tests" / "harness" / "argocd" / "package-lock.json"
    installed = root / "package-lock.json"
    if not (root / "node_modules").is_dir() or not installed.is_file():
        raise MissingComponent("argocd-schema", f"{root} has no installed node_modules")
    if installed.read_bytes() != lock.read_bytes():
        raise MissingComponent("argocd-schema", f"{root} was installed from another lock")
    return root
