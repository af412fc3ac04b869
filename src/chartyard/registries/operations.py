"""Create, update and validate registries without holding a database transaction open.

Each operation is a short read (in a worker thread), the registry I/O (async, on the
process's shared source options, with no session open), and a short write that re-checks
what the read saw: the name is still free, the registry was not changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from anyio import to_thread

from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.registries.kinds import Normalised
from chartyard.registries.service import RegistryService, Seen
from chartyard.registries.validation import validate_target
from chartyard.sources import AnyTarget
from chartyard.store.models import Registry

T = TypeVar("T")


async def in_session(ctx: AppContext, principal: Principal,
                     work: Callable[[RegistryService], T]) -> T:
    """Run `work` in one short transaction, in a worker thread (the event loop stays free)."""
    def run() -> T:
        with ctx.transaction() as session:
            return work(RegistryService(ctx, session, principal))

    return await to_thread.run_sync(run)


async def _check(ctx: AppContext, target: AnyTarget, sync_on: bool) -> None:
    await validate_target(target, ctx.sources, sync_on=sync_on)


async def validate(ctx: AppContext, principal: Principal, norm: Normalised,
                   uid: str | None = None) -> None:
    """Connect with a body's settings (omitted secrets from registry `uid`); raise the cause."""
    def read(svc: RegistryService) -> AnyTarget:
        seen = svc.seen(uid, norm.kind) if uid else None
        return svc.target_for(norm, seen)

    target = await in_session(ctx, principal, read)
    await _check(ctx, target, norm.is_sync_supported)


async def validate_stored(ctx: AppContext, principal: Principal, uid: str,
                          kind: str | None = None) -> None:
    """Connect with a stored registry's settings and secrets; raise the first problem."""
    def read(svc: RegistryService) -> tuple[AnyTarget, bool]:
        reg = svc.get(uid, kind)
        return svc.target(reg), reg.is_sync_supported

    target, sync_on = await in_session(ctx, principal, read)
    await _check(ctx, target, sync_on)


async def create(ctx: AppContext, principal: Principal, norm: Normalised, *,
                 skip_validation: bool = False) -> Registry:
    """Check the name, validate against the registry, then store (re-checking the name)."""
    def read(svc: RegistryService) -> AnyTarget:
        svc.check_create(norm)
        return svc.target_for(norm)

    target = await in_session(ctx, principal, read)
    if not skip_validation:
        await _check(ctx, target, norm.is_sync_supported)
    return await in_session(ctx, principal, lambda svc: svc.create(norm))


async def with_stored_metadata(ctx: AppContext, principal: Principal, uid: str,
                               norm: Normalised) -> Normalised:
    """Return `norm` with registry `uid`'s stored labels and annotations (for a form that
    does not show them, so that saving it keeps them)."""
    def read(svc: RegistryService) -> Normalised:
        reg = svc.get(uid, norm.kind)
        return replace(norm, labels=dict(reg.labels or {}),
                       annotations=dict(reg.annotations or {}))

    return await in_session(ctx, principal, read)


async def update(ctx: AppContext, principal: Principal, uid: str, norm: Normalised, *,
                 skip_validation: bool = False) -> Registry:
    """Validate the new settings, then store them unless the registry changed meanwhile."""
    def read(svc: RegistryService) -> tuple[Seen, AnyTarget]:
        seen = svc.check_update(uid, norm)
        return seen, svc.target_for(norm, seen)

    seen, target = await in_session(ctx, principal, read)
    if not skip_validation:
        await _check(ctx, target, norm.is_sync_supported)
    return await in_session(ctx, principal, lambda svc: svc.update(uid, norm, seen))
