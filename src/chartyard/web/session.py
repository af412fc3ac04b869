"""The signed-in user of a UI request, read from the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from chartyard.api.deps import SESSION_COOKIE, Ctx
from chartyard.auth import service as auth
from chartyard.auth.roles import Principal
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
CSRF = [Depends(require_csrf)]
