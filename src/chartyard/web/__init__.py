"""The server-rendered web UI: Jinja2 pages over the same services as the REST API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from chartyard.web import (
    auth_routes,
    catalog_routes,
    compare_routes,
    event_routes,
    mirror_routes,
    profile_edit_routes,
    profile_routes,
    registry_routes,
    user_routes,
    values_schema_routes,
)

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
for _module in (auth_routes, registry_routes, event_routes, catalog_routes, compare_routes,
                mirror_routes, profile_edit_routes, profile_routes, user_routes,
                values_schema_routes):
    router.include_router(_module.router)


def mount_static(app: FastAPI) -> None:
    """Serve the UI's stylesheet and script under /static."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["mount_static", "router"]
