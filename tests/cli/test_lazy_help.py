"""`chartyard --help` loads no command group: no API client and no wire models.

Each check runs the entry point in a fresh interpreter, so modules other tests loaded do
not count; it asserts which modules are loaded, never how long that took.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chartyard.cli import app

HEAVY = ("chartyard.client", "chartyard.wire", "chartyard.registries", "pydantic", "httpx")


def _loaded_after(args: list[str]) -> tuple[str, set[str]]:
    code = (
        "import json, sys\n"
        "from chartyard.cli import app\n"
        "try:\n"
        f"    app({args!r}, prog_name='chartyard')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))),"
        " file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=120, env={"COLUMNS": "80", "NO_COLOR": "1",
                                                      "PATH": "/usr/bin:/bin",
                                                      "PYTHONPATH": ":".join(sys.path)})
    return out.stdout, set(json.loads(out.stderr.strip().splitlines()[-1]))


def _prefixes(modules: set[str]) -> set[str]:
    return {p for p in HEAVY if any(m == p or m.startswith(p + ".") for m in modules)}


def test_top_level_help_loads_no_group() -> None:
    shown, loaded = _loaded_after(["--help"])
    assert "registry" in shown and "bundle" in shown
    assert _prefixes(loaded) == set()


def test_a_group_loads_when_it_is_used() -> None:
    shown, loaded = _loaded_after(["registry", "--help"])
    assert "add" in shown and "events-secret" in shown
    assert {"chartyard.registries", "pydantic"} <= _prefixes(loaded)


@pytest.mark.parametrize("name", ["db", "admin", "registry", "charts", "profile", "user",
                                  "apikey", "trust", "bundle"])
def test_declared_help_is_the_groups_own(name: str) -> None:
    from chartyard.cli import groups

    declared = next(g for g in app.registered_groups if g.name == name)
    assert declared.help == getattr(groups, name)().info.help


@pytest.mark.parametrize(("words", "expected"), [
    ("chartyard reg", "registry"),
    ("chartyard registry a", "add"),
    ("chartyard registry add ec", "ecr"),
])
def test_shell_completion_reaches_into_lazy_groups(words: str, expected: str) -> None:
    env = {"_CHARTYARD_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": ":".join(sys.path)}
    out = subprocess.run([sys.executable, "-c",
                          "from chartyard.cli import app; app(prog_name='chartyard')"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.stdout.split() == [expected], out.stderr
