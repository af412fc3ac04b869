"""`chartyard admin`: tenants, users and secret-key rotation, straight on the database."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from chartyard.auth.roles import Role
from chartyard.errors import ServiceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from chartyard.context import AppContext

# The database layers are imported inside the commands, so that the client
# commands of the CLI (which share this app) start without loading them.

app = typer.Typer(no_args_is_help=True, help="Administration on the database.")


def _context() -> AppContext:
    from chartyard.context import AppContext
    from chartyard.settings import get_settings
    from chartyard.store.migrate import upgrade

    ctx = AppContext.create(get_settings())
    upgrade(ctx.engine)
    return ctx


@contextmanager
def _admin_transaction() -> Iterator[Session]:
    """Yield a session on a migrated database; a rule broken inside exits 1 with its message."""
    ctx = _context()
    try:
        with ctx.transaction() as session:
            yield session
    except ServiceError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    finally:
        ctx.dispose()


@app.command("create-tenant")
def create_tenant(name: str) -> None:
    """Create a tenant."""
    from chartyard.auth import service as auth

    with _admin_transaction() as session:
        tenant = auth.create_tenant(session, name)
    typer.echo(f"created tenant '{name}' ({tenant.uid})")


@app.command("create-user")
def create_user(
    username: str,
    tenant: Annotated[str, typer.Option(help="Tenant name.")] = "default",
    role: Annotated[Role, typer.Option(help="Role of the user.")] = Role.VIEWER,
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin.")] = False,
) -> None:
    """Create a user; the password is read from stdin or prompted, never a flag."""
    password = (sys.stdin.readline().rstrip("\n") if password_stdin
                else typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    from chartyard.auth import service as auth

    with _admin_transaction() as session:
        user = auth.create_user(session, tenant, username, password, role)
        from chartyard import audit
        from chartyard.auth.roles import Principal

        actor = Principal("", "chartyard admin (CLI)", user.tenant_uid, Role.TENANT_ADMIN)
        audit.record(session, actor, "user.create", "user", user.uid, username,
                     {"role": role.value, "via": "chartyard admin create-user"})
    typer.echo(f"created user '{username}' ({role.value}) in tenant '{tenant}' ({user.uid})")


@app.command("rotate-secret-key")
def rotate_secret_key() -> None:
    """Re-encrypt stored secrets under the first key of CHARTYARD_SECRET_KEY.

    Put the new key first and keep the old one after it (comma-separated); running
    processes keep reading old and new tokens, so there is no downtime. Afterwards the
    old key can be dropped.
    """
    from sqlalchemy import select

    from chartyard.store.models import ClusterProfile, Registry

    ctx = _context()
    count = profiles = 0
    try:
        with ctx.transaction() as session:
            for reg in session.scalars(select(Registry)):
                if reg.secrets_enc:
                    reg.secrets_enc = ctx.box.rotate(reg.secrets_enc)
                    count += 1
            for profile in session.scalars(select(ClusterProfile).where(
                    ClusterProfile.variables_enc.is_not(None))):
                profile.variables_enc = ctx.box.rotate(profile.variables_enc or "")
                profiles += 1
        typer.echo(f"re-encrypted the secrets of {count} registries under the primary key")
        if profiles:
            typer.echo(f"re-encrypted the sensitive variables of {profiles} cluster profiles")
    finally:
        ctx.dispose()
