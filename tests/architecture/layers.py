"""The layers of chartyard, lowest first: the one list the import check and the docs share.

A module may import its own unit (``chartyard.<unit>``) and any unit of a lower
layer; units of one layer are independent of each other. docs/ARCHITECTURE.md
shows this list verbatim (``test_layers`` checks that it does).
"""

from __future__ import annotations

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("errors and telemetry", ("chartyard", "errors", "metrics", "logs")),
    ("bounded input", ("limits", "pagination", "names")),
    ("formats", ("http", "helm", "values")),
    ("OCI protocol", ("oci",)),
    ("other registry protocols", ("helmrepo", "aws")),
    ("wire", ("wire",)),
    ("configuration and storage", ("settings", "store")),
    ("chart sources", ("sources",)),
    ("app context", ("context",)),
    ("identity", ("auth",)),
    ("audit", ("audit",)),
    ("registries, users and trust", ("registries", "users", "trust")),
    ("catalog", ("catalog",)),
    ("sync", ("sync",)),
    ("profiles and events", ("profiles", "events")),
    ("mirrors", ("mirror",)),
    ("HTTP API", ("api",)),
    ("web UI", ("web",)),
    ("application and client", ("app", "client")),
    ("command line", ("cli",)),
    ("entry point", ("__main__",)),
)


def layer_of(unit: str) -> int | None:
    """Return the index of the layer holding ``unit`` (``oci``, ``chartyard``), or None."""
    for index, (_, units) in enumerate(LAYERS):
        if unit in units:
            return index
    return None


def as_markdown() -> str:
    """Return the list as docs/ARCHITECTURE.md shows it, highest layer first."""
    lines = ["| # | Layer | Units (`chartyard.<unit>`) |", "|---|---|---|"]
    for index in range(len(LAYERS) - 1, -1, -1):
        name, units = LAYERS[index]
        lines.append(f"| {index} | {name} | {', '.join(f'`{u}`' for u in units)} |")
    return "\n".join(lines)
