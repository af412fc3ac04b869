"""`chartyard db`: database migrations."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Database migrations.")


@app.command()
def upgrade() -> None:
    """Apply all pending migrations."""
    from chartyard.settings import get_settings
    from chartyard.store.db import make_engine
    from chartyard.store.migrate import upgrade as apply_migrations

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        apply_migrations(engine)
    finally:
        engine.dispose()
    typer.echo("database is up to date")
