"""`chartyard charts diff`: what changes between two versions of a chart."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.text import Text

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, table


def render_compare(body: dict[str, Any]) -> RenderableType:
    """Return the Chart.yaml changes, the values diff and any orphaned overrides."""
    parts: list[RenderableType] = [
        f"{body['name']} {body['from']['version']} → {body['to']['version']}", ""]
    changes = body.get("chartChanges") or []
    if changes:
        parts.append(table(["FIELD", "FROM", "TO"],
                           [(c["field"], c["from"], c["to"]) for c in changes],
                           title="Chart.yaml"))
    else:
        parts.append("Chart.yaml: appVersion, kubeVersion and dependencies are unchanged.")
    parts.append("")
    diff = body.get("valuesDiff") or ""
    if diff:
        styled = Text()
        for line in diff.splitlines(keepends=True):
            style = ("green" if line.startswith("+") else "red" if line.startswith("-")
                     else "cyan" if line.startswith("@@") else "")
            styled.append(line, style=style)
        parts.append(styled)
    else:
        parts.append("values.yaml: no changes.")
    if "missingOverrides" in body:
        missing = body["missingOverrides"]
        parts.append("")
        parts.append("Overrides the new default values no longer have: "
                     + (", ".join(missing) if missing else "none"))
    return Group(*parts)


def diff(
    chart: Annotated[str, typer.Argument(help="Chart name.", show_default=False)],
    v1: Annotated[str, typer.Argument(help="The older version.", show_default=False)],
    v2: Annotated[str, typer.Argument(help="The newer version.", show_default=False)],
    registry: Annotated[str, typer.Option(
        "--registry", "-r", help="Registry name or uid.", show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Show the changed Chart.yaml fields and a unified diff of the default values."""
    with config.connect(url) as client:
        ref = client.registries.resolve(registry)
        a = client.charts.find_version(chart, v1, ref.uid)
        b = client.charts.find_version(chart, v2, ref.uid)
        body = client.charts.compare(a.pack_uid, b.pack_uid)
    emit(body, output, lambda: render_compare(body))


def register(app: typer.Typer) -> None:
    """Add `diff` to the `charts` command group."""
    app.command("diff")(diff)
