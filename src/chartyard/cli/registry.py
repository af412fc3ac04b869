"""`chartyard registry`: add, list, show, validate, sync and delete registries (OCI and Helm)."""

from __future__ import annotations

import inspect
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chartyard.cli import config
from chartyard.cli.login import read_secret
from chartyard.cli.output import (
    OutputFormat,
    OutputOption,
    emit,
    fail,
    fields,
    say,
    stderr,
    table,
    when,
)
from chartyard.registries.kinds import (
    CliOption,
    CliUsageError,
    RegistryKind,
    all_kinds,
    get_kind,
)
from chartyard.registries.kinds.cli import spec_from_cli

if TYPE_CHECKING:  # commands import the client (and its wire models) when they run
    from chartyard.client import ChartyardClient, Created, RegistryRef, SyncStatus

app = typer.Typer(no_args_is_help=True,
                  help="Registries holding Helm charts: OCI registries and Helm repositories.")
add_app = typer.Typer(no_args_is_help=True, help="Add a registry (validated before it is saved).")
app.add_typer(add_app, name="add")

NameOption = Annotated[str, typer.Option(
    "--name", help="Registry name: any printable text, up to 255 characters.",
    show_default=False)]
SyncOption = Annotated[bool, typer.Option(
    "--sync/--no-sync", help="Keep a synchronized catalog (needs --base-path or --repository).")]
IndexSyncOption = Annotated[bool, typer.Option(
    "--sync/--no-sync", help="Keep a synchronized catalog of the repository's index.yaml.")]
BasePathOption = Annotated[list[str] | None, typer.Option(
    "--base-path", help="Base content path to synchronize under (repeatable).",
    show_default=False)]
CaFileOption = Annotated[Path | None, typer.Option(
    "--ca-file", exists=True, dir_okay=False, readable=True,
    help="PEM CA bundle that signed the registry's certificate.", show_default=False)]
InsecureOption = Annotated[bool, typer.Option(
    "--insecure-skip-tls-verify", help="Do not verify the registry's TLS certificate.")]
RegistryArg = Annotated[str, typer.Argument(help="Registry name or uid.", show_default=False)]


def _read_ca(path: Path | None) -> str:
    return path.read_text() if path else ""


def _created(created: Created, name: str, sync: bool, output: OutputFormat) -> None:
    def render() -> str:
        lines = [f"Registry '{name}' created ({created.uid})."]
        if sync:
            lines.append(f"Its first sync is queued: `chartyard registry sync {name} --wait` "
                         "follows it.")
        return "\n".join(lines)

    emit({"uid": created.uid, "name": name, **created.model_dump(exclude_none=True)}, output,
         render)
    if created.notice and output is OutputFormat.table:
        say(f"Note: {created.notice}")


def _option_parameter(option: CliOption) -> inspect.Parameter:
    """Return the Typer parameter of one option a kind declares."""
    if option.ca_file:
        annotation: Any = Annotated[Path | None, typer.Option(
            *option.flags, exists=True, dir_okay=False, readable=True, help=option.help,
            show_default=False)]
    elif option.is_flag:
        annotation = Annotated[bool, typer.Option(*option.flags, help=option.help)]
    elif option.multiple:
        annotation = Annotated[list[str] | None, typer.Option(
            *option.flags, help=option.help, show_default=False)]
    elif option.param == "endpoint":
        return inspect.Parameter(option.param, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[
            str, typer.Option(*option.flags, help=option.help, show_default=False)])
    else:
        annotation = Annotated[option.type | None, typer.Option(
            *option.flags, help=option.help, show_default=False)]
    return inspect.Parameter(option.param, inspect.Parameter.KEYWORD_ONLY,
                             annotation=annotation, default=option.default)


def _add_command(kind: RegistryKind) -> None:
    """Register `chartyard registry add <kind>` with the options the kind declares."""
    def command(**options: Any) -> None:
        name, sync, output = options.pop("name"), options.pop("sync"), options.pop("output")
        base_paths, url = options.pop("base_path", None) or [], options.pop("url")
        ca_file = options.pop("ca_file", None)
        try:
            spec = spec_from_cli(kind, {**options, "ca_pem": _read_ca(ca_file)},
                                 read_secret)
        except CliUsageError as exc:
            raise typer.BadParameter(exc.message, param_hint=exc.param_hint) from exc
        body = {"metadata": {"name": name},
                "spec": {"providerType": "helm", "isSyncSupported": sync,
                         "baseContentPath": ",".join(base_paths), **spec}}
        with config.connect(url) as client:
            created = client.registries.create(body, kind.name)
            _created(created, name, sync, output)

    common = [
        inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, annotation=NameOption),
        *(_option_parameter(o) for o in kind.cli_options if o.param == "endpoint"),
        *(_option_parameter(o) for o in kind.cli_options if o.param != "endpoint"),
        inspect.Parameter("sync", inspect.Parameter.KEYWORD_ONLY,
                          annotation=SyncOption if kind.has_base_paths else IndexSyncOption,
                          default=True),
        *([inspect.Parameter("base_path", inspect.Parameter.KEYWORD_ONLY,
                             annotation=BasePathOption, default=None)]
          if kind.has_base_paths else []),
        inspect.Parameter("url", inspect.Parameter.KEYWORD_ONLY, annotation=config.UrlOption,
                          default=None),
        inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, annotation=OutputOption,
                          default=OutputFormat.table),
    ]
    command.__signature__ = inspect.Signature(common)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in common}
    command.__name__ = f"add_{kind.name}"
    command.__doc__ = kind.cli_help
    add_app.command(kind.name, help=kind.cli_help)(command)


for _kind in all_kinds():
    _add_command(_kind)


def _status_cell(status: SyncStatus) -> str:
    if not status.isSyncSupported and status.status in ("Pending", "Completed"):
        return f"{status.status} (sync off)"
    return status.status


@app.command("list")
def list_registries(url: config.UrlOption = None,
                    output: OutputOption = OutputFormat.table) -> None:
    """List the registries with their sync status and chart counts."""
    with config.connect(url) as client:
        rows = client.registries.list()
    emit(rows, output, lambda: table(
        ["NAME", "KIND", "ENDPOINT", "AUTH", "SYNC", "CHARTS", "LAST SYNCED", "UID"],
        [(r.metadata["name"], r.spec["kind"], r.spec["endpoint"],
          r.spec["authType"], _status_cell(r.status.syncStatus),
          r.spec["chartCount"], when(r.status.syncStatus.lastSyncedTime),
          r.metadata["uid"]) for r in rows]))


def _describe(body: dict[str, Any], kind_name: str) -> Group:
    meta, spec = body["metadata"], body["spec"]
    status: dict[str, Any] = body["status"]["syncStatus"]
    kind = get_kind(kind_name)
    pairs: list[tuple[str, Any]] = [("Name", meta["name"]), ("UID", meta["uid"]),
                                    ("Kind", kind.name), ("Endpoint", spec["endpoint"])]
    pairs += kind.describe(spec)
    progress = status["progress"]
    pairs += [("Synchronization", spec["isSyncSupported"])]
    if kind.has_base_paths:
        pairs += [("Base content paths", spec.get("baseContentPath") or ""),
                  ("Repositories", spec.get("repositories", []))]
    pairs += [("Sync status", status["status"]),
              ("Sync message", status.get("message")),
              ("Last run", when(status.get("lastRunTime"))),
              ("Last synced", when(status.get("lastSyncedTime"))),
              ("Progress", f"{progress['repositoriesDone']}/{progress['repositoriesTotal']} "
                           f"repositories, {progress['chartVersions']} chart versions")]
    return Group(fields(pairs))


@app.command("show")
def show(name: RegistryArg, url: config.UrlOption = None,
         output: OutputOption = OutputFormat.table) -> None:
    """Show a registry's settings and sync status (never its secrets)."""
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        body = client.registries.get(ref.uid, ref.kind)
    emit(body, output, lambda: _describe(body, ref.kind))


@app.command("validate")
def validate(name: RegistryArg, url: config.UrlOption = None,
             output: OutputOption = OutputFormat.table) -> None:
    """Connect to a registry with its stored settings; exit 1 with the cause if that fails."""
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        client.registries.validate(ref.uid, ref.kind)
    emit({"uid": ref.uid, "name": ref.name, "valid": True}, output,
         lambda: f"Registry '{ref.name}' is valid: reachable, and the credentials are accepted.")


def _wait(client: ChartyardClient, ref: RegistryRef, timeout: float,
          interval: float) -> SyncStatus:
    """Poll the sync status until it ends, drawing a progress bar on stderr."""
    from chartyard.client import TERMINAL_SYNC_STATES

    deadline = time.monotonic() + timeout
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("repositories, {task.fields[versions]} chart versions"),
               TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=False) as bar:
        task = bar.add_task(f"sync {ref.name}", total=None, versions=0)
        while True:
            status = client.registries.sync_status(ref.uid, ref.kind)
            progress = status.progress
            bar.update(task, description=f"sync {ref.name}: {status.status}",
                       total=progress.repositoriesTotal or None,
                       completed=progress.repositoriesDone,
                       versions=progress.chartVersions)
            if status.status in TERMINAL_SYNC_STATES:
                return status
            if time.monotonic() > deadline:
                fail("Timeout", f"the sync of '{ref.name}' did not finish within {timeout:g}s "
                                f"(status {status.status}: {status.message})")
            time.sleep(interval)


@app.command("sync")
def sync(
    name: RegistryArg,
    force: Annotated[bool, typer.Option(
        "--force", help="Also re-check digests already in the catalog.")] = False,
    wait: Annotated[bool, typer.Option(
        "--wait", help="Show progress until the sync ends; exit 1 if it fails.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, help="Seconds --wait waits before giving up.")] = 900,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Synchronize a registry's catalog now."""
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        client.registries.sync(ref.uid, ref.kind, force=force)
        if not wait:
            status = client.registries.sync_status(ref.uid, ref.kind)
            emit(status, output, lambda: f"Sync of '{ref.name}' requested; "
                 f"`chartyard registry show {ref.name}` shows its progress.")
            return
        status = _wait(client, ref, timeout, interval=0.5)
    if status.status == "Failed":
        if output is not OutputFormat.table:
            emit(status, output, str)
        fail(status.reason or "SyncFailed", status.message)
    emit(status, output, lambda: f"Sync of '{ref.name}' completed: {status.message}")


@app.command("delete")
def delete(name: RegistryArg, url: config.UrlOption = None,
           output: OutputOption = OutputFormat.table) -> None:
    """Delete a registry and its catalog."""
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        client.registries.delete(ref.uid, ref.kind)
    emit({"uid": ref.uid, "name": ref.name, "deleted": True}, output,
         lambda: f"Registry '{ref.name}' deleted.")
