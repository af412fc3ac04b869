"""Service providers: each service bound to the request's session and caller.

A handler names what it needs (``svc: Registries``) and holds no session plumbing.
Sync handlers get services on the handler's one transaction (`SessionDep`). Async
handlers that talk to a registry get `Later`, whose every ``run`` is a short
transaction of its own on a worker thread, so nothing is held open across the
network wait. The web UI binds the same providers to its cookie user (`web/services.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Annotated, TypeVar

from fastapi import Depends
from sqlalchemy.orm import Session

from chartyard.api.deps import Ctx, CurrentUser, SessionDep
from chartyard.auth.roles import Principal
from chartyard.catalog.service import CatalogService
from chartyard.context import AppContext
from chartyard.mirror.service import MirrorService
from chartyard.profiles.palette import PaletteProfiles
from chartyard.profiles.profile_variables import ProfileVariables
from chartyard.registries.service import RegistryService
from chartyard.users import UserService

T = TypeVar("T")


class Services:
    """The services of one caller on one session, each made on first use."""

    def __init__(self, ctx: AppContext, session: Session, principal: Principal) -> None:
        self.ctx, self.session, self.principal = ctx, session, principal

    @cached_property
    def registries(self) -> RegistryService:
        """Return the registry service."""
        return RegistryService(self.ctx, self.session, self.principal)

    @cached_property
    def catalog(self) -> CatalogService:
        """Return the catalog service."""
        return CatalogService(self.ctx, self.session, self.principal)

    @cached_property
    def profiles(self) -> PaletteProfiles:
        """Return the cluster profile service (Palette's use cases included)."""
        return PaletteProfiles(self.ctx, self.session, self.principal)

    @cached_property
    def variables(self) -> ProfileVariables:
        """Return the service of cluster profiles' variables."""
        return ProfileVariables(self.ctx, self.session, self.principal)

    @cached_property
    def mirrors(self) -> MirrorService:
        """Return the mirror service (runs of a profile's charts into a registry)."""
        return MirrorService(self.ctx, self.session, self.principal)

    @cached_property
    def users(self) -> UserService:
        """Return the user service (raises 403 unless the caller is a tenant admin)."""
        return UserService(self.session, self.principal)


class Later:
    """Services for async handlers: each `run` is one short transaction of its own.

    The work runs on a worker thread with a fresh session, committed when it returns
    and rolled back when it raises; between runs no session is open.
    """

    def __init__(self, ctx: AppContext, principal: Principal) -> None:
        self.ctx, self.principal = ctx, principal

    async def run(self, work: Callable[[Services], T]) -> T:
        """Return ``work(services)`` computed in one short transaction."""
        return await self.ctx.run_transaction(
            lambda session: work(Services(self.ctx, session, self.principal)))


def provider(services: Callable[..., Services],
             pick: Callable[[Services], T]) -> Callable[..., T]:
    """Return a dependency giving one service of the caller's `Services`.

    The API and the web UI make their providers here, each from its own `Services`
    dependency (API key or token, or the UI's cookie user).
    """
    def provide(bound: Services = Depends(services)) -> T:
        return pick(bound)
    return provide


def _services(ctx: Ctx, principal: CurrentUser, session: SessionDep) -> Services:
    return Services(ctx, session, principal)


def _later(ctx: Ctx, principal: CurrentUser) -> Later:
    return Later(ctx, principal)


ServicesDep = Annotated[Services, Depends(_services)]
Registries = Annotated[RegistryService, Depends(provider(_services, lambda s: s.registries))]
Catalog = Annotated[CatalogService, Depends(provider(_services, lambda s: s.catalog))]
Profiles = Annotated[PaletteProfiles, Depends(provider(_services, lambda s: s.profiles))]
ProfileVars = Annotated[ProfileVariables, Depends(provider(_services, lambda s: s.variables))]
Mirrors = Annotated[MirrorService, Depends(provider(_services, lambda s: s.mirrors))]
Users = Annotated[UserService, Depends(provider(_services, lambda s: s.users))]
LaterServices = Annotated[Later, Depends(_later)]
