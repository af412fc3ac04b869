"""The docs stand alone: no citations of documents outside the repository, a README with
a table of contents, and the architecture and contributor pages it points to."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"DESIGN(\.md)? ?§|DESIGN\.md|TESTING\.md")


def texts() -> list[Path]:
    """Return the project's source and documentation files."""
    return [*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("src").rglob("*.html"),
            *ROOT.joinpath("src").rglob("*.js"), *ROOT.joinpath("docs").glob("*.md"),
            ROOT / "README.md", ROOT / "CONTRIBUTING.md"]


def headings(markdown: str, level: str = "## ") -> list[str]:
    """Return the headings of one level, skipping fenced code blocks."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith(level):
            found.append(line[len(level):])
    return found


def test_nothing_cites_a_document_outside_the_repository() -> None:
    cited = [f"{p.relative_to(ROOT)}:{n}" for p in texts()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert cited == [], "cite docs/API.md or the OpenAPI description instead:\n" + \
        "\n".join(cited)


def test_the_readme_lists_every_section_in_its_contents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = [h for h in headings(readme) if h != "Contents"]
    contents = readme.split("## Contents", 1)[1].split("\n## ", 1)[0]
    assert "Quick start" in sections and "Configuration" in sections
    assert [h for h in sections if f"[{h}](#" not in contents] == []


def test_the_pages_the_readme_points_to_exist_and_hold_their_parts() -> None:
    architecture = headings((ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    for part in ("Layers", "Registry families and kinds", "The flow of a sync",
                 "The flow of a request", "What a new kind touches",
                 "What a new family touches"):
        assert part in architecture
    assert (ROOT / "CONTRIBUTING.md").is_file() and (ROOT / "docs" / "API.md").is_file()
