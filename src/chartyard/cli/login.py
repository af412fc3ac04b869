"""`chartyard login` and `chartyard logout`: keep a session token in the config directory."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, fail, say


def read_secret(from_stdin: bool, prompt: str) -> str:
    """Return a secret read from one stdin line, or prompted without echo."""
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    else:
        value = typer.prompt(prompt, hide_input=True)
    if not value:
        raise typer.BadParameter(f"{prompt.lower()} is empty")
    return value


def login(
    url: config.UrlOption = None,
    username: Annotated[str | None, typer.Option(
        "--username", "-u", help="User to log in as (prompted when omitted).",
        show_default=False)] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from stdin instead of prompting.")] = False,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Log in with a username and password; store the session token (mode 0600)."""
    from chartyard.client import ApiError, ChartyardClient

    target = config.resolve_url(url)
    user = username or typer.prompt("Username")
    password = read_secret(password_stdin, "Password")
    try:
        with ChartyardClient(target) as client:
            token = client.auth.authenticate(user, password)
    except ApiError as exc:
        fail(exc.code, exc.message, field=exc.field)
    path = config.save_login(target, user, token)
    emit({"url": target, "username": user, "credentials": str(path)}, output,
         lambda: f"Logged in to {target} as {user}; the session token is stored in {path}")
    if os.environ.get(config.ENV_API_KEY) and output is OutputFormat.table:
        say(f"Note: {config.ENV_API_KEY} is set and takes precedence over this login.")


def logout(url: config.UrlOption = None, output: OutputOption = OutputFormat.table) -> None:
    """Revoke the stored session token of a server and forget it."""
    from chartyard.client import ApiError, ChartyardClient

    target = config.resolve_url(url)
    token = config.forget_login(target)
    if token is None:
        emit({"url": target, "loggedOut": False}, output,
             lambda: f"Not logged in to {target}.")
        return
    try:
        with ChartyardClient(target, token=token) as client:
            client.auth.logout()
    except ApiError as exc:
        if exc.status != 401:  # an expired token needs no revoking
            fail(exc.code, exc.message)
    emit({"url": target, "loggedOut": True}, output, lambda: f"Logged out of {target}.")


def register(app: typer.Typer) -> None:
    """Add `login` and `logout` to the app."""
    app.command()(login)
    app.command()(logout)
