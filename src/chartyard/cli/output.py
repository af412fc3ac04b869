"""Print results as Rich tables for people, or JSON/YAML for scripts; print errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, RenderableType
from rich.table import Table

stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"
    yaml = "yaml"


OutputOption = Annotated[OutputFormat, typer.Option(
    "--output", "-o", help="table for people; json or yaml for scripts.",
    case_sensitive=False)]


def emit(data: Any, fmt: OutputFormat, render: Callable[[], RenderableType | str]) -> None:
    """Print `data` as JSON or YAML, or what `render` builds for the table format.

    Wire models (and lists of them) are printed with the fields the server sent.
    """
    data = _plain(data)
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    elif fmt is OutputFormat.yaml:
        import yaml  # here: top-level help need not load it

        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        shown = render()
        if isinstance(shown, str):
            stdout.print(shown, markup=False)
        else:
            stdout.print(shown)


def _plain(data: Any) -> Any:
    if isinstance(data, list):
        return [_plain(item) for item in data]
    if hasattr(data, "model_dump"):  # a wire model; pydantic is not imported here
        return data.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return data


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          title: str | None = None) -> Table:
    """Return a table; cells are shown as plain text (no Rich markup)."""
    out = Table(*columns, title=title, header_style="bold", title_justify="left")
    for col in out.columns:
        col.overflow = "fold"
    for row in rows:
        out.add_row(*(text(cell) for cell in row))
    return out


def fields(pairs: Iterable[tuple[str, Any]], *, title: str | None = None) -> Table:
    """Return a two-column table of labelled values."""
    out = Table(show_header=False, title=title, box=None, title_justify="left", pad_edge=False)
    out.add_column(style="bold")
    out.add_column(overflow="fold")
    for label, value in pairs:
        out.add_row(label, text(value))
    return out


def text(value: Any) -> Any:
    """Return a cell: plain text for values, unchanged for Rich renderables."""
    from rich.text import Text

    if value is None or value == "":
        return Text("-", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, list | tuple):
        return Text(", ".join(str(v) for v in value) or "-")
    if isinstance(value, str | int | float):
        return Text(str(value))
    return value


def when(timestamp: str | None) -> str | None:
    """Return an RFC 3339 timestamp as `YYYY-MM-DD HH:MM:SS` (UTC) for a table cell."""
    if not timestamp:
        return None
    return timestamp.replace("T", " ").split(".")[0].removesuffix("Z")


def short_digest(digest: str | None) -> str | None:
    """Return `sha256:` and the first 12 hex digits, as container tools show digests."""
    if not digest:
        return None
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:12]}" if hexpart else digest


def say(message: str) -> None:
    """Print a short confirmation for people (stdout, not markup-interpreted)."""
    stdout.print(message, markup=False)


def note(message: str) -> None:
    """Print a side remark to stderr, so stdout stays parseable."""
    stderr.print(message, markup=False, style="yellow")


def fail(code: str, message: str, *, field: str | None = None,
         hint: str | None = None) -> NoReturn:
    """Print the error code and message to stderr and exit 1."""
    stderr.print(f"Error: {code}: {message}", markup=False, style="red")
    if field and field not in message:
        stderr.print(f"  field: {field}", markup=False)
    if hint:
        stderr.print(f"  hint: {hint}", markup=False)
    raise typer.Exit(1)
