"""Palette's profile variables on the wire: `v1Variables`, `v1Variable`, `v1VariableNames`.

One model serves requests and answers. In an answer a sensitive variable's
`defaultValue` is always `""`; chartyard adds `defaultValueSet` to say one is stored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chartyard.wire.common import WireModel, omit

MAX_VARIABLES = 100
MAX_VALUE_CHARS = 4096
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"

VariableFormat = Literal["string", "number", "boolean", "ipv4", "ipv4cidr", "ipv6", "version",
                         "base64"]
InputType = Literal["text", "dropdown", "multiline"]


class VariableOption(WireModel):
    """Palette's `v1VariableOption`: one choice of a dropdown variable."""

    value: str = Field(max_length=MAX_VALUE_CHARS)
    label: str | None = omit()
    description: str | None = omit()
    default: bool = False


class Variable(WireModel):
    """Palette's `v1Variable`: a typed value that layer values use as
    `{{.spectro.var.NAME}}`."""

    name: str = Field(pattern=NAME_PATTERN, description="letters, digits and '_', "
                                                        "not starting with a digit")
    display_name: str | None = omit("displayName")
    description: str | None = Field(default=None, max_length=2048, exclude_if=lambda v: v is None)
    format: VariableFormat = "string"
    input_type: InputType | None = omit("inputType")
    options: list[VariableOption] | None = Field(default=None, max_length=100,
                                                 exclude_if=lambda v: v is None)
    regex: str | None = Field(default=None, max_length=1024, exclude_if=lambda v: v is None)
    default_value: str = Field(default="", alias="defaultValue", max_length=MAX_VALUE_CHARS)
    required: bool = False
    is_sensitive: bool = Field(default=False, alias="isSensitive")
    hidden: bool = False
    immutable: bool = False
    # chartyard's own: a sensitive default is stored (its value is never returned).
    default_value_set: bool | None = omit("defaultValueSet")


class Variables(WireModel):
    """Palette's `v1Variables`: a profile's variables."""

    variables: list[Variable] = Field(default_factory=list, max_length=MAX_VARIABLES)


class VariableNames(WireModel):
    """Palette's `v1VariableNames`: the variables to delete."""

    variables: list[str] = Field(max_length=MAX_VARIABLES)


class ValuesProblem(WireModel):
    """One schema or variable error of a profile's values, with its JSON pointer."""

    field: str
    pointer: str
    message: str
    source: Literal["schema", "variable"]
    layer: str | None = omit()


class ValuesCheck(WireModel):
    """chartyard's answer to `POST /v1/clusterprofiles/{uid}/validate/values`."""

    errors: list[ValuesProblem] = Field(default_factory=list)
