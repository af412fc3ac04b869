"""`chartyard profile validate` and `chartyard profile vars`: a profile's values checked
against its charts' schemas and variables, and Palette's profile variables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, stderr, table
from chartyard.cli.profile import ProfileArg
from chartyard.wire.variables import Variable

if TYPE_CHECKING:
    from chartyard.client import ApiError


def parse_pairs(pairs: list[str], option: str) -> dict[str, str]:
    """Return `NAME=VALUE` pairs as a dict, or fail naming the option."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint=option)
        out[name] = value
    return out


def fail_values_invalid(exc: ApiError) -> None:
    """Print a `ValuesInvalid` error's every field and JSON pointer to stderr and exit 1.

    Any other error is left to the caller.
    """
    errors = exc.details.get("errors")
    if exc.code != "ValuesInvalid" or not isinstance(errors, list):
        return
    stderr.print(f"Error: {exc.code}: the values break their charts' schemas or variables",
                 markup=False, style="red")
    stderr.print(table(["FIELD", "POINTER", "SOURCE", "MESSAGE"], [
        (e.get("field"), e.get("pointer") or "/", e.get("source"), e.get("message"))
        for e in errors if isinstance(e, dict)]))
    raise typer.Exit(1)


def validate(profile: ProfileArg, url: config.UrlOption = None,
             output: OutputOption = OutputFormat.table) -> None:
    """Check every layer's values against its chart's schema and the variables.

    Prints each error with its layer field and JSON pointer; exits 1 when there is any.
    """
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        found = client.profiles.validate_values(uid)
    rows = [e.model_dump(by_alias=True, exclude_none=True) for e in found.errors]
    emit(rows, output, lambda: table(
        ["FIELD", "POINTER", "SOURCE", "MESSAGE"],
        [(e.field, e.pointer or "/", e.source, e.message) for e in found.errors])
        if found.errors else "No schema or variable errors.")
    if found.errors:
        raise typer.Exit(1)


def variables(
    profile: ProfileArg,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="NAME=VALUE: set a variable's value (a new one is a string variable). "
        "Repeat for several.", show_default=False)] = None,
    sensitive: Annotated[bool, typer.Option(
        "--sensitive", help="Variables created by --set are sensitive (stored encrypted, "
        "never shown).")] = False,
    unset: Annotated[list[str] | None, typer.Option(
        "--unset", help="Delete this variable. Repeat for several.", show_default=False)] = None,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """List a profile's variables, or set and delete them."""
    changes = parse_pairs(set_ or [], "--set")
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        if changes:
            current = {v.name: v for v in client.profiles.variables(uid).variables}
            sent = [current[n].model_copy(update={"default_value": value})
                    if n in current else Variable.model_validate(
                        {"name": n, "defaultValue": value, "isSensitive": sensitive})
                    for n, value in changes.items()]
            client.profiles.patch_variables(uid, sent)
        if unset:
            client.profiles.delete_variables(uid, unset)
        found = client.profiles.variables(uid).variables
    emit([v.model_dump(by_alias=True, exclude_none=True) for v in found], output,
         lambda: table(["NAME", "FORMAT", "VALUE", "REQUIRED", "REGEX", "DESCRIPTION"],
                       [(v.name, v.format,
                         ("(sensitive, set)" if v.default_value_set else "(sensitive)")
                         if v.is_sensitive else v.default_value,
                         "yes" if v.required else "", v.regex, v.description)
                        for v in found]))


def register(app: typer.Typer) -> None:
    """Add `validate` and `vars` to the `profile` command group."""
    app.command("validate")(validate)
    app.command("vars")(variables)
