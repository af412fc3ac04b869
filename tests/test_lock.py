"""The dependency locks: complete, consistent with pyproject.toml, and used by every install."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from types import ModuleType

from packaging.requirements import Requirement

from tests.harness.components import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "requirements"


def _check_lock() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_lock",
                                                  REPO_ROOT / "scripts" / "check_lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _project() -> dict[str, object]:
    text = (REPO_ROOT / "pyproject.toml").read_text()
    project: dict[str, object] = tomllib.loads(text)["project"]
    return project


def _requirements(key: str) -> list[Requirement]:
    project = _project()
    if key == "dependencies":
        raw = project["dependencies"]
    else:
        raw = project["optional-dependencies"][key]  # type: ignore[index]
    return [Requirement(line) for line in raw]  # type: ignore[union-attr]


def test_every_pin_has_hashes() -> None:
    for lock in ("app.txt", "test.txt", "sbom.txt"):
        text = (REQUIREMENTS / lock).read_text()
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        pinned = [b for b in blocks if "==" in b.split("\n", 1)[0]]
        assert pinned, lock
        for block in pinned:
            assert "--hash=sha256:" in block, f"{lock}: {block.splitlines()[0]} has no hash"


def test_locks_satisfy_pyproject_and_agree_with_each_other() -> None:
    pins = _check_lock().pins
    app, test = pins(REQUIREMENTS / "app.txt"), pins(REQUIREMENTS / "test.txt")
    for key, lock in (("dependencies", app), ("test", test)):
        for requirement in _requirements(key):
            name = _canonical(requirement.name)
            assert name in lock, f"{requirement} is not in the lock: run scripts/lock.sh"
            assert requirement.specifier.contains(lock[name], prereleases=True), (
                f"{name}=={lock[name]} is locked, but pyproject.toml asks {requirement}: "
                "run scripts/lock.sh")
    shared = app.keys() & test.keys()
    assert app.keys() <= test.keys(), app.keys() - test.keys()
    assert {n: app[n] for n in shared} == {n: test[n] for n in shared}


def test_every_install_reads_the_lock() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start"):readme.index("## Configuration")]
    assert "pip install --require-hashes -r requirements/app.txt" in quick_start
    assert "pip install --no-deps --no-build-isolation ." in quick_start
    containerfile = (REPO_ROOT / "Containerfile").read_text()
    assert re.search(r"--require-hashes --only-binary=:all: --no-compile \\\s+"
                     r"-r /src/requirements/app.txt", containerfile)
    install = (REPO_ROOT / "scripts" / "install-test-deps.sh").read_text()
    assert '--require-hashes --only-binary=:all: -r "$here/requirements/test.txt"' in install
    assert "check_lock.py requirements/test.txt" in (REPO_ROOT / "scripts" / "test.sh").read_text()


def test_renovate_custom_managers_match_what_they_update() -> None:
    config = json.loads((REPO_ROOT / "renovate.json").read_text())
    for manager in config["customManagers"]:
        (pattern,) = manager["managerFilePatterns"]
        path = pattern.strip("/").replace("\\.", ".").lstrip("^").rstrip("$")
        text = (REPO_ROOT / path).read_text()
        for match_string in manager["matchStrings"]:
            python_regex = match_string.replace("(?<", "(?P<")
            found = re.findall(python_regex, text)
            assert found, f"{match_string} matches nothing in {path}"


def test_the_npm_lock_pins_every_package_with_its_integrity_and_is_installed_from() -> None:
    project = REPO_ROOT / "tests" / "harness" / "argocd"
    manifest = json.loads((project / "package.json").read_text())
    lock = json.loads((project / "package-lock.json").read_text())
    for name, version in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    packages = {k: v for k, v in lock["packages"].items() if k}
    assert packages
    for path, entry in packages.items():
        assert entry.get("integrity", "").startswith("sha512-"), f"{path} has no integrity"
    install = (REPO_ROOT / "scripts" / "install-test-deps.sh").read_text()
    assert "npm ci" in install and "npm install" not in install
    config = json.loads((REPO_ROOT / "renovate.json").read_text())
    assert "npm" in config["enabledManagers"]
    (pattern,) = config["npm"]["managerFilePatterns"]
    assert re.search(pattern.strip("/"), "tests/harness/argocd/package.json")
