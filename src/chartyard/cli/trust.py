"""`chartyard trust`: the keys this tenant trusts to sign charts, and its policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, table

app = typer.Typer(no_args_is_help=True, help="Chart signatures: trusted keys and the policy.")
keys = typer.Typer(no_args_is_help=True, help="OpenPGP public keys trusted to sign charts.")
policy = typer.Typer(no_args_is_help=True, help="Whether profile layers must be verified.")
app.add_typer(keys, name="keys")
app.add_typer(policy, name="policy")


@keys.command("list")
def list_keys(url: config.UrlOption = None, output: OutputOption = OutputFormat.table) -> None:
    """List the trusted keys."""
    with config.connect(url) as client:
        items = client.trust.keys()
    emit(items, output, lambda: table(
        ["UID", "NAME", "FINGERPRINT", "USER IDS"],
        [(k["uid"], k["name"], k["fingerprint"], ", ".join(k["userIds"])) for k in items]))


@keys.command("add")
def add_key(
    name: Annotated[str, typer.Argument(help="A name for the key.", show_default=False)],
    key_file: Annotated[Path, typer.Argument(
        help="ASCII-armored public key (gpg --armor --export KEYID > key.asc); - for stdin.",
        show_default=False, allow_dash=True)],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Trust a public key; stored verdicts are re-checked."""
    text = typer.get_text_stream("stdin").read() if str(key_file) == "-" else (
        key_file.read_text(encoding="utf-8"))
    with config.connect(url) as client:
        created = client.trust.add_key(name, text)
    emit(created, output, lambda: f"Trusted {created['fingerprint']} (uid {created['uid']})")


@keys.command("remove")
def remove_key(uid: Annotated[str, typer.Argument(help="Key uid.", show_default=False)],
               url: config.UrlOption = None, output: OutputOption = OutputFormat.table) -> None:
    """Stop trusting a key; stored verdicts are re-checked."""
    with config.connect(url) as client:
        client.trust.remove_key(uid)
    emit({"uid": uid, "removed": True}, output, lambda: f"Removed trusted key {uid}")


@policy.command("show")
def show(url: config.UrlOption = None, output: OutputOption = OutputFormat.table) -> None:
    """Show whether profile layers must be verified."""
    with config.connect(url) as client:
        body = client.trust.policy()
    emit(body, output, lambda: f"requireVerified: {str(body['requireVerified']).lower()}")


@policy.command("set")
def set_policy(
    require_verified: Annotated[bool, typer.Option(
        "--require-verified/--allow-unverified",
        help="Refuse profile layers whose chart is not verified, or only warn.")],
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Set whether profile layers must be verified."""
    with config.connect(url) as client:
        body = client.trust.set_policy(require_verified)
    emit(body, output, lambda: f"requireVerified: {str(body['requireVerified']).lower()}")
