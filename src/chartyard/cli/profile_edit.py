"""`chartyard profile` edits: layers, values, versions, publish, clone, delete, upgrades."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group

from chartyard.cli import config
from chartyard.cli.charts_diff import render_compare
from chartyard.cli.output import OutputFormat, OutputOption, emit, table
from chartyard.cli.profile import ProfileArg, _describe, _json, _read_values

version_app = typer.Typer(no_args_is_help=True, help="Versions of a cluster profile.")

ChartArg = Annotated[str, typer.Argument(help="Chart name of the layer.", show_default=False)]


def remove_chart(profile: ProfileArg, chart: ChartArg, url: config.UrlOption = None,
                 output: OutputOption = OutputFormat.table) -> None:
    """Remove a chart's layer from the profile."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        body = client.profiles.remove_chart(uid, chart)
    emit(_json(body), output, lambda: Group(f"Removed {chart}.", "", _describe(body)))


def set_values(
    profile: ProfileArg, chart: ChartArg,
    values_file: Annotated[Path, typer.Option(
        "--values-file", "-f", help="New values.yaml of the layer ('-' reads stdin).",
        show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Replace the values of a chart's layer."""
    text = _read_values(values_file)
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        body = client.profiles.set_values(uid, chart, text)
    emit(_json(body), output, lambda: Group(f"Values of {chart} replaced.", "", _describe(body)))


def set_version(
    profile: ProfileArg, chart: ChartArg,
    version: Annotated[str, typer.Argument(help="Chart version to move to.",
                                           show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Move a chart's layer to another version; its values stay."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        body = client.profiles.set_version(uid, chart, version)
    emit(_json(body), output, lambda: Group(f"{chart} is now at {version}.", "", _describe(body)))


def upgrades(profile: ProfileArg, url: config.UrlOption = None,
             output: OutputOption = OutputFormat.table) -> None:
    """Show the newer versions the catalog has for each layer (same major, newer major)."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        rows = client.profiles.upgrades(uid)
    emit(rows, output, lambda: table(
        ["CHART", "VERSION", "SAME MAJOR", "NEWER MAJOR"],
        [(r["name"], r["version"], r["sameMajor"], r["newerMajor"]) for r in rows]))


def compare(
    profile: ProfileArg, chart: ChartArg,
    version: Annotated[str, typer.Argument(help="Version to compare the layer's with.",
                                           show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Show what upgrading a layer to VERSION would change, and overrides it would orphan."""
    with config.connect(url) as client:
        found = client.profiles.get(client.profiles.resolve_uid(profile),
                                    check_drift=False)
        template = found.spec.draft or found.spec.published or found.spec.template
        packs = template.packs if template else []
        index = next((i for i, p in enumerate(packs) if p.name == chart), None)
        if index is None:
            raise typer.BadParameter(f"the profile has no layer of chart '{chart}'",
                                     param_hint="CHART")
        body = client.profiles.compare_upgrade(found.metadata.uid or "", index, version)
    emit(body, output, lambda: render_compare(body))


def delete(profile: ProfileArg,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
           url: config.UrlOption = None,
           output: OutputOption = OutputFormat.table) -> None:
    """Delete one version of a profile (name:version or uid); other versions stay."""
    with config.connect(url) as client:
        found = client.profiles.resolve(profile)
        meta = found.metadata
        label = f"{meta.name} {found.spec.version}"
        if not yes and not typer.confirm(f"Delete cluster profile {label}?"):
            raise typer.Exit(1)
        client.profiles.delete(meta.uid or "")
    emit({"uid": meta.uid, "deleted": True}, output, lambda: f"Deleted {label}.")


def publish(profile: ProfileArg, url: config.UrlOption = None,
            output: OutputOption = OutputFormat.table) -> None:
    """Publish a profile's draft."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        client.profiles.publish(uid)
        body = client.profiles.get(uid, check_drift=False)
    emit(_json(body), output, lambda: f"Published {body.metadata.name}.")


def clone(
    profile: ProfileArg,
    name: Annotated[str, typer.Argument(help="Name of the copy.", show_default=False)],
    version: Annotated[str | None, typer.Option(
        "--version", help="Version of the copy (the source's when omitted).",
        show_default=False)] = None,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Copy a profile under a new name."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        created = client.profiles.clone(uid, name, version)
    emit({"uid": created.uid, "name": name}, output,
         lambda: f"Cloned into '{name}' ({created.uid}).")


@version_app.command("create")
def version_create(
    profile: ProfileArg,
    version: Annotated[str, typer.Argument(help="The new semantic version, e.g. 1.1.0.",
                                           show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Save the profile as a new version (Palette's flow); both versions stay."""
    with config.connect(url) as client:
        source = client.profiles.resolve(profile)
        created = client.profiles.new_version(source.metadata.uid or "", version)
    emit({"uid": created.uid, "name": source.metadata.name, "version": version},
         output, lambda: f"Version {version} of '{source.metadata.name}' created "
                         f"({created.uid}).")


@version_app.command("list")
def version_list(profile: ProfileArg, url: config.UrlOption = None,
                 output: OutputOption = OutputFormat.table) -> None:
    """List the versions of a profile's name."""
    with config.connect(url) as client:
        name = client.profiles.resolve(profile).metadata.name
        rows: list[dict[str, Any]] = [
            {"version": r.spec.version, "uid": r.metadata.uid}
            for r in client.profiles.list(name=name) if r.metadata.name == name]
    emit(rows, output, lambda: table(["VERSION", "UID"],
                                     [(r["version"], r["uid"]) for r in rows]))


def register(app: typer.Typer) -> None:
    """Add the edit commands to the `profile` command group."""
    for name, command in (("remove-chart", remove_chart), ("set-values", set_values),
                          ("set-version", set_version), ("upgrades", upgrades),
                          ("compare", compare), ("publish", publish), ("clone", clone),
                          ("delete", delete)):
        app.command(name)(command)
    app.add_typer(version_app, name="version")
