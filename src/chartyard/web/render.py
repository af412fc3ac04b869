"""Render templates with the shared page context, and harden every UI response."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from chartyard.api.deps import get_ctx
from chartyard.auth.roles import Principal, Role
from chartyard.errors import ServiceError, Unauthenticated, error_body
from chartyard.oci import OCIError
from chartyard.registries.kinds import RegistryKind
from chartyard.registries.kinds.form import (
    SharedSection,
    kinds_using,
    label_variants,
    shared_sections,
    shown,
)
from chartyard.web import csrf
from chartyard.web.session import ui_principal

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(value: str | None) -> str:
    """Format an RFC 3339 timestamp for people (UTC); the browser re-renders it locally."""
    if not value:
        return "never"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _link(value: object) -> str:
    """Return a URL only if it is http(s); chart metadata comes from untrusted registries."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


def _inline(value: object) -> Markup:
    """Return declared plain text as HTML, with `code` in backticks shown as code."""
    parts = str(value).split("`")
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>{}</code>").format(p)
                           for i, p in enumerate(parts))


def _kind_sections(kinds: list[RegistryKind]) -> list[SharedSection]:
    """Return the sections of one family's kinds, each once (kinds may share one)."""
    return shared_sections((k.name, k.form) for k in kinds)


def _label_variants(kinds: list[RegistryKind], name: str,
                    default: str) -> list[tuple[str, tuple[str, ...]]]:
    """Return a shared input's labels across one family's kinds."""
    return label_variants(((k.name, k.form) for k in kinds), name, default)


def _kinds_using(kinds: list[RegistryKind], name: str) -> tuple[str, ...]:
    """Return the kinds of a family that show a shared input."""
    return kinds_using(((k.name, k.form) for k in kinds), name)


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["link"] = _link
TEMPLATES.env.filters["inline"] = _inline
TEMPLATES.env.globals["form_shown"] = shown
TEMPLATES.env.globals["kind_sections"] = _kind_sections
TEMPLATES.env.globals["label_variants"] = _label_variants
TEMPLATES.env.globals["kinds_using"] = _kinds_using


def wants_json(request: Request) -> bool:
    """Return whether the caller (the page's script) asked for JSON."""
    return "application/json" in request.headers.get("accept", "")


def render(request: Request, template: str, principal: Principal | None, *,
           status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the user, their permissions and a CSRF token."""
    bound_to = csrf.binding(request)
    fresh = None
    if bound_to is None:
        fresh = bound_to = csrf.new_presession()
    page = {
        "principal": principal,
        "can_admin": principal is not None and principal.has(Role.TENANT_ADMIN),
        "can_edit_profiles": principal is not None and principal.has(Role.PROFILE_EDITOR),
        "csrf_token": csrf.token_for(request, bound_to),
        **context,
    }
    response = TEMPLATES.TemplateResponse(request, template, page, status_code=status)
    if fresh is not None:
        response.set_cookie(csrf.PRESESSION_COOKIE, fresh, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    return response


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    nxt = target if request.method == "GET" else ""
    url = "/login" + (f"?next={nxt}" if nxt and nxt != "/" else "")
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status: int, code: str, message: str) -> Response:
    """Return an error as JSON for scripts, or as a page for people."""
    if wants_json(request):
        return JSONResponse(error_body(code, message), status_code=status)
    return render(request, "error.html", _signed_in(request), status=status, code=code,
                  message=message)


def _signed_in(request: Request) -> Principal | None:
    """Return the signed-in user for the error page's navigation, if there is one."""
    try:
        return ui_principal(request, get_ctx(request))
    except ServiceError:
        return None


class UiRoute(APIRoute):
    """A route that renders failures as pages and adds the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler: login redirects, error pages, security headers."""
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            failure: tuple[int, str, str] | None = None
            try:
                response = await handler(request)
            except Unauthenticated as exc:
                if not wants_json(request):
                    response = _login_redirect(request)
                else:
                    failure = (401, exc.code, exc.message)
            except ServiceError as exc:
                failure = (exc.status, exc.code, exc.message)
            except OCIError as exc:
                failure = (422, exc.code, exc.message)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
                failure = (422, "ValidationError",
                           f"{where}: {first.get('msg', 'invalid request')}")
            if failure is not None:
                response = await run_in_threadpool(error_page, request, *failure)
            response.headers.update(SECURITY_HEADERS)
            return response

        return wrapped
