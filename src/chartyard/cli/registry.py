"""`chartyard registry`: add, list, show, validate, sync and delete OCI registries."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

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
from chartyard.client import (
    TERMINAL_SYNC_STATES,
    ChartyardClient,
    Created,
    RegistryKind,
    RegistryRef,
    SyncStatus,
    basic_registry_body,
    ecr_registry_body,
)

app = typer.Typer(no_args_is_help=True, help="OCI registries holding Helm charts.")
add_app = typer.Typer(no_args_is_help=True, help="Add a registry (validated before it is saved).")
app.add_typer(add_app, name="add")

NameOption = Annotated[str, typer.Option("--name", help="Registry name: lowercase, digits, '-'.",
                                         show_default=False)]
SyncOption = Annotated[bool, typer.Option(
    "--sync/--no-sync", help="Keep a synchronized catalog (needs --base-path or --repository).")]
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
        lines = [f"Registry '{name}' created ({created['uid']})."]
        if sync:
            lines.append(f"Its first sync is queued: `chartyard registry sync {name} --wait` "
                         "follows it.")
        return "\n".join(lines)

    emit({"uid": created["uid"], "name": name, **created}, output, render)
    if created.get("notice") and output is OutputFormat.table:
        say(f"Note: {created['notice']}")


@add_app.command("basic")
def add_basic(
    name: NameOption,
    endpoint: Annotated[str, typer.Option(
        "--endpoint", help="Registry URL, e.g. https://harbor.example.com or ghcr.io/org/charts.",
        show_default=False)],
    username: Annotated[str | None, typer.Option(
        "--username", help="User for Basic authentication (anonymous when omitted).",
        show_default=False)] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from stdin (prompted otherwise).")] = False,
    ca_file: CaFileOption = None,
    insecure: InsecureOption = False,
    sync: SyncOption = True,
    base_path: BasePathOption = None,
    repository: Annotated[list[str] | None, typer.Option(
        "--repository", help="Explicit chart repository, for registries without _catalog "
        "such as GHCR (repeatable).", show_default=False)] = None,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Add an OCI registry with Basic authentication or none (Harbor, distribution, GHCR)."""
    if password_stdin and not username:
        raise typer.BadParameter("--password-stdin needs --username", param_hint="--username")
    password = read_secret(password_stdin, "Password") if username else None
    body = basic_registry_body(name, endpoint, username=username or "", password=password,
                               ca_pem=_read_ca(ca_file), insecure_skip_verify=insecure,
                               sync=sync, base_paths=base_path or [],
                               repositories=repository or [])
    with config.connect(url) as client:
        created = client.registries.create(body, "basic")
        _created(created, name, sync, output)


@add_app.command("ecr")
def add_ecr(
    name: NameOption,
    endpoint: Annotated[str, typer.Option(
        "--endpoint", help="ECR registry, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com "
        "or public.ecr.aws/alias.", show_default=False)],
    access_key: Annotated[str | None, typer.Option(
        "--access-key", help="AWS access key ID (the secret key is read with "
        "--secret-key-stdin or prompted).", show_default=False)] = None,
    secret_key_stdin: Annotated[bool, typer.Option(
        "--secret-key-stdin", help="Read the AWS secret access key from stdin.")] = False,
    role_arn: Annotated[str | None, typer.Option(
        "--role-arn", help="IAM role to assume with this tenant's external ID "
        "(see GET /v1/clouds/aws/account/sts).", show_default=False)] = None,
    public: Annotated[bool, typer.Option(
        "--public", help="A public registry (public.ecr.aws): no credentials.")] = False,
    sync: SyncOption = True,
    base_path: BasePathOption = None,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Add an Amazon ECR registry with static keys or an assumed IAM role."""
    if access_key and role_arn:
        raise typer.BadParameter("give --access-key or --role-arn, not both",
                                 param_hint="--role-arn")
    if public and (access_key or role_arn):
        raise typer.BadParameter("a --public registry takes no credentials",
                                 param_hint="--public")
    if secret_key_stdin and not access_key:
        raise typer.BadParameter("--secret-key-stdin needs --access-key",
                                 param_hint="--access-key")
    if not public and not (access_key or role_arn):
        raise typer.BadParameter("a private ECR registry needs --access-key or --role-arn "
                                 "(or pass --public)", param_hint="--access-key")
    secret = read_secret(secret_key_stdin, "Secret access key") if access_key else None
    body = ecr_registry_body(name, endpoint, access_key=access_key or "", secret_key=secret,
                             role_arn=role_arn or "", public=public, sync=sync,
                             base_paths=base_path or [])
    with config.connect(url) as client:
        created = client.registries.create(body, "ecr")
        _created(created, name, sync, output)


def _status_cell(status: SyncStatus) -> str:
    if not status["isSyncSupported"] and status["status"] in ("Pending", "Completed"):
        return f"{status['status']} (sync off)"
    return status["status"]


@app.command("list")
def list_registries(url: config.UrlOption = None,
                    output: OutputOption = OutputFormat.table) -> None:
    """List the registries with their sync status and chart counts."""
    with config.connect(url) as client:
        rows = client.registries.list()
    emit(rows, output, lambda: table(
        ["NAME", "KIND", "ENDPOINT", "AUTH", "SYNC", "CHARTS", "LAST SYNCED", "UID"],
        [(r["metadata"]["name"], r["spec"]["kind"], r["spec"]["endpoint"],
          r["spec"]["authType"], _status_cell(r["status"]["syncStatus"]),
          r["spec"]["chartCount"], when(r["status"]["syncStatus"]["lastSyncedTime"]),
          r["metadata"]["uid"]) for r in rows]))


def _describe(body: dict[str, Any], kind: RegistryKind) -> Group:
    meta, spec = body["metadata"], body["spec"]
    status: SyncStatus = body["status"]["syncStatus"]
    pairs: list[tuple[str, Any]] = [("Name", meta["name"]), ("UID", meta["uid"]),
                                    ("Kind", kind), ("Endpoint", spec["endpoint"])]
    if kind == "basic":
        auth = spec["auth"]
        pairs += [("Authentication", auth["type"]), ("Username", auth.get("username")),
                  ("Password set", bool(auth.get("passwordSet"))),
                  ("Custom CA", bool(auth["tls"].get("certificate"))),
                  ("Skip TLS verify", bool(auth["tls"].get("insecureSkipVerify")))]
    else:
        creds = spec["credentials"]
        pairs += [("Private", spec.get("isPrivate")), ("Credentials", creds["credentialType"]),
                  ("Access key", creds.get("accessKey")),
                  ("Secret key set", bool(creds.get("secretKeySet"))),
                  ("Role ARN", creds.get("sts", {}).get("arn"))]
    progress = status["progress"]
    pairs += [("Synchronization", spec["isSyncSupported"]),
              ("Base content paths", spec.get("baseContentPath", [])),
              ("Repositories", spec.get("repositories", [])),
              ("Sync status", status["status"]),
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
def validate(name: RegistryArg, url: config.UrlOption = None) -> None:
    """Connect to a registry with its stored settings; exit 1 with the cause if that fails."""
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        client.registries.validate(ref.uid, ref.kind)
    say(f"Registry '{ref.name}' is valid: reachable, and the credentials are accepted.")


def _wait(client: ChartyardClient, ref: RegistryRef, timeout: float,
          interval: float) -> SyncStatus:
    """Poll the sync status until it ends, drawing a progress bar on stderr."""
    deadline = time.monotonic() + timeout
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("repositories, {task.fields[versions]} chart versions"),
               TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=False) as bar:
        task = bar.add_task(f"sync {ref.name}", total=None, versions=0)
        while True:
            status = client.registries.sync_status(ref.uid, ref.kind)
            progress = status["progress"]
            bar.update(task, description=f"sync {ref.name}: {status['status']}",
                       total=progress["repositoriesTotal"] or None,
                       completed=progress["repositoriesDone"],
                       versions=progress["chartVersions"])
            if status["status"] in TERMINAL_SYNC_STATES:
                return status
            if time.monotonic() > deadline:
                fail("Timeout", f"the sync of '{ref.name}' did not finish within {timeout:g}s "
                                f"(status {status['status']}: {status['message']})")
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
    if status["status"] == "Failed":
        if output is not OutputFormat.table:
            emit(status, output, str)
        fail(str(status.get("reason") or "SyncFailed"), status["message"])
    emit(status, output, lambda: f"Sync of '{ref.name}' completed: {status['message']}")


@app.command("delete")
def delete(name: RegistryArg, url: config.UrlOption = None) -> None:
    """Delete a registry and its catalog."""
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        client.registries.delete(ref.uid, ref.kind)
    say(f"Registry '{ref.name}' deleted.")
