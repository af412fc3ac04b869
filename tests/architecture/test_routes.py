"""Route handlers take sessions and services as dependencies: no transactions, no services
built by hand (`api/deps.py` `SessionDep`, `api/services.py`, `web/services.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.imports import PACKAGE

SERVICES = ("RegistryService", "CatalogService", "ProfileService", "PaletteProfiles",
            "UserService", "PackResolver")


def route_files() -> list[Path]:
    """Return the API route modules and the web UI's ``*routes*`` modules."""
    return sorted([*(PACKAGE / "api" / "routes").glob("*.py"),
                   *(PACKAGE / "web").glob("*routes*.py")])


def findings(path: Path) -> list[str]:
    """Return each ``with ctx.transaction()`` and each service built by hand in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                        and call.func.attr == "transaction":
                    found.append(f"{path.name}:{node.lineno}: with ...transaction()")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in SERVICES:
            found.append(f"{path.name}:{node.lineno}: {node.func.id}(...) built by hand")
    return found


def test_route_files_are_found() -> None:
    names = {p.name for p in route_files()}
    assert {"registries.py", "profiles.py", "registry_routes.py", "user_routes.py"} <= names


def test_no_handler_opens_a_transaction_or_builds_a_service() -> None:
    found = [f for path in route_files() for f in findings(path)]
    assert found == [], (
        "take `SessionDep` and the service providers (`Registries`, `Profiles`, `Later`, ...) "
        "as parameters instead:\n" + "\n".join(found))


def test_the_check_catches_both(tmp_path: Path) -> None:
    bad = tmp_path / "bad_routes.py"
    bad.write_text("def handler(ctx, principal):\n"
                   "    with ctx.transaction() as session:\n"
                   "        return RegistryService(ctx, session, principal).all()\n")
    assert findings(bad) == ["bad_routes.py:2: with ...transaction()",
                             "bad_routes.py:3: RegistryService(...) built by hand"]
