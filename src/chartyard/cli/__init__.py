"""The `chartyard` command: server, worker, database, admin and client commands."""

from __future__ import annotations

import typer

from chartyard.cli import (
    admin,
    charts,
    charts_diff,
    charts_verify,
    db,
    help_format,
    login,
    profile,
    profile_edit,
    profile_mirror,
    profile_values,
    registry,
    registry_admin,
    server,
    trust,
    user,
)

help_format.tidy()
app = typer.Typer(no_args_is_help=True, help="chartyard: Helm charts in OCI registries.")
server.register(app)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
login.register(app)
registry_admin.register(registry.app)
app.add_typer(registry.app, name="registry")
charts_diff.register(charts.app)
charts_verify.register(charts.app)
app.add_typer(charts.app, name="charts")
profile_edit.register(profile.app)
profile_values.register(profile.app)
profile_mirror.register(profile.app)
app.add_typer(profile.app, name="profile")
app.add_typer(user.app, name="user")
app.add_typer(user.keys, name="apikey")
app.add_typer(trust.app, name="trust")
app.add_typer(profile_mirror.bundle_app, name="bundle")


def main() -> None:
    """Run the command line."""
    app()
