"""Every operation of Palette's spec subset is routed by the app, or listed as not served
(with a reason) in docs/PALETTE-COMPATIBILITY.md; and the document tables them all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chartyard.app import create_app
from chartyard.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "PALETTE-COMPATIBILITY.md"
_ROW = re.compile(r"^\| *(\S+) *\| *([A-Z]+) *\| *`([^`]+)` *\| *(served|not served) *\|(.*)\|$")


def _shape(path: str) -> str:
    """Return a path with its parameters anonymised: `/v1/x/{uid}` → `/v1/x/{}`."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in spec["paths"].items()
            for method in ops if method != "parameters"}


def _doc_rows() -> dict[tuple[str, str], tuple[str, str]]:
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    for line in DOC.read_text().splitlines():
        m = _ROW.match(line.strip())
        if m:
            rows[(m[2], m[3])] = (m[4], m[5].strip())
    return rows


def _routed(tmp_path: Path) -> set[tuple[str, str]]:
    """Return the operations the app routes, as its own OpenAPI document describes them."""
    app = create_app(Settings(data_dir=tmp_path, admin_password="Coverage-Pass-1"))
    return {(method.upper(), _shape(path)) for path, ops in app.openapi()["paths"].items()
            for method in ops}


def test_every_operation_is_served_or_documented_as_not_served(
        palette_spec: dict[str, Any], tmp_path: Path) -> None:
    routed = _routed(tmp_path)
    rows = _doc_rows()
    operations = _operations(palette_spec)
    assert len(operations) >= 40

    undocumented = sorted(operations - set(rows))
    assert not undocumented, f"add these to {DOC.name}: {undocumented}"
    stray = sorted(set(rows) - operations)
    assert not stray, f"{DOC.name} lists operations that are not in the spec: {stray}"

    missing = []
    for method, path in sorted(operations):
        status, reason = rows[(method, path)]
        if status == "not served":
            assert reason, f"{method} {path} is not served: say why in {DOC.name}"
            assert (method, _shape(path)) not in routed, f"{method} {path} is routed now"
        elif (method, _shape(path)) not in routed:
            missing.append(f"{method} {path}")
    assert not missing, f"documented as served but not routed: {missing}"
