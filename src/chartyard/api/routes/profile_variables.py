"""Palette's profile variables: `/v1/clusterprofiles/{uid}/variables` (GET, PUT, PATCH,
DELETE with `v1Variables` and `v1VariableNames`), and chartyard's check of a stored
profile's values (`validate/values`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.api.services import ProfileVars
from chartyard.profiles.validation import profile_errors
from chartyard.wire.variables import ValuesCheck, ValuesProblem, VariableNames, Variables

router = APIRouter(tags=["cluster profiles"])
P = "/v1/clusterprofiles/{uid}/variables"


@router.get(P, response_model=Variables, response_model_by_alias=True)
def read(uid: str, svc: ProfileVars) -> Variables:
    """Return the profile's variables; a sensitive value is never returned."""
    return svc.read(uid)


@router.put(P, status_code=204, response_class=Response)
def replace(uid: str, body: Variables, svc: ProfileVars) -> Response:
    """Replace the profile's variables (a sensitive one sent empty keeps its value)."""
    svc.replace(uid, body.variables)
    return Response(status_code=204)


@router.patch(P, status_code=204, response_class=Response)
def patch(uid: str, body: Variables, svc: ProfileVars) -> Response:
    """Update the variables sent, by name, and add new ones."""
    svc.patch(uid, body.variables)
    return Response(status_code=204)


@router.delete(P, status_code=204, response_class=Response)
def delete(uid: str, body: VariableNames, svc: ProfileVars) -> Response:
    """Delete the named variables."""
    svc.delete_names(uid, body.variables)
    return Response(status_code=204)


@router.post("/v1/clusterprofiles/{uid}/validate/values", response_model=ValuesCheck)
async def validate_values(uid: str, ctx: Ctx, principal: CurrentUser) -> ValuesCheck:
    """Return every schema and variable error of the stored profile, with its pointer."""
    errors = await profile_errors(ctx, principal, uid)
    return ValuesCheck(errors=[ValuesProblem.model_validate(e.as_dict()) for e in errors])
