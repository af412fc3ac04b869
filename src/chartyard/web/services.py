"""The API's service providers (`api/services.py`) bound to the signed-in UI user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from chartyard.api.deps import Ctx, SessionDep
from chartyard.api.services import Later, Services, provider
from chartyard.catalog.service import CatalogService
from chartyard.profiles.export_form import ProfileExports
from chartyard.profiles.palette import PaletteProfiles
from chartyard.profiles.resolve import PackResolver
from chartyard.registries.service import RegistryService
from chartyard.users import UserService
from chartyard.web.session import UiUser


def _services(ctx: Ctx, principal: UiUser, session: SessionDep) -> Services:
    return Services(ctx, session, principal)


def _later(ctx: Ctx, principal: UiUser) -> Later:
    return Later(ctx, principal)


def _pack_resolver(ctx: Ctx, principal: UiUser) -> PackResolver:
    return PackResolver(ctx, principal)


UiServices = Annotated[Services, Depends(_services)]
UiRegistries = Annotated[RegistryService, Depends(provider(_services, lambda s: s.registries))]
UiCatalog = Annotated[CatalogService, Depends(provider(_services, lambda s: s.catalog))]
UiProfiles = Annotated[PaletteProfiles, Depends(provider(_services, lambda s: s.profiles))]
UiExports = Annotated[ProfileExports, Depends(provider(
    _services, lambda s: ProfileExports(s.ctx, s.session, s.principal)))]
UiUsers = Annotated[UserService, Depends(provider(_services, lambda s: s.users))]
UiLater = Annotated[Later, Depends(_later)]
UiPackResolver = Annotated[PackResolver, Depends(_pack_resolver)]
