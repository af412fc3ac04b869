"""Check exported Argo CD documents against Argo CD's own CRD schemas.

The validators are the CRDs' OpenAPI schemas compiled by ``@kubernetes-models/argo-cd``
(npm, locked in ``tests/harness/argocd/package-lock.json`` and installed by
``scripts/install-test-deps.sh`` into ``.tools/argocd-schema``); ``validate.mjs`` runs
them under node. They check types, enums and required fields. Like the API server, they
do not reject fields the CRD lacks (the API server prunes those on apply), so every
object is also walked against the package's TypeScript declarations, generated from the
same CRD schema: a field the CRD does not have is reported with its path.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.harness.components import REPO_ROOT, find_argocd_schema

SCRIPT = REPO_ROOT / "tests" / "harness" / "argocd" / "validate.mjs"

PREFIX = "IComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1"
_PROPERTY = re.compile(r'^\s+"(?P<name>[^"]+)"\??: (?P<type>.+);$', re.M)
_INTERFACE = re.compile(r"export interface I(?P<name>\w+)(?: extends [\w, ]+)? \{(?P<body>.*?)^\}",
                        re.M | re.S)
_ALIAS = re.compile(r"export type I\w+ = (?P<type>.+);")


def _fields(models: Path, name: str) -> dict[str, str | None] | None:
    """Return the properties of an Argo CD model (name -> model of its value, if one).

    Read from the package's TypeScript declarations, which are generated from the same
    CRD schema: ``None`` for a value that is not an Argo CD object (strings, raw values).
    """
    path = models / f"{name}.d.ts"
    if not path.is_file():
        return None
    text = path.read_text()
    found = _INTERFACE.search(text)
    if found is None:
        alias = _ALIAS.search(text)
        return _fields(models, inner) if alias and (inner := _model(alias["type"])) else None
    return {m["name"]: _model(m["type"]) for m in _PROPERTY.finditer(found["body"])}


def _model(type_text: str) -> str | None:
    found = re.search(PREFIX + r"(\w+)", type_text)
    return found.group(1) if found else None


def argocd_problems(docs: list[Any]) -> list[str]:
    """Return what Argo CD's CRDs refuse in Argo CD documents (core kinds are skipped)."""
    custom = [d for d in docs if isinstance(d, dict)
              and str(d.get("apiVersion", "")).startswith("argoproj.io/")]
    if not custom:
        return []
    cwd = find_argocd_schema()
    node = shutil.which("node")
    assert node is not None
    out = subprocess.run(  # ESM imports resolve from cwd with --input-type=module
        [node, "--input-type=module", "-e", SCRIPT.read_text()], cwd=cwd,
        input=json.dumps(custom), capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    verdicts = json.loads(out.stdout)
    problems = [f"{d['kind']} {d.get('metadata', {}).get('name')}: {v}"
                for d, v in zip(custom, verdicts, strict=True) if v]
    models = cwd / "node_modules" / "@kubernetes-models" / "argo-cd" / "argoproj.io" / "v1alpha1"
    for doc in custom:
        problems += [f"{doc['kind']}: {p}" for p in _unknown(models, doc, str(doc["kind"]), "")]
    return problems


def _unknown(models: Path, node: Any, model: str, path: str) -> list[str]:
    """Return the fields of ``node`` its CRD does not have (which the API server prunes)."""
    if isinstance(node, list):
        return [p for i, item in enumerate(node)
                for p in _unknown(models, item, model, f"{path}[{i}]")]
    fields = _fields(models, model)
    if fields is None or not isinstance(node, dict):
        return []
    out = [f"{path}.{key}: not a field of the CRD here" for key in node if key not in fields]
    for key, value in node.items():
        inner = fields.get(key)
        if inner is not None:
            out += _unknown(models, value, inner, f"{path}.{key}")
    return out


def validate_argocd(docs: list[Any]) -> None:
    """Fail unless every Argo CD document of an export is accepted by its CRD's schema."""
    assert docs, "no documents"
    problems = argocd_problems(docs)
    assert not problems, "\n".join(problems)
