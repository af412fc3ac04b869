"""`chartyard user` (tenant admins) and `chartyard apikey` (the caller's own keys)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from chartyard.cli import config
from chartyard.cli.login import read_secret
from chartyard.cli.output import OutputFormat, OutputOption, emit, note, table, when

app = typer.Typer(no_args_is_help=True, help="Users of your tenant (tenant admins only).")
keys = typer.Typer(no_args_is_help=True, help="Your API keys, for scripts and CI.")

UserArg = Annotated[str, typer.Argument(help="Username or uid.", show_default=False)]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from stdin (prompted otherwise).")]


class RoleChoice(StrEnum):
    """Roles, from most to least privileged."""

    tenant_admin = "tenant-admin"
    profile_editor = "profile-editor"
    viewer = "viewer"


def _users_table(rows: list[dict[str, Any]]) -> Any:
    return table(["USERNAME", "ROLE", "STATE", "CREATED", "UID"],
                 [(u["username"], u["role"], "disabled" if u["disabled"] else "active",
                   when(u.get("createdAt")), u["uid"]) for u in rows])


@app.command("list")
def list_users(url: config.UrlOption = None, output: OutputOption = OutputFormat.table) -> None:
    """List the users of your tenant."""
    with config.connect(url) as client:
        rows = client.users.list()
    emit(rows, output, lambda: _users_table(rows))


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="New username.", show_default=False)],
    role: Annotated[RoleChoice, typer.Option("--role", help="Role of the user.")] =
        RoleChoice.viewer,
    password_stdin: PasswordStdin = False,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Create a user; the password is read from stdin or prompted, never a flag."""
    password = read_secret(password_stdin, "Password")
    with config.connect(url) as client:
        user = client.users.create(username, password, role.value)
    emit(user, output, lambda: f"User '{username}' ({role.value}) created ({user['uid']}).")


@app.command("set-role")
def set_role(
    user: UserArg,
    role: Annotated[RoleChoice, typer.Argument(help="New role.", show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Change a user's role."""
    with config.connect(url) as client:
        found = client.users.resolve(user)
        body = client.users.update(found["uid"], role=role.value)
    emit(body, output, lambda: f"User '{body['username']}' is now {body['role']}.")


@app.command("disable")
def disable(user: UserArg, url: config.UrlOption = None,
            output: OutputOption = OutputFormat.table) -> None:
    """Disable a user: their sessions end and their API keys are revoked at once."""
    with config.connect(url) as client:
        found = client.users.resolve(user)
        body = client.users.update(found["uid"], disabled=True)
    emit(body, output, lambda: f"User '{body['username']}' disabled; their sessions and API "
                               "keys no longer work.")


@app.command("enable")
def enable(user: UserArg, url: config.UrlOption = None,
           output: OutputOption = OutputFormat.table) -> None:
    """Enable a disabled user (revoked API keys stay revoked)."""
    with config.connect(url) as client:
        found = client.users.resolve(user)
        body = client.users.update(found["uid"], disabled=False)
    emit(body, output, lambda: f"User '{body['username']}' enabled.")


@app.command("reset-password")
def reset_password(user: UserArg, password_stdin: PasswordStdin = False,
                   url: config.UrlOption = None,
                   output: OutputOption = OutputFormat.table) -> None:
    """Set a user's password; their sessions end."""
    password = read_secret(password_stdin, "New password")
    with config.connect(url) as client:
        found = client.users.resolve(user)
        client.users.reset_password(found["uid"], password)
    emit({"uid": found["uid"], "username": found["username"], "passwordReset": True}, output,
         lambda: f"Password of '{found['username']}' reset; their sessions have ended.")


@keys.command("list")
def list_keys(url: config.UrlOption = None, output: OutputOption = OutputFormat.table) -> None:
    """List your API keys (never the keys themselves)."""
    with config.connect(url) as client:
        rows = client.api_keys.list()
    emit(rows, output, lambda: table(
        ["NAME", "PREFIX", "STATE", "CREATED", "UID"],
        [(k["name"], k["prefix"] + "…", "revoked" if k["revoked"] else "active",
          when(k.get("createdAt")), k["uid"]) for k in rows]))


@keys.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="A name to recognise the key by.")] = "api-key",
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Create an API key; it is printed only this once (set it as CHARTYARD_API_KEY)."""
    with config.connect(url) as client:
        created = client.api_keys.create(name)
    if output is OutputFormat.table:
        note("Store this key now: it is not shown again.")
    emit({"uid": created.uid, "name": name, "key": created.key}, output,
         lambda: created.key)


@keys.command("revoke")
def revoke_key(
    key: Annotated[str, typer.Argument(help="Key uid or name.", show_default=False)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Revoke one of your API keys."""
    with config.connect(url) as client:
        rows = client.api_keys.list()
        match = [k for k in rows if key in (k["uid"], k["name"]) and not k["revoked"]]
        if len(match) != 1:
            raise typer.BadParameter(
                f"'{key}' names {len(match)} active keys; pass the uid from `apikey list`",
                param_hint="KEY")
        client.api_keys.revoke(match[0]["uid"])
    emit({"uid": match[0]["uid"], "revoked": True}, output,
         lambda: f"API key '{match[0]['name']}' revoked.")
