"""The profile editor: change layers, versions and values; save, or save as a new version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from chartyard.api.deps import Ctx
from chartyard.api.services import Later, Services
from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, PermissionDenied, ServiceError
from chartyard.oci import OCIError
from chartyard.profiles.editing import (
    EditForm,
    Layer,
    check_values,
    layers_of,
    profile_body,
    read_form,
)
from chartyard.profiles.schemas import MAX_VALUES_CHARS, ProfileBody
from chartyard.profiles.service import check_version, update_profile
from chartyard.profiles.upgrades import chart_names, chart_versions
from chartyard.store.models import ClusterProfile
from chartyard.web.render import UiRoute, render
from chartyard.web.services import UiLater, UiServices
from chartyard.web.session import CSRF, UiProfileEditor, UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)

MAX_FORM_BYTES = 8 * 1024 * 1024


def _editor(s: Services, uid: str, form: EditForm | None) -> dict[str, Any]:
    """Return what the editor shows: the stored profile, or a submitted form over it."""
    profile = s.profiles.get(uid)
    layers = form.layers if form is not None else layers_of(profile)
    return {
        "layers": layers,
        "versions": {layer.registry_uid + "/" + layer.name: _versions(s.session, s.principal,
                                                                       profile, layer)
                     for layer in layers},
        "registries": [r for r in s.registries.metadata() if r["isSyncSupported"]],
        "chart_names": chart_names(s.session, s.principal.tenant_uid),
        "profile": {"uid": profile.uid, "name": profile.name, "version": profile.version,
                    "description": (form.description if form is not None
                                    else profile.description)},
    }


def _page(request: Request, principal: Principal, editor: dict[str, Any], *,
          status: int = 200, error: str | None = None, new_version: str = "") -> Response:
    """Render the editor with what `_editor` read."""
    return render(request, "profiles/edit.html", principal, nav="profiles", error=error,
                  status=status, new_version=new_version, **editor)


def _versions(session: Session, principal: Principal, profile: ClusterProfile,
              layer: Layer) -> list[str]:
    """Return the catalog's versions of a layer's chart (by its stored repository)."""
    stored = next((p for p in profile.packs if p.name == layer.name
                   and p.registry_uid == layer.registry_uid and p.repository), None)
    rows = chart_versions(session, principal.tenant_uid, layer.registry_uid,
                          repository=stored.repository if stored else None, name=layer.name)
    found = [r.version for r in rows]
    if layer.tag and layer.tag not in found:
        found.insert(0, layer.tag)
    return found


@router.get("/profiles/{uid}/edit")
def edit_page(request: Request, services: UiServices, principal: UiProfileEditor,
              uid: str) -> Response:
    """Show the profile editor."""
    return _page(request, principal, _editor(services, uid, None))


async def _save(ctx: AppContext, later: Later, uid: str, form: EditForm,
                new_version: str | None) -> str:
    """Save the form over profile `uid`, or over a new version of it; return the saved uid.

    Packs are resolved with no transaction open. A new version that fails to save is
    removed again, so a failed "save as new version" leaves nothing behind.
    """
    def prepare(s: Services) -> tuple[str, ProfileBody]:
        svc = s.profiles
        profile = svc.get(uid)
        version = check_version(new_version, "version") if new_version else profile.version
        data = profile_body(profile, form, version)
        try:
            body = ProfileBody.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(where, f"{where}: {first['msg']}") from exc
        if new_version:
            return svc.new_version(uid, version).uid, body
        return uid, body

    target, body = await later.run(prepare)
    try:
        return (await update_profile(ctx, later.principal, target, body)).uid
    except BaseException:
        if target != uid:
            await later.run(lambda s: s.profiles.delete(target))
        raise


@router.post("/profiles/{uid}/edit", dependencies=CSRF)
async def save(request: Request, ctx: Ctx, later: UiLater, principal: UiProfileEditor,
               uid: str) -> Response:
    """Save the edited profile in place, or as a new version; show errors at their layer."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise InvalidInput("body", f"the form is larger than {MAX_FORM_BYTES} bytes")
    raw = await request.form(max_fields=2000, max_part_size=MAX_VALUES_CHARS + 1024)
    fields = {k: v for k, v in raw.items() if isinstance(v, str)}
    form = read_form(fields)
    as_version = fields.get("action") == "version"
    new_version = fields.get("save_version", "").strip() if as_version else ""
    if not form.ok:
        return _page(request, principal, await later.run(lambda s: _editor(s, uid, form)),
                     status=422, new_version=new_version,
                     error="Some layers need attention: see the messages below.")
    try:
        saved = await _save(ctx, later, uid, form, new_version or None)
    except PermissionDenied:
        raise
    except (ServiceError, OCIError) as exc:
        return _page(request, principal, await later.run(lambda s: _editor(s, uid, form)),
                     status=422, new_version=new_version, error=f"{exc.code}: {exc.message}")
    return RedirectResponse(f"/profiles/{saved}", status_code=303)


@router.post("/ui/profiles/check-values", dependencies=CSRF)
async def check_values_now(request: Request, principal: UiUser) -> Response:
    """Check one layer's values as the user types; return the error and its line."""
    if int(request.headers.get("content-length") or 0) > MAX_VALUES_CHARS:
        return JSONResponse({"ok": False, "message": "the values are larger than 1 MiB"})
    raw = await request.body()
    if len(raw) > MAX_VALUES_CHARS:
        return JSONResponse({"ok": False, "message": "the values are larger than 1 MiB"})
    message, line = check_values(raw.decode("utf-8", "replace"))
    return JSONResponse({"ok": message is None, "message": message, "line": line})
