"""Render a profile for GitOps tools: Flux, Argo CD or helmfile, as YAML."""

from __future__ import annotations

import yaml

from chartyard.errors import InvalidInput
from chartyard.profiles.export.formats import FORMATS, ExportFormat
from chartyard.profiles.export.model import ExportPack, RegistryInfo, k8s_name, with_dependencies
from chartyard.profiles.export.pinning import pinning_notes
from chartyard.wire.exports import FormatName

__all__ = ["FORMATS", "ExportFormat", "ExportPack", "FormatName", "RegistryInfo", "k8s_name",
           "render"]


def render(fmt: str, profile: str, packs: list[ExportPack]) -> str:
    """Return the multi-document YAML of `profile` in format `fmt`."""
    chosen = FORMATS.get(fmt)
    if chosen is None or chosen.documents is None:
        raise InvalidInput("format", f"format '{fmt}' is not supported; use one of "
                                     f"{', '.join(n for n, f in FORMATS.items() if f.documents)}")
    docs = chosen.documents(profile, with_dependencies(packs))
    text = yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False,
                              allow_unicode=True)
    notes = pinning_notes(chosen.name, packs)
    return "".join(f"# {line}\n" for line in notes) + text
