"""The signed-in user of a UI request, read from the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from chartyard.api.deps import SESSION_COOKIE, Ctx, RequireRole
from chartyard.auth import service as auth
from chartyard.auth.roles import Principal, Role
from chartyard.errors import Unauthenticated
from chartyard.web.csrf import require_csrf


def ui_principal(request: Request, ctx: Ctx) -> Principal:
    """Return the user of the session cookie, or raise `Unauthenticated` (a login redirect)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated("sign in to continue")
    with ctx.transaction() as session:
        return auth.principal_for_token(session, token)


UiUser = Annotated[Principal, Depends(ui_principal)]


class RequireUiRole(RequireRole):
    """Depend on the signed-in UI user holding ``role``; see ``RequireRole``."""

    def __call__(self, principal: UiUser) -> Principal:
        return self.check(principal)


UiProfileEditor = Annotated[
    Principal, Depends(RequireUiRole(Role.PROFILE_EDITOR, "creating or editing cluster profiles"))]
UiTenantAdmin = Annotated[
    Principal, Depends(RequireUiRole(Role.TENANT_ADMIN, "adding or changing registries"))]
CSRF = [Depends(require_csrf)]
