"""No package imports another package's private (``_name``) modules."""

from __future__ import annotations

from tests.architecture.imports import SRC, Import, all_imports, unit_of


def private_crossings(imports: list[Import]) -> list[str]:
    """Return each import of a ``_private`` module that lives in another package."""
    found = []
    for imp in imports:
        if not imp.imported.startswith("chartyard."):
            continue
        parts = imp.imported.split(".")
        private = [i for i, part in enumerate(parts) if part.startswith("_")
                   and not part.startswith("__")]
        if not private:
            continue
        owner = ".".join(parts[: private[0]])
        if not (SRC / owner.replace(".", "/")).is_dir():
            owner = owner.rpartition(".")[0]  # a module's private name: its package owns it
        if not (imp.module == owner or imp.module.startswith(owner + ".")):
            found.append(f"{imp.module}:{imp.line} imports {imp.imported}")
    return found


def test_no_module_imports_a_private_module_of_another_package() -> None:
    crossings = private_crossings(all_imports())
    assert crossings == [], (
        "import the package's public names instead (add them to its __init__):\n"
        + "\n".join(crossings))


def test_the_check_catches_a_private_import() -> None:
    bad = Import("chartyard.helmrepo._http", "chartyard.http._retry", 1)
    own = Import("chartyard.http._transfer", "chartyard.http._retry", 1)
    sibling = Import("chartyard.cli.profile_edit", "chartyard.cli.profile._json", 1)
    assert private_crossings([bad, own, sibling]) == [
        "chartyard.helmrepo._http:1 imports chartyard.http._retry"]
    assert unit_of("chartyard.oci._client") == "chartyard.oci"
