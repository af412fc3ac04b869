"""Palette's profile variables: `/v1/clusterprofiles/{uid}/variables` (GET, PUT, PATCH,
DELETE with `v1Variables` and `v1VariableNames`), and chartyard's check of a stored
profile's values (`validate/values`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.profiles.profile_variables import ProfileVariables
from chartyard.profiles.validation import profile_errors
from chartyard.wire.variables import ValuesCheck, ValuesProblem, VariableNames, Variables

router = APIRouter(tags=["cluster profiles"])
P = "/v1/clusterprofiles/{uid}/variables"


@router.get(P, response_model=Variables, response_model_by_alias=True)
def read(uid: str, ctx: Ctx, principal: CurrentUser) -> Variables:
    """Return the profile's variables; a sensitive value is never returned."""
    with ctx.transaction() as session:
        return ProfileVariables(ctx, session, principal).read(uid)


@router.put(P, status_code=204, response_class=Response)
def replace(uid: str, body: Variables, ctx: Ctx, principal: CurrentUser) -> Response:
    """Replace the profile's variables (a sensitive one sent empty keeps its value)."""
    with ctx.transaction() as session:
        ProfileVariables(ctx, session, principal).replace(uid, body.variables)
    return Response(status_code=204)


@router.patch(P, status_code=204, response_class=Response)
def patch(uid: str, body: Variables, ctx: Ctx, principal: CurrentUser) -> Response:
    """Update the variables sent, by name, and add new ones."""
    with ctx.transaction() as session:
        ProfileVariables(ctx, session, principal).patch(uid, body.variables)
    return Response(status_code=204)


@router.delete(P, status_code=204, response_class=Response)
def delete(uid: str, body: VariableNames, ctx: Ctx, principal: CurrentUser) -> Response:
    """Delete the named variables."""
    with ctx.transaction() as session:
        ProfileVariables(ctx, session, principal).delete_names(uid, body.variables)
    return Response(status_code=204)


@router.post("/v1/clusterprofiles/{uid}/validate/values", response_model=ValuesCheck)
async def validate_values(uid: str, ctx: Ctx, principal: CurrentUser) -> ValuesCheck:
    """Return every schema and variable error of the stored profile, with its pointer."""
    errors = await profile_errors(ctx, principal, uid)
    return ValuesCheck(errors=[ValuesProblem.model_validate(e.as_dict()) for e in errors])
