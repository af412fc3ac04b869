"""The export formats: the one list every route, page, CLI option and client type reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from chartyard.profiles.export import argocd, flux, helmfile
from chartyard.profiles.export.model import ExportPack

FormatName = Literal["flux", "argocd", "helmfile"]
"""The `format=` values of the export endpoint (a static type for clients)."""

Documents = Callable[[str, list[ExportPack]], list[dict[str, Any]]]


@dataclass(frozen=True)
class ExportFormat:
    """One GitOps export: its query value, its label, what it writes, and its renderer."""

    name: FormatName
    label: str
    summary: str
    documents: Documents


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("flux", "Flux", "OCIRepository + HelmRelease", flux.documents),
    ExportFormat("argocd", "Argo CD", "Application", argocd.documents),
    ExportFormat("helmfile", "helmfile", "helmfile.yaml", helmfile.documents),
)}
assert set(FORMATS) == set(get_args(FormatName)), "FormatName and FORMATS disagree"
