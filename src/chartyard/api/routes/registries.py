"""OCI registry endpoints, Palette-shaped; one route family per registered kind.

Handlers that talk to a registry are ``async`` and hold no database session while they do
(`registries.operations`); the rest are sync and run in FastAPI's thread pool.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from chartyard.api.deps import Ctx, CurrentUser, SessionDep
from chartyard.api.reads import CatalogRead
from chartyard.api.services import Registries
from chartyard.pagination import decode_cursor, page_body, page_limit
from chartyard.registries import operations
from chartyard.registries.families import AnyFamily, all_families
from chartyard.registries.kinds import RegistryKind, all_kinds
from chartyard.registries.present import sync_status
from chartyard.sync import scheduling
from chartyard.wire.registries import (
    OciRegistryEntity,
    RegistriesMetadata,
    Summary,
    SyncHistory,
    SyncStatus,
    UidResponse,
)

router = APIRouter(prefix="/v1/registries", tags=["registries"])

Scope = Literal["system", "tenant", "all"]
# Bodies are parsed by the kind (a bare spec or {metadata, spec}); `_body_schema` documents them.
RawBody = Annotated[dict[str, Any], Body()]


@router.get("/oci/summary", response_model=Summary, response_model_exclude_unset=True)
def summary(svc: Registries) -> dict[str, Any]:
    """List the tenant's OCI registries with sync status and chart counts."""
    return {"items": svc.summary()}


@router.get("/metadata", response_model=RegistriesMetadata)
def metadata(read: CatalogRead, scope: Scope = "all") -> Response:
    """Return the profile builder's Registry drop-down."""
    with read.open() as catalog:
        items = catalog.registry_menu(scope)
    return read.respond({"items": items})


def _parse(kind: RegistryKind, data: Any, *, bare_spec: bool) -> BaseModel:
    try:
        return kind.parse_spec(data) if bare_spec else kind.parse_body(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc


def _register(kind: RegistryKind) -> None:
    base = kind.collection_path
    item = kind.item_path

    async def create(body: RawBody, ctx: Ctx,
                     principal: CurrentUser, skipValidation: bool = False) -> dict[str, Any]:
        norm = kind.normalise(_parse(kind, body, bare_spec=False), creating=True)
        reg = await operations.create(ctx, principal, norm, skip_validation=skipValidation)
        return {"uid": reg.uid, **({"notice": norm.notice} if norm.notice else {})}

    async def validate(body: RawBody, ctx: Ctx, principal: CurrentUser) -> Response:
        norm = kind.normalise(_parse(kind, body, bare_spec=True), creating=True)
        await operations.validate(ctx, principal, norm)
        return Response(status_code=204)

    async def validate_stored(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
        await operations.validate_stored(ctx, principal, uid, kind.name)
        return Response(status_code=204)

    def get(uid: str, svc: Registries) -> BaseModel:
        return svc.body(svc.get(uid, kind.name))

    async def update(uid: str, body: RawBody, ctx: Ctx,
                     principal: CurrentUser, skipValidation: bool = False) -> Response:
        norm = kind.normalise(_parse(kind, body, bare_spec=False), creating=False)
        await operations.update(ctx, principal, uid, norm, skip_validation=skipValidation)
        return Response(status_code=204)

    def delete(uid: str, svc: Registries) -> Response:
        svc.delete(uid, kind.name)
        return Response(status_code=204)

    def sync(uid: str, svc: Registries, session: SessionDep, principal: CurrentUser,
             forceSync: bool = False) -> Response:
        scheduling.request_sync(session, principal, svc.get(uid, kind.name), force=forceSync)
        return Response(status_code=202)

    def status(uid: str, svc: Registries) -> dict[str, Any]:
        return sync_status(svc.get(uid, kind.name))

    def sync_history(uid: str, svc: Registries, session: SessionDep,
                     limit: int = 20) -> dict[str, Any]:
        return {"items": scheduling.history(session, svc.get(uid, kind.name), limit)}

    tag: list[str | Enum] = [f"registries: {kind.name}"]
    name = kind.name
    router.add_api_route(base, create, methods=["POST"], status_code=201, tags=tag,
                         response_model=UidResponse, name=f"{name}_create",
                         openapi_extra=_body_schema(kind.body_model))
    router.add_api_route(f"{base}/validate", validate, methods=["POST"], status_code=204,
                         tags=tag, response_class=Response, name=f"{name}_validate",
                         openapi_extra=_body_schema(kind.spec_model))
    router.add_api_route(f"{item}/validate", validate_stored, methods=["POST"], status_code=204,
                         tags=tag, response_class=Response, name=f"{name}_validate_stored")
    router.add_api_route(item, get, methods=["GET"], tags=tag, name=f"{name}_get",
                         response_model=kind.response_model)
    router.add_api_route(item, update, methods=["PUT"], status_code=204, tags=tag,
                         response_class=Response, name=f"{name}_update",
                         openapi_extra=_body_schema(kind.body_model))
    router.add_api_route(item, delete, methods=["DELETE"], status_code=204, tags=tag,
                         response_class=Response, name=f"{name}_delete")
    router.add_api_route(f"{item}/sync", sync, methods=["POST"], status_code=202, tags=tag,
                         response_class=Response, name=f"{name}_sync")
    router.add_api_route(f"{item}/sync/status", status, methods=["GET"], tags=tag,
                         response_model=SyncStatus, response_model_exclude_unset=True,
                         name=f"{name}_sync_status")
    router.add_api_route(f"{item}/sync/history", sync_history, methods=["GET"], tags=tag,
                         response_model=SyncHistory, name=f"{name}_sync_history")


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Describe a body parsed by hand (bare spec or full body) with its model's schema."""
    schema = model.model_json_schema(by_alias=True)
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": inline(schema)}}}}


def _register_family(model: AnyFamily) -> None:
    """Register a family's paged list and summary (``/v1/registries/helm``), before its items."""
    family = model.name

    def list_(svc: Registries, limit: int = 50, offset: int = 0,
              continue_: Annotated[str | None, Query(alias="continue")] = None
              ) -> dict[str, Any]:
        regs = svc.family(family)
        start, size = decode_cursor(continue_) if continue_ else max(0, offset), \
            page_limit(limit)
        page = regs[start:start + size]
        return page_body([svc.body(r) for r in page], offset=start, limit=size,
                         more=len(regs) > start + size)

    def summary_(svc: Registries) -> dict[str, Any]:
        return {"items": svc.summary(family)}

    tag: list[str | Enum] = [f"registries: {family}"]
    router.add_api_route(f"/{family}", list_, methods=["GET"], tags=tag,
                         response_model=model.list_model, response_model_by_alias=True,
                         name=f"{family}_list")
    router.add_api_route(f"/{family}/summary", summary_, methods=["GET"], tags=tag,
                         response_model=model.summary_model, name=f"{family}_summary")


for _family in all_families():
    if _family.list_model is not None:
        _register_family(_family)
for _kind in all_kinds():
    _register(_kind)


@router.get("/oci/{uid}", response_model=OciRegistryEntity, response_model_exclude_unset=True)
def get_any(uid: str, svc: Registries) -> dict[str, Any]:
    """Return any OCI registry, whatever its kind (``v1OciRegistryEntity``)."""
    return svc.entity(svc.get(uid))
