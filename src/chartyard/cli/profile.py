"""`chartyard profile`: create cluster profiles, add charts, show, list and export them."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from pydantic import BaseModel
from rich.console import Group

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, fields, table
from chartyard.wire.exports import FORMAT_SUMMARIES as FORMATS

if TYPE_CHECKING:  # commands import the client (and its wire models) when they run
    from chartyard.client import ExportFormat, Profile, ProfileType
    from chartyard.wire.profiles import ProfileTemplate

app = typer.Typer(no_args_is_help=True, help="Cluster profiles: ordered Helm chart layers.")

ProfileArg = Annotated[str, typer.Argument(
    help="Profile uid, name, or name:version when a name has several versions.",
    show_default=False)]


class TypeChoice(StrEnum):
    """Profile types."""

    add_on = "add-on"
    cluster = "cluster"
    infra = "infra"
    system = "system"


def _template(profile: Profile) -> ProfileTemplate | None:
    return profile.spec.draft or profile.spec.published or profile.spec.template


def _pack_rows(profile: Profile) -> list[tuple[Any, ...]]:
    rows = []
    template = _template(profile)
    for i, p in enumerate(template.packs if template else [], 1):
        if p.is_invalid:
            state = f"invalid: {p.in_valid_reason or p.invalid_reason or ''}"
        elif p.drift_unknown:
            state = "drift unknown"
        elif p.verified is False:
            state = "unverified"
        else:
            state = "ok"
        rows.append((i, p.name, p.tag, p.registry_name or p.registry_uid, p.namespace,
                     p.source, state))
    return rows


def _describe(profile: Profile) -> Group:
    meta, spec, template = profile.metadata, profile.spec, _template(profile)
    summary = fields([("Name", meta.name), ("UID", meta.uid),
                      ("Version", spec.version), ("Type", template.type if template else None),
                      ("Published", "yes" if profile.status.is_published else "no (draft)"),
                      ("Description", meta.annotations.get("description")),
                      ("Labels", [f"{k}={v}" for k, v in meta.labels.items()])])
    packs = table(["#", "CHART", "VERSION", "REGISTRY", "NAMESPACE", "SOURCE", "STATE"],
                  _pack_rows(profile), title="Layers")
    return Group(summary, "", packs)


def _json(model: BaseModel) -> Any:
    return model.model_dump(by_alias=True, mode="json")


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Profile name.", show_default=False)],
    version: Annotated[str, typer.Option("--version", help="Semantic version.")] = "1.0.0",
    profile_type: Annotated[TypeChoice, typer.Option(
        "--type", help="add-on; cluster (full); infra or system.")] = TypeChoice.add_on,
    description: Annotated[str, typer.Option("--description", help="Free text.")] = "",
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Create an empty cluster profile; add charts with `profile add-chart`."""
    kind: ProfileType = profile_type.value
    with config.connect(url) as client:
        created = client.profiles.create(name, version=version, profile_type=kind,
                                         description=description)
    emit({"uid": created.uid, "name": name, "version": version}, output,
         lambda: f"Profile '{name}' {version} created ({created.uid}).")


def _read_values(path: Path | None) -> str:
    if path is None:
        return ""
    if str(path) == "-":
        return sys.stdin.read()
    if not path.is_file():
        raise typer.BadParameter(f"'{path}' is not a readable file", param_hint="--values-file")
    return path.read_text()


@app.command("add-chart")
def add_chart(
    profile: ProfileArg,
    chart: Annotated[str, typer.Argument(help="Chart name.", show_default=False)],
    version: Annotated[str, typer.Argument(help="Chart version.", show_default=False)],
    registry: Annotated[str, typer.Option(
        "--registry", "-r", help="Registry name or uid.", show_default=False)],
    values_file: Annotated[Path | None, typer.Option(
        "--values-file", "-f", help="values.yaml for this layer ('-' reads stdin); the "
        "chart's defaults when omitted.", show_default=False)] = None,
    private: Annotated[bool, typer.Option(
        "--private", help="A Private Pack: checked live in the registry instead of the "
        "catalog (for registries with sync off, such as GHCR).")] = False,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Add a chart as the profile's next layer."""
    from chartyard.client import pack

    text = _read_values(values_file)
    with config.connect(url) as client:
        found = client.profiles.resolve(profile)
        ref = client.registries.resolve(registry)
        updated = client.profiles.add_chart(
            found.metadata.uid or "", pack(chart, version, ref.uid, values=text,
                                           private=private))
    emit(_json(updated), output, lambda: Group(
        f"Added {chart} {version} from '{ref.name}' to profile "
        f"'{found.metadata.name}'.", "", _describe(updated)))


@app.command("show")
def show(profile: ProfileArg, url: config.UrlOption = None,
         output: OutputOption = OutputFormat.table) -> None:
    """Show a profile and its chart layers."""
    with config.connect(url) as client:
        uid = client.profiles.resolve(profile).metadata.uid or ""
        body = client.profiles.get(uid)
    emit(_json(body), output, lambda: _describe(body))


@app.command("list")
def list_profiles(url: config.UrlOption = None,
                  output: OutputOption = OutputFormat.table) -> None:
    """List the cluster profiles."""
    with config.connect(url) as client:
        rows = client.profiles.list()
    emit([_json(r) for r in rows], output, lambda: table(
        ["NAME", "VERSION", "TYPE", "CHARTS", "PUBLISHED", "DESCRIPTION", "UID"],
        [(r.metadata.name, r.spec.version, r.spec.template.type, len(r.spec.template.packs),
          "yes" if r.status.is_published else "draft",
          r.metadata.annotations.get("description"), r.metadata.uid)
         for r in rows]))


def _check_format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


@app.command("export")
def export(
    profile: ProfileArg,
    fmt: Annotated[str, typer.Option(
        "--format", callback=_check_format, autocompletion=lambda: list(FORMATS),
        help=", ".join(f"{name} ({summary})" for name, summary in FORMATS.items()) + ".",
        show_default=False)],
    var: Annotated[list[str] | None, typer.Option(
        "--var", help="NAME=VALUE: a profile variable's value, substituted into the values. "
        "Repeat for several.", show_default=False)] = None,
    url: config.UrlOption = None,
    output: Annotated[OutputFormat, typer.Option(
        "--output", "-o", help="table (the default) prints the YAML itself; json or yaml wrap "
        "it with the profile's uid and format.", case_sensitive=False)] = OutputFormat.table,
) -> None:
    """Print the profile as Flux, Argo CD or helmfile YAML, or Palette's profile file.

    Values the charts' schemas refuse once the variables are substituted are printed
    each with its layer field and JSON pointer; the exit code is then 1.
    """
    from chartyard.cli.profile_values import fail_values_invalid, parse_pairs
    from chartyard.client import ApiError

    given = parse_pairs(var or [], "--var")
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        chosen = cast("ExportFormat", fmt)
        try:
            text = client.profiles.export(uid, chosen, given)
        except ApiError as exc:
            fail_values_invalid(exc)
            raise
    if output is OutputFormat.table:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        emit({"uid": uid, "format": chosen, "content": text}, output, str)
