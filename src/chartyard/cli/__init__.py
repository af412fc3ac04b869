"""The `chartyard` command: server, worker, database, admin and client commands.

Command groups load when used (`chartyard.cli.lazy`): top-level help imports none of them.
"""

from __future__ import annotations

import typer

from chartyard.cli import groups, help_format, login, server
from chartyard.cli.lazy import lazy_group

help_format.tidy()
app = typer.Typer(no_args_is_help=True, help="chartyard: Helm charts in OCI registries.")
server.register(app)
lazy_group(app, "db", "Database migrations.", groups.db)
lazy_group(app, "admin", "Administration on the database.", groups.admin)
login.register(app)
lazy_group(app, "registry", "Registries holding Helm charts: OCI registries and Helm "
           "repositories.", groups.registry)
lazy_group(app, "charts", "The synchronized chart catalog.", groups.charts)
lazy_group(app, "profile", "Cluster profiles: ordered Helm chart layers.", groups.profile)
lazy_group(app, "user", "Users of your tenant (tenant admins only).", groups.user)
lazy_group(app, "apikey", "Your API keys, for scripts and CI.", groups.apikey)
lazy_group(app, "trust", "Chart signatures: trusted keys and the policy.", groups.trust)
lazy_group(app, "bundle", "OCI image layout archives of profiles, for air-gapped sites.",
           groups.bundle)


def main() -> None:
    """Run the command line."""
    app()
