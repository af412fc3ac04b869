"""Typed dependencies: the app context, the request's session and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from chartyard.auth import service as auth
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.errors import PermissionDenied

SESSION_COOKIE = "chartyard_session"


def get_ctx(request: Request) -> AppContext:
    """Return the process's app context."""
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def get_session(ctx: Ctx) -> Iterator[Session]:
    """Yield the handler's session: one transaction, committed when the handler returns.

    The handler's exception rolls it back. Scoped to the handler (``scope="function"``):
    the commit runs before the response is sent, and a failing commit becomes the
    error response. Handlers that talk to a registry take `Later` services instead
    (`api/services.py`), so no session is open while they wait on the network.
    """
    with ctx.transaction() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# Declared so /openapi.json names the two headers Palette's clients send.
AuthorizationHeader = APIKeyHeader(
    name="Authorization", scheme_name="Authorization", auto_error=False,
    description="session token from POST /v1/auth/authenticate, raw or as 'Bearer <token>'")
ApiKeyHeader = APIKeyHeader(name="ApiKey", scheme_name="ApiKey", auto_error=False,
                            description="an API key from POST /v1/apiKeys")


def bearer_token(request: Request) -> str | None:
    """Return the session token: `Authorization: <token>`, `Bearer <token>`, or the UI cookie."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if header and not value:
        return header  # Palette sends the token raw, without a scheme.
    return request.cookies.get(SESSION_COOKIE)


def get_principal(request: Request, ctx: Ctx,
                  _authorization: Annotated[str | None, Depends(AuthorizationHeader)] = None,
                  _api_key: Annotated[str | None, Depends(ApiKeyHeader)] = None) -> Principal:
    """Authenticate by `Authorization` (raw or Bearer), `ApiKey`, or the UI cookie."""
    with ctx.transaction() as session:
        return auth.principal_for_request(session, request.headers.get("apikey"),
                                          bearer_token(request))


CurrentUser = Annotated[Principal, Depends(get_principal)]


def role_denied(role: Role, action: str) -> PermissionDenied:
    """Return the 403 for a caller without ``role``; ``action`` says what was tried."""
    holders = "the tenant-admin role" if role is Role.TENANT_ADMIN else (
        f"the {role.value} or tenant-admin role")
    return PermissionDenied(f"{action} needs {holders}")


class RequireRole:
    """Depend on an API caller holding ``role`` (or a stronger one); the guard of a route.

    Use it as ``Annotated[Principal, Depends(RequireRole(Role.TENANT_ADMIN, "..."))]`` so
    route bodies hold no role checks of their own.
    """

    def __init__(self, role: Role, action: str) -> None:
        self.role, self.action = role, action

    def check(self, principal: Principal) -> Principal:
        """Return ``principal`` if it holds the role, else raise ``PermissionDenied``."""
        if not principal.has(self.role):
            raise role_denied(self.role, self.action)
        return principal

    def __call__(self, principal: CurrentUser) -> Principal:
        return self.check(principal)
