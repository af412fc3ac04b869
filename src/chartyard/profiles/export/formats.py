"""The export formats: the one list every route, page, CLI option and client type reads.

`json` and `yaml` are Palette's profile file (no renderer here: the profile is written as
it is stored); the others are GitOps documents rendered from the profile's packs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from chartyard.profiles.export import argocd, flux, helmfile
from chartyard.profiles.export.model import ExportPack
from chartyard.wire.exports import FORMAT_SUMMARIES, FormatName

Documents = Callable[[str, list[ExportPack]], list[dict[str, Any]]]


@dataclass(frozen=True)
class ExportFormat:
    """One export: its query value, its label, what it writes, and its GitOps renderer
    (None for Palette's profile file)."""

    name: FormatName
    label: str
    summary: str
    documents: Documents | None = None

    @property
    def is_profile_file(self) -> bool:
        """Return whether this is Palette's profile file rather than GitOps documents."""
        return self.documents is None


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("json", "Palette JSON", FORMAT_SUMMARIES["json"]),
    ExportFormat("yaml", "Palette YAML", FORMAT_SUMMARIES["yaml"]),
    ExportFormat("flux", "Flux", FORMAT_SUMMARIES["flux"], flux.documents),
    ExportFormat("argocd", "Argo CD", FORMAT_SUMMARIES["argocd"], argocd.documents),
    ExportFormat("helmfile", "helmfile", FORMAT_SUMMARIES["helmfile"], helmfile.documents),
)}
assert set(FORMATS) == set(get_args(FormatName)), "FormatName and FORMATS disagree"
