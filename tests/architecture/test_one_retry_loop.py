"""Every registry client retries through the one loop of `chartyard.http` (`Transfer`)."""

from __future__ import annotations

import ast

from tests.architecture.imports import PACKAGE, module_name

LOOP_PARTS = ("backoff_delay", "parse_retry_after", "RETRYABLE_EXCEPTIONS")


def uses_outside_http() -> list[str]:
    """Return each module outside ``chartyard.http`` that names a part of a retry loop."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if name == "chartyard.http" or name.startswith("chartyard.http."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name | ast.Attribute):
                ident = node.id if isinstance(node, ast.Name) else node.attr
                if ident in LOOP_PARTS:
                    found.append(f"{name}:{node.lineno}: {ident}")
    return found


def test_no_client_has_a_retry_loop_of_its_own() -> None:
    found = uses_outside_http()
    assert found == [], "send through chartyard.http.Transfer instead:\n" + "\n".join(found)


def test_the_check_sees_the_loop_where_it_is() -> None:
    inside = (PACKAGE / "http" / "_transfer.py").read_text(encoding="utf-8")
    assert all(part in inside for part in ("backoff_delay", "parse_retry_after"))

