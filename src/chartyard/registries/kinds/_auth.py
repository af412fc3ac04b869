"""Palette's ``v1RegistryAuth`` as the basic and helm kinds share it: Basic, a token, or none.

Both kinds keep TLS under ``auth`` in requests, store the type and username in the spec and
the password (or token) encrypted apart, and return the secret empty with ``passwordSet``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chartyard.errors import InvalidInput
from chartyard.registries.kinds.base import (
    CliOption,
    CliUsageError,
    StoredModel,
)
from chartyard.registries.kinds.form import Input
from chartyard.wire.registry_kinds import AuthSpec, AuthType

USERNAME_INPUT = Input("username", "Username", "auth.username")


def password_input(help_text: str) -> Input:
    """Return the password input (a token is typed there too), with its help when none is set."""
    return Input("password", "Password", "auth.password", type="password",
                 stored_flag="auth.passwordSet", help=help_text,
                 stored_help="A password is stored; leave empty to keep it.",
                 autocomplete="new-password", error_paths=("spec.auth.token",))


class CredentialsAuthForm:
    """The form rule of kinds with ``auth``: Basic when a username or password is typed."""

    def finish_form_spec(self, spec: dict[str, Any], values: Mapping[str, Any]) -> None:
        """Set ``auth.type``: ``basic`` when credentials are typed, else ``noAuth``."""
        auth = spec.setdefault("auth", {})
        auth["type"] = "basic" if auth.get("username") or auth.get("password") else "noAuth"


def auth_stored(auth: AuthSpec) -> dict[str, Any]:
    """Return what is stored in the spec: the type and the username, as given."""
    return {"type": auth.type, "username": auth.username}


def auth_secrets(auth: AuthSpec, *, creating: bool) -> dict[str, str] | None:
    """Return the secret to store; None keeps the stored one (an update without it)."""
    if auth.type == "basic":
        if not auth.username:
            raise InvalidInput("spec.auth.username",
                               "spec.auth.username is required when auth.type is 'basic'")
        return _secret(auth.password, "spec.auth.password", "basic", creating)
    if auth.type == "token":
        return _secret(auth.token or auth.password, "spec.auth.token", "token", creating)
    return {}


def _secret(value: str | None, field: str, auth_type: str,
            creating: bool) -> dict[str, str] | None:
    if value:
        return {"password": value}
    if creating:
        raise InvalidInput(field, f"{field} is required when auth.type is '{auth_type}'")
    return None  # keep the stored secret


class StoredAuth(StoredModel):
    """Stored authentication: type and username (the secret is stored encrypted apart)."""

    type: AuthType = "noAuth"
    username: str = ""


def auth_cli_options(server: str, without_user: str) -> tuple[CliOption, ...]:
    """Return the options `BasicAuthCli.cli_rules` reads, worded for a ``registry`` or
    ``repository``."""
    return (
        CliOption("username", ("--username",),
                  f"User for Basic authentication ({without_user} when omitted).",
                  spec_path="auth.username"),
        CliOption("password_stdin", ("--password-stdin",),
                  "Read the password from stdin (prompted otherwise).", bool, False,
                  is_flag=True),
        CliOption("ca_file", ("--ca-file",),
                  f"PEM CA bundle that signed the {server}'s certificate.", ca_file=True,
                  spec_path="auth.tls.certificate"),
        CliOption("insecure", ("--insecure-skip-tls-verify",),
                  f"Do not verify the {server}'s TLS certificate.", bool, False, is_flag=True,
                  spec_path="auth.tls.insecureSkipVerify"),
    )


def auth_rows(spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Return the authentication, username and TLS rows of ``registry show``."""
    auth = spec["auth"]
    return [("Authentication", auth["type"]), ("Username", auth.get("username")),
            ("Password set", bool(auth.get("passwordSet"))),
            ("Custom CA", bool(auth["tls"].get("certificate"))),
            ("Skip TLS verify", bool(auth["tls"].get("insecureSkipVerify")))]


class BasicAuthCli:
    """The CLI of kinds whose spec holds ``auth`` (type, username, password, tls)."""

    def cli_rules(self, options: Mapping[str, Any], spec: dict[str, Any],
                  read_secret: Callable[[bool, str], str | None]) -> None:
        """Set Basic auth when a username is given, and read its password."""
        username = options.get("username") or ""
        if options.get("password_stdin") and not username:
            raise CliUsageError("--username", "--password-stdin needs --username")
        auth = spec.setdefault("auth", {})
        auth["type"] = "basic" if username else "noAuth"
        if username:
            auth["password"] = read_secret(bool(options.get("password_stdin")), "Password")

    def tls_holder(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Return ``auth.tls``: these kinds keep TLS under ``auth``."""
        tls: dict[str, Any] = spec.setdefault("auth", {}).setdefault("tls", {})
        return tls

    def cli_update(self, spec: dict[str, Any], username: str | None,
                   secret: str | None) -> None:
        """Set the username (turning on Basic authentication) and the password."""
        auth = spec.setdefault("auth", {})
        if username is not None:
            auth.update(type="basic", username=username)
        if secret is not None:
            auth["password"] = secret
