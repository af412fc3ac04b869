"""Profiles: the list, the Add Cluster Profile wizard, a profile's page and its exports."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from chartyard.api.deps import Ctx
from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, PermissionDenied, ServiceError, error_body
from chartyard.oci import OCIError, chart_name
from chartyard.profiles import service as profiles
from chartyard.profiles import validation
from chartyard.profiles.export import FORMATS
from chartyard.profiles.export_form import ExportForm, export_filename
from chartyard.profiles.resolve import PackResolver
from chartyard.profiles.schemas import PackBody, ProfileBody
from chartyard.profiles.service import profile_body
from chartyard.profiles.upgrades import profile_upgrades
from chartyard.profiles.variables import given_values
from chartyard.web.render import UiRoute, render
from chartyard.web.services import UiExports, UiLater, UiPackResolver, UiProfiles, UiRegistries
from chartyard.web.session import CSRF, UiProfileEditor, UiUser
from chartyard.wire.variables import MAX_VALUE_CHARS, MAX_VARIABLES

router = APIRouter(route_class=UiRoute, include_in_schema=False)

MAX_BODY = 2 * 1024 * 1024
MAX_EXPORT_FORM = 1024 * 1024


def _error_json(exc: ServiceError | OCIError, status: int = 422) -> JSONResponse:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    return JSONResponse(error_body(exc.code, exc.message, exc.details, ok=False, field=field),
                        status_code=status)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput("body", f"the request is larger than {MAX_BODY} bytes")
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise InvalidInput("body", "the request is not JSON") from exc


def _invalid(exc: ValidationError, prefix: str = "") -> InvalidInput:
    first = exc.errors()[0]
    where = prefix + ".".join(str(p) if not isinstance(p, int) else f"[{p}]"
                              for p in first["loc"]).replace(".[", "[")
    return InvalidInput(where, f"{where}: {first['msg']}")


@router.get("/profiles")
def profiles_page(request: Request, svc: UiProfiles, principal: UiUser, name: str = "",
                  page: str = "") -> Response:
    """Show the tenant's cluster profiles."""
    results = svc.page(name=name[:128], limit=50, token=page or None)
    return render(request, "profiles/list.html", principal, nav="profiles", results=results,
                  name=name)


@router.get("/profiles/new")
def new_profile_page(request: Request, svc: UiRegistries,
                     principal: UiProfileEditor) -> Response:
    """Show the Add Cluster Profile wizard."""
    registries = svc.metadata()
    return render(request, "profiles/new.html", principal, nav="profiles",
                  public_registries=[r for r in registries if r["isSyncSupported"]],
                  all_registries=registries)


async def _create(ctx: AppContext, principal: Principal, data: Any) -> str:
    try:
        body = ProfileBody.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return (await profiles.create_profile(ctx, principal, body)).uid


@router.post("/profiles/new", dependencies=CSRF)
async def create_profile(request: Request, ctx: Ctx, principal: UiUser) -> Response:
    """Save the wizard's profile (Private Packs are verified live) and open its page."""
    data = await _json_body(request)
    try:
        uid = await _create(ctx, principal, data)
    except PermissionDenied:
        raise
    except (ServiceError, OCIError) as exc:
        return _error_json(exc, exc.status if isinstance(exc, ServiceError) else 422)
    return JSONResponse({"ok": True, "uid": uid, "redirect": f"/profiles/{uid}"})


async def _verify(resolver: PackResolver, data: Any) -> dict[str, Any]:
    try:
        pack = PackBody.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, "pack.") from exc
    rows, defaults = await resolver.resolve_with_defaults([pack])
    row = rows[0]
    return {"ok": True, "digest": row.digest, "repository": row.repository,
            "version": row.chart_version, "values": row.values or defaults.get(0, ""),
            "verified": row.verified}


@router.post("/ui/profiles/verify-pack", dependencies=CSRF)
async def verify_pack(request: Request, resolver: UiPackResolver,
                      _: UiProfileEditor) -> Response:
    """Check a typed Private Pack against its registry now; return its digest and defaults."""
    data = await _json_body(request)
    try:
        return JSONResponse(await _verify(resolver, data))
    except (ServiceError, OCIError) as exc:
        return _error_json(exc, exc.status if isinstance(exc, ServiceError) else 422)


@router.get("/profiles/{uid}")
async def profile_page(request: Request, ctx: Ctx, later: UiLater, principal: UiUser,
                       uid: str) -> Response:
    """Show a profile: layers in install order, drift warnings and export downloads."""
    body = await profile_body(ctx, principal, uid)
    upgrades = await later.run(lambda s: {
        u["name"]: u for u in profile_upgrades(s.session, s.principal, s.profiles.get(uid))})
    variables = await later.run(lambda s: s.variables.read(uid).variables)
    template = body["spec"].get("published") or body["spec"]["draft"]
    packs = template["packs"]
    order = {name: i for i, name in enumerate(body["status"]["installOrder"])}
    by_install = sorted(packs, key=lambda p: order.get(chart_name(p["name"]), len(order)))
    return render(request, "profiles/detail.html", principal, nav="profiles", profile=body,
                  packs=by_install, exports={f.name: f.label for f in FORMATS.values()},
                  gitops={f.name for f in FORMATS.values() if not f.is_profile_file},
                  upgrades=upgrades, variables=variables)


@router.get("/profiles/{uid}/export")
def export_profile(svc: UiProfiles, uid: str, format: str) -> Response:
    """Download Palette's profile file, or Flux, Argo CD or helmfile YAML (no variable values:
    a profile that needs some exports through the form of `export_form`)."""
    chosen = FORMATS.get(format)
    if chosen is not None and chosen.is_profile_file:
        text, filename = svc.profile_file(uid, format)
        return _download(text, filename, "application/octet-stream")
    profile = svc.get(uid)
    text = svc.export(uid, format)
    return _download(text, export_filename(profile.name, profile.version, format))


def _download(text: str, filename: str, media_type: str = "application/yaml") -> Response:
    return Response(text, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/profiles/{uid}/export/{fmt}")
def export_form(request: Request, svc: UiExports, principal: UiUser, uid: str,
                fmt: str) -> Response:
    """Ask the values of the profile's variables for a Flux, Argo CD or helmfile export."""
    return render(request, "profiles/export.html", principal, nav="profiles",
                  form=svc.form(uid, fmt), label=FORMATS[fmt].label)


async def _typed_values(request: Request) -> dict[str, str]:
    """Return the export form's `var.NAME` values (size-capped; a bad name is a 422)."""
    if int(request.headers.get("content-length") or 0) > MAX_EXPORT_FORM:
        raise InvalidInput("body", f"the form is larger than {MAX_EXPORT_FORM} bytes")
    raw = await request.form(max_fields=MAX_VARIABLES + 4, max_part_size=MAX_VALUE_CHARS * 4)
    return given_values([(k, v) for k, v in raw.multi_items() if isinstance(v, str)])


@router.post("/profiles/{uid}/export/{fmt}", dependencies=CSRF)
def export_with_values(request: Request, svc: UiExports, principal: UiUser, uid: str,
                       fmt: str,
                       typed: Annotated[dict[str, str], Depends(_typed_values)]) -> Response:
    """Download the export with the typed values, or show the form again with its errors.

    The values come in the POST body, never the URL: sensitive ones stay out of
    history and access logs.
    """
    result = svc.submit(uid, fmt, typed)
    if isinstance(result, ExportForm):
        return render(request, "profiles/export.html", principal, nav="profiles",
                      status=422, form=result, label=FORMATS[fmt].label)
    return _download(result.text, result.filename)


@router.post("/profiles/{uid}/publish", dependencies=CSRF)
async def publish_profile(ctx: Ctx, principal: UiUser, uid: str) -> Response:
    """Publish a draft profile once its values pass their schemas and variables."""
    await validation.publish_profile(ctx, principal, uid)
    return RedirectResponse(f"/profiles/{uid}", status_code=303)


@router.post("/profiles/{uid}/delete", dependencies=CSRF)
def delete_profile(svc: UiProfiles, uid: str) -> Response:
    """Delete this version of a profile (after the confirmation dialog)."""
    svc.delete(uid)
    return RedirectResponse("/profiles", status_code=303)
