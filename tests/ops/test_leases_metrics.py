"""Lease takeovers are counted; a lease handed back is claimable at once and is no takeover."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from chartyard import metrics
from chartyard.app import prepare
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.registries.kinds import get_kind
from chartyard.registries.service import RegistryService
from chartyard.settings import Settings
from chartyard.store.models import SyncState, User
from chartyard.sync import leases
from tests.harness.app import basic_body


@pytest.fixture
def ctx_uid(tmp_path: Path) -> Iterator[tuple[AppContext, str]]:
    ctx = AppContext.create(Settings(data_dir=tmp_path, admin_password="Admin-123456"))
    prepare(ctx)
    with ctx.transaction() as s:
        user = s.scalar(select(User).where(User.username == "admin"))
        assert user is not None
        admin = Principal(user.uid, user.username, user.tenant_uid, Role.TENANT_ADMIN)
        body = get_kind("basic").parse_body(
            basic_body("r", "http://127.0.0.1:9", sync=True, base=["apps"]))
        uid = RegistryService(ctx, s, admin).create(
            get_kind("basic").normalise(body, creating=True)).uid
    yield ctx, uid
    ctx.dispose()


def _takeovers() -> float:
    return float(metrics.LEASE_TAKEOVERS._value.get())


def test_an_expired_lease_claimed_by_another_worker_counts(
        ctx_uid: tuple[AppContext, str]) -> None:
    ctx, uid = ctx_uid
    before = _takeovers()
    with ctx.transaction() as s:
        assert leases.claim_next(s, "w1", timedelta(seconds=-1)) == uid  # born expired
    with ctx.transaction() as s:
        assert leases.claim_next(s, "w2", timedelta(seconds=60)) == uid
    assert _takeovers() == before + 1


def test_a_lease_handed_back_is_claimable_at_once(ctx_uid: tuple[AppContext, str]) -> None:
    ctx, uid = ctx_uid
    before = _takeovers()
    with ctx.transaction() as s:
        assert leases.claim_next(s, "w1", timedelta(hours=1)) == uid
    with ctx.transaction() as s:
        assert leases.claim_next(s, "w2", timedelta(hours=1)) is None  # held
        assert leases.give_up(s, uid, "w2") is False  # not ours
        assert leases.give_up(s, uid, "w1") is True
    with ctx.transaction() as s:
        state = s.get(SyncState, uid)
        assert state is not None and state.lease_owner is None
        assert leases.claim_next(s, "w2", timedelta(hours=1)) == uid
    assert _takeovers() == before
