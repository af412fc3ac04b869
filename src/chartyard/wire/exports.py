"""The export formats as the wire names them (``GET /v1/clusterprofiles/{uid}/export``)."""

from __future__ import annotations

from typing import Literal

FormatName = Literal["json", "yaml", "flux", "argocd", "helmfile"]
"""The `format=` values of the export endpoint (a static type for clients)."""

FORMAT_SUMMARIES: dict[FormatName, str] = {
    "json": "Palette's profile file",
    "yaml": "Palette's profile file",
    "flux": "OCIRepository + HelmRelease",
    "argocd": "Application",
    "helmfile": "helmfile.yaml",
}
"""What each format writes, as the CLI's help and the UI's export menu say it."""
