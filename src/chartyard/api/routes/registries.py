"""OCI registry endpoints, Palette-shaped, for the `basic` and `ecr` kinds."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from fastapi import APIRouter, Response
from pydantic import BaseModel

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.registries.rules import Normalised, normalise_basic, normalise_ecr
from chartyard.registries.schemas import BasicRegistryBody, EcrRegistryBody
from chartyard.registries.service import RegistryService
from chartyard.sync import scheduling

router = APIRouter(prefix="/v1/registries", tags=["registries"])

B = TypeVar("B", bound=BaseModel)


@router.get("/oci/summary")
def summary(ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
    """List the tenant's OCI registries with sync status and chart counts."""
    with ctx.transaction() as session:
        return {"items": RegistryService(ctx, session, principal).summary()}


@router.get("/metadata")
def metadata(ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
    """Return the profile builder's Registry drop-down."""
    with ctx.transaction() as session:
        return {"items": RegistryService(ctx, session, principal).metadata()}


def _register(kind: str, body_type: type[B],
              normalise: Callable[[B, bool], Normalised]) -> None:
    base = f"/oci/{kind}"
    item = f"/oci/{{uid}}/{kind}"

    def create(body: B, ctx: Ctx, principal: CurrentUser, response: Response,
               skipValidation: bool = False) -> dict[str, Any]:
        norm = normalise(body, True)
        with ctx.transaction() as session:
            reg = RegistryService(ctx, session, principal).create(
                norm, skip_validation=skipValidation)
        response.status_code = 201
        return {"uid": reg.uid, **({"notice": norm.notice} if norm.notice else {})}

    def validate(body: B, ctx: Ctx, principal: CurrentUser) -> Response:
        norm = normalise(body, True)
        with ctx.transaction() as session:
            RegistryService(ctx, session, principal).validate(norm)
        return Response(status_code=204)

    def validate_stored(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
        with ctx.transaction() as session:
            svc = RegistryService(ctx, session, principal)
            svc.validate_stored(svc.get(uid, kind))
        return Response(status_code=204)

    def get(uid: str, ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
        with ctx.transaction() as session:
            svc = RegistryService(ctx, session, principal)
            return svc.body(svc.get(uid, kind))

    def update(uid: str, body: B, ctx: Ctx, principal: CurrentUser,
               skipValidation: bool = False) -> Response:
        norm = normalise(body, False)
        with ctx.transaction() as session:
            RegistryService(ctx, session, principal).update(
                uid, norm, skip_validation=skipValidation)
        return Response(status_code=204)

    def delete(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
        with ctx.transaction() as session:
            RegistryService(ctx, session, principal).delete(uid, kind)
        return Response(status_code=204)

    def sync(uid: str, ctx: Ctx, principal: CurrentUser,
             forceSync: bool = False) -> Response:
        with ctx.transaction() as session:
            reg = RegistryService(ctx, session, principal).get(uid, kind)
            scheduling.request_sync(session, principal, reg, force=forceSync)
        return Response(status_code=202)

    def sync_status(uid: str, ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
        with ctx.transaction() as session:
            reg = RegistryService(ctx, session, principal).get(uid, kind)
            return scheduling.status_of(reg)

    def sync_history(uid: str, ctx: Ctx, principal: CurrentUser,
                     limit: int = 20) -> dict[str, Any]:
        with ctx.transaction() as session:
            reg = RegistryService(ctx, session, principal).get(uid, kind)
            return {"items": scheduling.history(session, reg, limit)}

    # Annotate the body parameters with the concrete model for OpenAPI and parsing.
    for fn in (create, validate, update):
        fn.__annotations__["body"] = body_type
    tag: list[str | Enum] = [f"registries: {kind}"]
    router.add_api_route(base, create, methods=["POST"], status_code=201, tags=tag)
    router.add_api_route(f"{base}/validate", validate, methods=["POST"], status_code=204,
                         tags=tag, response_class=Response)
    router.add_api_route(f"{item}/validate", validate_stored, methods=["POST"], status_code=204,
                         tags=tag, response_class=Response)
    router.add_api_route(item, get, methods=["GET"], tags=tag)
    router.add_api_route(item, update, methods=["PUT"], status_code=204, tags=tag,
                         response_class=Response)
    router.add_api_route(item, delete, methods=["DELETE"], status_code=204, tags=tag,
                         response_class=Response)
    router.add_api_route(f"{item}/sync", sync, methods=["POST"], status_code=202, tags=tag,
                         response_class=Response)
    router.add_api_route(f"{item}/sync/status", sync_status, methods=["GET"], tags=tag)
    router.add_api_route(f"{item}/sync/history", sync_history, methods=["GET"], tags=tag)


_register("basic", BasicRegistryBody, lambda b, c: normalise_basic(b, creating=c))
_register("ecr", EcrRegistryBody, lambda b, c: normalise_ecr(b, creating=c))
