"""`chartyard registry update`, `registry events` and `registry events-secret`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chartyard.cli import config
from chartyard.cli.login import read_secret
from chartyard.cli.output import OutputFormat, OutputOption, emit, fields, note
from chartyard.registries.kinds import get_kind

RegistryArg = Annotated[str, typer.Argument(help="Registry name or uid.", show_default=False)]
_SECRET_FLAGS = ("passwordSet", "secretKeySet")


def writable(body: dict[str, Any]) -> dict[str, Any]:
    """Return the part of a fetched registry that a PUT takes; empty secrets are left out."""
    spec = {k: v for k, v in body.get("spec", {}).items() if k not in _SECRET_FLAGS}
    for holder in (spec.get("auth"), spec.get("credentials")):
        if isinstance(holder, dict):
            for secret in ("password", "secretKey"):
                if not holder.get(secret):
                    holder.pop(secret, None)
            for flag in _SECRET_FLAGS:
                holder.pop(flag, None)
    return {"metadata": {"name": body["metadata"]["name"]}, "spec": spec}


def update(
    name: RegistryArg,
    new_name: Annotated[str | None, typer.Option(
        "--name", help="Rename the registry.", show_default=False)] = None,
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", help="New endpoint.", show_default=False)] = None,
    username: Annotated[str | None, typer.Option(
        "--username", help="User for Basic authentication.", show_default=False)] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read a new password (or ECR secret key) from stdin.")] = False,
    ca_file: Annotated[Path | None, typer.Option(
        "--ca-file", exists=True, dir_okay=False, readable=True,
        help="New PEM CA bundle.", show_default=False)] = None,
    insecure: Annotated[bool | None, typer.Option(
        "--insecure-skip-tls-verify/--verify-tls",
        help="Skip or restore TLS verification.", show_default=False)] = None,
    sync: Annotated[bool | None, typer.Option(
        "--sync/--no-sync", help="Turn the synchronized catalog on or off.",
        show_default=False)] = None,
    base_path: Annotated[list[str] | None, typer.Option(
        "--base-path", help="Replace the base content paths (repeatable).",
        show_default=False)] = None,
    repository: Annotated[list[str] | None, typer.Option(
        "--repository", help="Replace the explicit repositories (repeatable).",
        show_default=False)] = None,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Change a registry's settings; what you do not pass stays, secrets included."""
    secret = read_secret(True, "Password") if password_stdin else None
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        body = writable(client.registries.get(ref.uid, ref.kind))
        spec = body["spec"]
        if new_name:
            body["metadata"]["name"] = new_name
        if endpoint:
            spec["endpoint"] = endpoint
        kind = get_kind(ref.kind)
        kind.cli_update(spec, username, secret)
        if ca_file is not None:
            kind.tls_holder(spec)["certificate"] = ca_file.read_text()
        if insecure is not None:
            kind.tls_holder(spec)["insecureSkipVerify"] = insecure
        if sync is not None:
            spec["isSyncSupported"] = sync
        if base_path is not None:
            spec["baseContentPath"] = list(base_path)  # docs/API.md: a JSON list is accepted
        if repository is not None:
            spec["repositories"] = list(repository)
        client.registries.update(ref.uid, body, ref.kind)
        shown = client.registries.get(ref.uid, ref.kind)
    emit(shown, output, lambda: f"Registry '{shown['metadata']['name']}' updated.")


def _describe_events(info: dict[str, Any]) -> Any:
    last = info.get("lastEvent")
    last_text = "none received"
    if last:
        ref = last["repository"] + (f":{last['tag']}" if last.get("tag") else "")
        last_text = f"{last['action']} {ref} at {info['lastEventTime']}"
    return fields([
        ("URL", info["url"]),
        ("Secret", "set" if info["secretSet"] else "not set (chartyard registry events-secret)"),
        ("Last event", last_text),
        ("Received", f"{info['received']} events: {info['refreshed']} refreshes, "
                     f"{info['ignored']} ignored, {info['outOfScope']} out of scope")])


def events(name: RegistryArg, url: config.UrlOption = None,
           output: OutputOption = OutputFormat.table) -> None:
    """Show the URL a registry's notifications go to and the last event received."""
    with config.connect(url) as client:
        info = client.events.get(client.registries.resolve(name).uid)
    emit(info, output, lambda: _describe_events(info))


def events_secret(name: RegistryArg, url: config.UrlOption = None,
                  output: OutputOption = OutputFormat.table) -> None:
    """Create or rotate the secret a registry's push notifications authenticate with.

    The secret is printed only once; send it as `Authorization: Bearer <secret>` to
    POST /v1/registries/<uid>/events (docker-registry's notifications.endpoints headers,
    or Harbor's webhook auth header).
    """
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        body = client.events.rotate_secret(ref.uid)
    endpoint = f"{client.url}/v1/registries/{ref.uid}/events"
    if output is OutputFormat.table:
        note(f"Store this secret now: it is not shown again. Events go to {endpoint}")
    emit({"uid": ref.uid, "name": ref.name, "endpoint": endpoint, **body}, output,
         lambda: str(body.get("secret") or body))


def register(app: typer.Typer) -> None:
    """Add `update`, `events` and `events-secret` to the `registry` command group."""
    app.command("update")(update)
    app.command("events")(events)
    app.command("events-secret")(events_secret)
