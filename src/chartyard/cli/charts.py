"""`chartyard charts`: search the catalog, list a chart's versions, print default values."""

from __future__ import annotations

from typing import Annotated

import typer

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, short_digest, table

app = typer.Typer(no_args_is_help=True, help="The synchronized chart catalog.")

RegistryOption = Annotated[str, typer.Option(
    "--registry", "-r", help="Registry name or uid.", show_default=False)]


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(
        help="Words, or their beginnings, of a chart's name, keywords, description or "
             "maintainers.")] = "",
    registry: Annotated[str | None, typer.Option(
        "--registry", "-r", help="Only this registry (name or uid).", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000,
                                       help="Show at most this many charts.")] = 100,
    kind: Annotated[str | None, typer.Option(
        "--kind", help="Only registries of this kind (basic, ecr).", show_default=False)] = None,
    newer_than: Annotated[str | None, typer.Option(
        "--newer-than", help="Only charts with a version newer than this SemVer version.",
        show_default=False)] = None,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Search charts by name, keyword, description or maintainer, best match first."""
    with config.connect(url) as client:
        registry_uid = client.registries.resolve(registry).uid if registry else None
        hits = client.charts.search(text, registry_uid=registry_uid, max_items=limit,
                                    registry_kind=kind, newer_than=newer_than)
    emit([h.model_dump(mode="json", by_alias=True) for h in hits], output, lambda: table(
        ["CHART", "REGISTRY", "REPOSITORY", "LATEST", "VERSIONS", "DESCRIPTION"],
        [(h.name, h.registry_name, h.repository, h.latest_version, h.versions, h.description)
         for h in hits]))


@app.command("versions")
def versions(
    chart: Annotated[str, typer.Argument(help="Chart name.", show_default=False)],
    registry: RegistryOption,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """List a chart's versions in a registry, newest first."""
    with config.connect(url) as client:
        ref = client.registries.resolve(registry)
        found = client.charts.versions(chart, ref.uid)
    emit(found.model_dump(mode="json", by_alias=True), output, lambda: table(
        ["VERSION", "TAG", "APP VERSION", "REPOSITORY", "DIGEST"],
        [(t.version, t.tag, t.app_version, t.repository, short_digest(t.digest))
         for t in found.tags], title=f"{chart} in {ref.name}"))


@app.command("values")
def values(
    chart: Annotated[str, typer.Argument(help="Chart name.", show_default=False)],
    version: Annotated[str, typer.Argument(help="Chart version (or tag).", show_default=False)],
    registry: RegistryOption,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Print a chart version's default values.yaml."""
    with config.connect(url) as client:
        ref = client.registries.resolve(registry)
        tag = client.charts.find_version(chart, version, ref.uid)
        text = client.charts.values(tag.pack_uid)
    if output is OutputFormat.json:
        emit({"name": chart, "version": tag.version, "packUid": tag.pack_uid,
              "registryUid": ref.uid, "values": text}, output, str)
    else:
        # values.yaml is already YAML: print it byte for byte, for tables and yaml alike.
        typer.echo(text, nl=not text.endswith("\n"))
