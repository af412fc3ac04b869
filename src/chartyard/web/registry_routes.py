"""Tenant Settings > Registries: one tab per family (OCI Registries, Helm Registries), the
Add / Edit form and row actions."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from chartyard.api.deps import Ctx, SessionDep
from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, ServiceError, error_body
from chartyard.oci import OCIError
from chartyard.registries import operations
from chartyard.registries.certs import InvalidCertificate, parse_pem_bundle
from chartyard.registries.families import AnyFamily, all_families, family_of, family_of_kind
from chartyard.registries.kinds import (
    Normalised,
    default_kind,
    find_kind,
    kind_of,
)
from chartyard.registries.present import sync_status
from chartyard.sync import scheduling
from chartyard.web.forms import FieldError, RegistryForm, field_error, read_registry_form
from chartyard.web.render import UiRoute, render, wants_json
from chartyard.web.services import UiLater, UiRegistries
from chartyard.web.session import CSRF, UiTenantAdmin, UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)

LIST_URL = "/settings/registries"


@dataclass(frozen=True)
class Outcome:
    """What a Validate or Confirm press led to."""

    ok: bool
    message: str = ""
    error: FieldError | None = None
    redirect: str | None = None


def _certificates(form: RegistryForm) -> RegistryForm:
    if not form.ca_pem:
        return form
    try:
        return form.with_certificates(parse_pem_bundle(form.ca_pem))
    except InvalidCertificate:
        return form


async def _submit(ctx: AppContext, principal: Principal, form: RegistryForm, action: str,
                  uid: str | None) -> Outcome:
    """Validate, or validate and save; map any failure to the field it concerns.

    No database session is open while the registry is contacted (`registries.operations`).
    """
    try:
        norm: Normalised = form.normalise(creating=uid is None)
        if action == "validate":
            await operations.validate(ctx, principal, norm, uid)
            return Outcome(True, f"Connected to {norm.endpoint}: the credentials and "
                                 "TLS settings work" +
                           (" and its charts can be listed." if norm.is_sync_supported
                            else "."))
        if uid:  # the form has no labels or annotations: keep the stored ones
            norm = await operations.with_stored_metadata(ctx, principal, uid, norm)
            reg = await operations.update(ctx, principal, uid, norm)
        else:
            reg = await operations.create(ctx, principal, norm)
        query = {"saved": reg.name, **({"notice": norm.notice} if norm.notice else {})}
        return Outcome(True, redirect=_tab_url(family_of_kind(form.registry_kind).name,
                                               **query))
    except (ServiceError, OCIError) as exc:
        if isinstance(exc, ServiceError) and not isinstance(exc, InvalidInput) and \
                exc.status in (401, 403):
            raise
        return Outcome(False, error=field_error(exc, form))


def _form_page(request: Request, principal: Principal, form: RegistryForm, uid: str | None,
               outcome: Outcome | None = None, status: int = 200) -> Response:
    family = family_of_kind(form.registry_kind)
    return render(request, "registries/form.html", principal, status=status,
                  form=_certificates(form), uid=uid, outcome=outcome, nav="registries",
                  kinds=family.kinds(), current_family=family,
                  list_url=_tab_url(family.name))


def _families() -> dict[str, AnyFamily]:
    """Return each family that has kinds, by name, in tab order."""
    return {f.name: f for f in all_families() if f.kinds()}


def _tab_url(family: str, **query: str) -> str:
    first = next(iter(_families()))
    params = ({} if family == first else {"tab": family}) | query
    return f"{LIST_URL}?{urlencode(params)}" if params else LIST_URL


@router.get(LIST_URL)
def registries_page(request: Request, svc: UiRegistries, principal: UiUser,
                    saved: str | None = None,
                    notice: str | None = None, deleted: str | None = None,
                    tab: str | None = None) -> Response:
    """Show one family's tab: OCI Registries, or Helm Registries."""
    families = _families()
    family = tab if tab in families else next(iter(families))
    rows = svc.summary(family)
    tabs = [(name, f.tab, _tab_url(name)) for name, f in families.items()]
    return render(request, "registries/list.html", principal, rows=rows, saved=saved,
                  notice=notice, deleted=deleted, nav="registries", tabs=tabs, tab=family,
                  family=families[family], first_kind=families[family].kinds()[0],
                  list_url=_tab_url(family))


@router.get(f"{LIST_URL}/new")
def new_registry_page(request: Request, principal: UiTenantAdmin,
                      kind: str | None = None) -> Response:
    """Show an empty Add New OCI Registry form."""
    chosen = find_kind(kind) or default_kind()
    return _form_page(request, principal, RegistryForm.blank(chosen), None)


async def _handle(request: Request, ctx: AppContext, principal: Principal,
                  uid: str | None, kind: str | None) -> Response:
    raw = await request.form()
    action = "validate" if raw.get("action") == "validate" else "confirm"
    try:
        form = await read_registry_form(raw, kind=kind)
    except InvalidInput as exc:
        form = RegistryForm.blank(find_kind(kind) or default_kind())
        outcome = Outcome(False, error=field_error(exc, form))
    else:
        outcome = await _submit(ctx, principal, form, action, uid)
    if wants_json(request):
        if outcome.ok:
            return JSONResponse({"ok": True, "message": outcome.message,
                                 "redirect": outcome.redirect})
        assert outcome.error is not None
        return JSONResponse(outcome.error.as_json(), status_code=422)
    if outcome.redirect:
        return RedirectResponse(outcome.redirect, status_code=303)
    return _form_page(request, principal, form, uid, outcome, 200 if outcome.ok else 422)


@router.post(f"{LIST_URL}/new", dependencies=CSRF)
async def create_registry(request: Request, ctx: Ctx, principal: UiUser) -> Response:
    """Validate the new registry, or validate and save it (then back to the list)."""
    return await _handle(request, ctx, principal, None, None)


@router.get(f"{LIST_URL}/{{uid}}/edit")
def edit_registry_page(request: Request, svc: UiRegistries, principal: UiTenantAdmin,
                       uid: str) -> Response:
    """Show the form prefilled with a registry's settings (secrets are never shown)."""
    reg = svc.get(uid)
    body = svc.body(reg).model_dump(by_alias=True)
    return _form_page(request, principal, RegistryForm.from_body(kind_of(reg), body), uid)


@router.post(f"{LIST_URL}/{{uid}}/edit", dependencies=CSRF)
async def update_registry(request: Request, ctx: Ctx, later: UiLater, principal: UiUser,
                          uid: str) -> Response:
    """Validate the changed registry, or validate and save it."""
    kind = await later.run(lambda s: kind_of(s.registries.get(uid)))
    return await _handle(request, ctx, principal, uid, kind.name)


@router.post(f"{LIST_URL}/{{uid}}/sync", dependencies=CSRF)
def sync_registry(request: Request, svc: UiRegistries, session: SessionDep,
                  principal: UiUser, uid: str) -> Response:
    """Ask for a synchronization now."""
    reg = svc.get(uid)
    scheduling.request_sync(session, principal, reg, force=False)
    status = sync_status(reg)
    back = _tab_url(family_of(reg).name)
    if wants_json(request):
        return JSONResponse(status, status_code=202)
    return RedirectResponse(back, status_code=303)


@router.post(f"{LIST_URL}/{{uid}}/delete", dependencies=CSRF)
def delete_registry(svc: UiRegistries, uid: str) -> Response:
    """Delete a registry and its catalog (after the confirmation dialog)."""
    reg = svc.delete(uid)
    return RedirectResponse(_tab_url(family_of(reg).name, deleted=reg.name), status_code=303)


@router.post("/ui/certificates/parse", dependencies=CSRF)
async def parse_certificate(request: Request, _: UiUser) -> Response:
    """Describe an uploaded PEM bundle: subject, issuer and expiry of each certificate."""
    pem = (await request.body())[:300_000].decode(errors="replace")
    try:
        infos = parse_pem_bundle(pem)
    except InvalidCertificate as exc:
        return JSONResponse(error_body("InvalidCertificate", str(exc),
                                       {"field": "caCertificate"}), status_code=422)
    return JSONResponse({"items": [
        {"subject": i.subject, "issuer": i.issuer, "notAfter": i.not_after.isoformat(),
         "isCA": i.is_ca} for i in infos]})
