"""No import runs from a lower layer to a higher one (or sideways between units of one layer)."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.imports import Import, all_imports, modules
from tests.architecture.layers import LAYERS, as_markdown, layer_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"


def unit(module: str) -> str:
    """Return the unit of a chartyard module: ``oci`` for ``chartyard.oci._client``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def violations(imports: list[Import]) -> list[str]:
    """Return each import that goes up a layer, sideways, or from or to an unlisted unit."""
    found = []
    for imp in imports:
        if imp.imported != "chartyard" and not imp.imported.startswith("chartyard."):
            continue
        here, there = unit(imp.module), unit(imp.imported)
        if here == there:
            continue
        mine, theirs = layer_of(here), layer_of(there)
        if mine is None or theirs is None:
            missing = here if mine is None else there
            found.append(f"{imp.module}:{imp.line}: unit {missing!r} is in no layer; "
                         "add it to tests/architecture/layers.py and docs/ARCHITECTURE.md")
        elif theirs >= mine:
            way = "up" if theirs > mine else "sideways"
            found.append(f"{imp.module}:{imp.line} imports {imp.imported} ({way}: "
                         f"{LAYERS[mine][0]} -> {LAYERS[theirs][0]})")
    return found


def test_every_unit_is_in_a_layer() -> None:
    units = {unit(name) for name, _ in modules()}
    assert sorted(u for u in units if layer_of(u) is None) == []


def test_no_import_runs_up_or_sideways() -> None:
    found = violations(all_imports())
    assert found == [], "\n".join(found)


def test_the_check_catches_an_upward_and_a_sideways_import() -> None:
    up = Import("chartyard.catalog.compare", "chartyard.profiles.values", 20)
    sideways = Import("chartyard.helmrepo._client", "chartyard.aws", 3)
    down = Import("chartyard.profiles.service", "chartyard.catalog.service", 1)
    assert violations([up, sideways, down]) == [
        "chartyard.catalog.compare:20 imports chartyard.profiles.values "
        "(up: catalog -> profiles and events)",
        "chartyard.helmrepo._client:3 imports chartyard.aws "
        "(sideways: other registry protocols -> other registry protocols)",
    ]


def test_the_architecture_doc_shows_the_same_layers() -> None:
    assert as_markdown() in DOC.read_text(encoding="utf-8"), (
        "docs/ARCHITECTURE.md must hold the layer table of tests/architecture/layers.py; "
        "paste as_markdown() into it")
