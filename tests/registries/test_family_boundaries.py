"""No code outside ``chartyard.registries`` branches on a registry family or a target type.

Such a branch is how a family used to be picked (``isinstance(target, HelmRepoTarget)``,
``kind.family != "oci"``, or a type guard such as ``is_index_target(target)``); each one is
a place a new family would have to edit. The family objects in
``chartyard.registries.families`` answer instead, through hooks (``open_chart``,
``open_registry``, ``push_chart``, ...).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "chartyard"
ALLOWED = SRC / "registries"
TARGET_TYPES = {"RegistryTarget", "HelmRepoTarget", "EcrTarget"}
FAMILY_NAMES = {"oci", "helm"}
GUARDS = {"TypeIs", "TypeGuard"}
GUARD_NAME = re.compile(r"^is_\w*target$")
# A comparison with a family name in a Jinja template ({% if x.family == "oci" %}).
TEMPLATE_FAMILY = re.compile(
    r"""\bfamily\s*[!=]=\s*["']\w+["']|["']\w+["']\s*[!=]=\s*[\w.]*family\b""")


def _python_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if ALLOWED not in p.parents]


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _mentions_family(node: ast.AST) -> bool:
    return any("family" in name for name in _names(node))


def offences(source: str, name: str) -> list[str]:
    """Return each isinstance on a target type, or family-name comparison, in one module."""
    tree = ast.parse(source, name)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "isinstance" and len(node.args) == 2 \
                and _names(node.args[1]) & TARGET_TYPES:
            found.append(f"{name}:{node.lineno}: isinstance on a target type")
        if isinstance(node, ast.Compare) and any(
                isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
            sides = [node.left, *node.comparators]
            literals = {s.value for s in sides
                        if isinstance(s, ast.Constant) and isinstance(s.value, str)}
            if literals & FAMILY_NAMES and any(_mentions_family(s) for s in sides):
                found.append(f"{name}:{node.lineno}: compares a family name")
        if isinstance(node, ast.Call) and GUARD_NAME.match(_called(node.func)):
            found.append(f"{name}:{node.lineno}: calls a target-type guard")
        if isinstance(node, ast.ImportFrom) and any(GUARD_NAME.match(a.name)
                                                    for a in node.names):
            found.append(f"{name}:{node.lineno}: imports a target-type guard")
    return found + type_guards(tree, name)


def type_guards(tree: ast.AST, name: str) -> list[str]:
    """Return each function declared as a type guard on a target type (TypeIs[HelmRepoTarget])."""
    return [f"{name}:{node.lineno}: a type guard on a target type ({node.name})"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns
            and _annotation_names(node.returns) & GUARDS
            and _annotation_names(node.returns) & TARGET_TYPES]


def _annotation_names(node: ast.AST) -> set[str]:
    found = _names(node)
    for const in ast.walk(node):  # a string annotation: TypeIs["RegistryTarget"]
        if isinstance(const, ast.Constant) and isinstance(const.value, str):
            found |= set(re.findall(r"\w+", const.value))
    return found


def _called(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def test_no_type_guard_on_target_types_anywhere() -> None:
    """The families answer with hooks; a guard would let code outside branch on a type."""
    found = [o for path in SRC.rglob("*.py")
             for o in type_guards(ast.parse(path.read_text(), str(path)),
                                  str(path.relative_to(SRC)))]
    assert found == [], "add a family hook instead:\n" + "\n".join(found)


def test_no_family_or_target_type_branch_outside_registries() -> None:
    found = [o for path in _python_files()
             for o in offences(path.read_text(), str(path.relative_to(SRC)))]
    assert found == [], "ask the registry's family (chartyard.registries.families):\n" + \
        "\n".join(found)


def test_no_family_name_comparison_in_templates() -> None:
    found = []
    for path in (SRC / "web" / "templates").rglob("*.html"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if TEMPLATE_FAMILY.search(line):
                found.append(f"{path.relative_to(SRC)}:{n}")
    assert found == [], "pass the family object to the template instead:\n" + "\n".join(found)


@pytest.mark.parametrize("snippet", [
    "if isinstance(target, HelmRepoTarget):\n    pass\n",
    "ok = isinstance(t, (RegistryTarget, int))\n",
    "if kind.family != 'oci':\n    pass\n",
    "x = 'helm' == family_of(reg).name\n",
    "from chartyard.registries.families import is_index_target\n",
    "if families.is_oci_target(target):\n    pass\n",
    "def is_classic(t: object) -> TypeIs[HelmRepoTarget]:\n    return True\n",
    "def guard(t: object) -> 'TypeGuard[RegistryTarget]':\n    return True\n",
])
def test_the_check_catches_a_branch_that_comes_back(snippet: str) -> None:
    assert offences(snippet, "probe.py")


def test_the_template_check_catches_a_family_comparison() -> None:
    assert TEMPLATE_FAMILY.search('{% if editing and current.family == "oci" %}')
    assert not TEMPLATE_FAMILY.search("{% if current_family.takes_events %}")
