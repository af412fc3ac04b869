"""The API's service providers (`api/services.py`) bound to the signed-in UI user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from chartyard.api.deps import Ctx, SessionDep
from chartyard.api.services import Later, Services
from chartyard.catalog.service import CatalogService
from chartyard.profiles.palette import PaletteProfiles
from chartyard.profiles.resolve import PackResolver
from chartyard.registries.service import RegistryService
from chartyard.users import UserService
from chartyard.web.session import UiUser


def _services(ctx: Ctx, principal: UiUser, session: SessionDep) -> Services:
    return Services(ctx, session, principal)


UiServices = Annotated[Services, Depends(_services)]


def _registries(services: UiServices) -> RegistryService:
    return services.registries


def _catalog(services: UiServices) -> CatalogService:
    return services.catalog


def _profiles(services: UiServices) -> PaletteProfiles:
    return services.profiles


def _users(services: UiServices) -> UserService:
    return services.users


def _later(ctx: Ctx, principal: UiUser) -> Later:
    return Later(ctx, principal)


UiRegistries = Annotated[RegistryService, Depends(_registries)]
UiCatalog = Annotated[CatalogService, Depends(_catalog)]
UiProfiles = Annotated[PaletteProfiles, Depends(_profiles)]
UiUsers = Annotated[UserService, Depends(_users)]
UiLater = Annotated[Later, Depends(_later)]


def _pack_resolver(ctx: Ctx, principal: UiUser) -> PackResolver:
    return PackResolver(ctx, principal)


UiPackResolver = Annotated[PackResolver, Depends(_pack_resolver)]
