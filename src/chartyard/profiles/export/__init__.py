"""Render a profile for GitOps tools: Flux, Argo CD or helmfile, as YAML."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from chartyard.errors import InvalidInput
from chartyard.profiles.export import argocd, flux, helmfile
from chartyard.profiles.export.model import ExportPack, RegistryInfo, k8s_name, with_dependencies

FORMATS: dict[str, Callable[[str, list[ExportPack]], list[dict[str, Any]]]] = {
    "flux": flux.documents,
    "argocd": argocd.documents,
    "helmfile": helmfile.documents,
}

__all__ = ["FORMATS", "ExportPack", "RegistryInfo", "k8s_name", "render"]


def render(fmt: str, profile: str, packs: list[ExportPack]) -> str:
    """Return the multi-document YAML of `profile` in format `fmt`."""
    documents = FORMATS.get(fmt)
    if documents is None:
        raise InvalidInput("format", f"format '{fmt}' is not supported; use one of "
                                     f"{', '.join(FORMATS)}")
    docs = documents(profile, with_dependencies(packs))
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False,
                              allow_unicode=True)
