"""The values editor's schema check as you type: a layer's values checked against its
chart's `values.schema.json` and the profile's variables, each error with its line."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chartyard.api.deps import Ctx
from chartyard.errors import ChartyardError
from chartyard.profiles import validation
from chartyard.profiles.schemas import MAX_VALUES_CHARS
from chartyard.values import parse_values
from chartyard.web.render import UiRoute
from chartyard.web.session import CSRF, UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)


class LayerCheck(BaseModel):
    """One layer as the editor has it now."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    index: int = Field(ge=0, le=100)
    name: str = Field(min_length=1, max_length=256)
    tag: str = Field(min_length=1, max_length=128)
    registry_uid: str = Field(alias="registryUid", min_length=1, max_length=64)
    source: str | None = Field(default=None, max_length=16)
    values: str = Field(default="", max_length=MAX_VALUES_CHARS)
    with_schema: bool = Field(default=False, alias="withSchema")


@router.post("/ui/profiles/{uid}/check-schema", dependencies=CSRF)
async def check_schema(request: Request, ctx: Ctx, principal: UiUser, uid: str) -> Response:
    """Return the layer's schema and variable errors with their lines (and the schema)."""
    if int(request.headers.get("content-length") or 0) > MAX_VALUES_CHARS + 4096:
        return JSONResponse({"errors": [], "message": "the values are larger than 1 MiB"})
    try:
        layer = LayerCheck.model_validate_json(await request.body())
    except ValidationError as exc:
        return JSONResponse({"errors": [], "message": str(exc.errors()[0]["msg"])},
                            status_code=422)
    try:
        parse_values(layer.values, "values")
    except ChartyardError:
        return JSONResponse({"errors": [], "yaml": False})  # the YAML check shows that one
    out = await validation.check_layer(ctx, principal, uid, validation.LayerDraft(
        index=layer.index, name=layer.name, tag=layer.tag, registry_uid=layer.registry_uid,
        source=layer.source, values=layer.values, with_schema=layer.with_schema))
    return JSONResponse(out)
