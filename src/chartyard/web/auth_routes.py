"""Sign in and sign out of the web UI."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from chartyard.api.deps import SESSION_COOKIE, Ctx, SessionDep
from chartyard.auth import service as auth
from chartyard.errors import ServiceError
from chartyard.web.render import UiRoute, render
from chartyard.web.session import CSRF

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Return a local path to continue to; anything else goes to the registries page."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/settings/registries"


@router.get("/")
def home(request: Request) -> Response:
    """Send people to the registries page (or to sign in first)."""
    if request.cookies.get(SESSION_COOKIE):
        return RedirectResponse("/settings/registries", status_code=303)
    return RedirectResponse("/login", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """Show the sign-in form."""
    return render(request, "login.html", None, next=_safe_next(next), username="")


@router.post("/login", dependencies=CSRF)
def login(request: Request, ctx: Ctx, username: Annotated[str, Form(max_length=128)],
          password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form()] = "") -> Response:
    """Check the password, set the session cookie and continue where the user was going."""
    s = ctx.settings
    try:
        token = auth.authenticate(
            ctx.sessions, username, password, ttl=timedelta(seconds=s.session_ttl_seconds),
            max_failures=s.login_max_failures, lockout=timedelta(seconds=s.login_lockout_seconds),
        )
    except ServiceError as exc:
        return render(request, "login.html", None, status=exc.status, next=_safe_next(next),
                      username=username, error_code=exc.code, error=exc.message)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=s.session_ttl_seconds, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout", dependencies=CSRF)
def logout(request: Request, session: SessionDep) -> Response:
    """End the session and return to the sign-in form."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.logout(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response
