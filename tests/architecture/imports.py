"""Read every module's imports from its source (ast), resolved to absolute module names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "chartyard"


@dataclass(frozen=True)
class Import:
    """One import: the importing module, the imported module, and where it is."""

    module: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    """Return the dotted name of the module at ``path``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    """Tell whether ``name`` is a chartyard module or package (not a name inside one)."""
    path = SRC / name.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").is_file()


def modules() -> Iterator[tuple[str, Path]]:
    """Yield each module of the chartyard package with its path."""
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path


def imports_of(name: str, path: Path) -> Iterator[Import]:
    """Yield every import in the module (relative ones resolved), at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield Import(name, target, node.lineno)
            # `from pkg import module` imports that module; `from pkg import _x` a private name.
            for alias in node.names:
                full = f"{target}.{alias.name}"
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private or is_module(full):
                    yield Import(name, full, node.lineno)


def all_imports() -> list[Import]:
    """Return the imports of every chartyard module."""
    return [imp for name, path in modules() for imp in imports_of(name, path)]


def unit_of(module: str) -> str:
    """Return the unit a module belongs to: ``chartyard.<first part>`` (or the module)."""
    parts = module.split(".")
    return ".".join(parts[:2])
