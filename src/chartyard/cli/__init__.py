"""The `chartyard` command: server, worker, database, admin and client commands."""

from __future__ import annotations

import typer

from chartyard.cli import admin, charts, db, login, profile, registry, server
from chartyard.cli import events as _events  # noqa: F401  (adds `registry events`)

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="chartyard: Helm charts in OCI registries.")
server.register(app)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
login.register(app)
app.add_typer(registry.app, name="registry")
app.add_typer(charts.app, name="charts")
app.add_typer(profile.app, name="profile")


def main() -> None:
    """Run the command line."""
    app()
