"""The export formats as the wire names them (``GET /v1/clusterprofiles/{uid}/export``)."""

from __future__ import annotations

from typing import Literal

FormatName = Literal["json", "yaml", "flux", "argocd", "helmfile"]
"""The `format=` values of the export endpoint (a static type for clients)."""
