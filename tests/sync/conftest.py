"""Sync fixtures: an app context on SQLite or PostgreSQL and a way to run one sync now."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from chartyard.context import AppContext
from chartyard.store.models import SyncState, utcnow
from chartyard.sync import leases
from chartyard.sync.pipeline import Outcome, SyncJob
from tests.harness.app import Api


def sync_now(ctx: AppContext, uid: str, *, force: bool = False,
             worker: str = "test-worker") -> Outcome:
    """Make a registry due, claim it, and run one sync in this thread."""
    with ctx.transaction() as session:
        state = session.get(SyncState, uid)
        assert state is not None
        state.due_at = utcnow() - timedelta(seconds=1)
        state.force_requested = state.force_requested or force
    with ctx.transaction() as session:
        claimed = leases.claim_next(session, worker, timedelta(seconds=60))
    assert claimed == uid
    return asyncio.run(SyncJob(ctx, uid, worker).run())


def catalog(api: Api, uid: str) -> dict[str, Any]:
    """Return {repository: {tag: version}} of a registry's catalog, read through the API."""
    out: dict[str, dict[str, str]] = {}
    token = ""
    while True:
        page = api.get("/v1/packs", params={"registryUid": uid, "limit": 200,
                                            "continue": token}).json()
        for item in page["items"]:
            versions = api.get(f"/v1/packs/{item['name']}/registries/{uid}").json()["tags"]
            for v in versions:
                out.setdefault(v["repository"], {})[v["tag"]] = v["version"]
        token = page["listmeta"]["continue"]
        if not token:
            return out
