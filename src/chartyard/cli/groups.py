"""Assemble each command group on first use (imports stay inside the functions)."""

from __future__ import annotations

from functools import cache

import typer


@cache
def db() -> typer.Typer:
    """Return `chartyard db`."""
    from chartyard.cli import db as module

    return module.app


@cache
def admin() -> typer.Typer:
    """Return `chartyard admin`."""
    from chartyard.cli import admin as module

    return module.app


@cache
def registry() -> typer.Typer:
    """Return `chartyard registry`, with `update` and `events`."""
    from chartyard.cli import registry as module
    from chartyard.cli import registry_admin

    registry_admin.register(module.app)
    return module.app


@cache
def charts() -> typer.Typer:
    """Return `chartyard charts`, with `diff` and `verify`."""
    from chartyard.cli import charts as module
    from chartyard.cli import charts_diff, charts_verify

    charts_diff.register(module.app)
    charts_verify.register(module.app)
    return module.app


@cache
def profile() -> typer.Typer:
    """Return `chartyard profile`, with editing, values and mirror commands."""
    from chartyard.cli import profile as module
    from chartyard.cli import profile_edit, profile_mirror, profile_values

    profile_edit.register(module.app)
    profile_values.register(module.app)
    profile_mirror.register(module.app)
    return module.app


@cache
def user() -> typer.Typer:
    """Return `chartyard user`."""
    from chartyard.cli import user as module

    return module.app


@cache
def apikey() -> typer.Typer:
    """Return `chartyard apikey`."""
    from chartyard.cli import user as module

    return module.keys


@cache
def trust() -> typer.Typer:
    """Return `chartyard trust`."""
    from chartyard.cli import trust as module

    return module.app


@cache
def bundle() -> typer.Typer:
    """Return `chartyard bundle`."""
    from chartyard.cli import profile_mirror

    return profile_mirror.bundle_app
