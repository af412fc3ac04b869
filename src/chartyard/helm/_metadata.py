"""Read chart metadata from the config blob of a Helm OCI manifest.

``helm push`` stores the chart's Chart.yaml, serialised as JSON, as the
manifest's config blob, so a chart can be indexed without its tarball.

Policy for untrusted values:

* Types are checked strictly: ``"deprecated": "true"`` or ``"keywords": "a"``
  is an error naming the field, not a silent coercion.  JSON ``null`` counts
  as "absent" for every optional field.
* ``description`` longer than 10,000 characters is truncated (ending in
  "…"): it is prose, and cutting it loses nothing a catalog needs.  Every
  other string and list has a cap generous enough for real charts (name 250,
  version 128 (the OCI tag limit), URLs 4,096, icon 128 KiB, annotation
  values 64 KiB, ...) and exceeding it is an error, because truncating an
  identifier or URL would silently corrupt it.
* Like Helm's own validation, characters that are not printable are dropped
  and whitespace becomes a plain space, so metadata cannot smuggle terminal
  escapes or bidi overrides into the UI or CLI.  ``description`` and
  annotation values keep newlines and tabs.

Not supported: Helm's deprecated ``engine``, ``tags`` and ``condition``
chart fields, and the dependency fields ``tags``, ``enabled`` and
``import-values``; they are ignored like any unknown field.  The version is
not required to be valid semver (see `chartyard.helm.is_semver`), so that
such charts can still be listed, after the valid ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from chartyard.errors import ContentError
from chartyard.limits import LimitExceeded, load_json_bounded

__all__ = [
    "MAX_CONFIG_BYTES",
    "ChartMetadata",
    "Dependency",
    "InvalidChartMetadata",
    "Maintainer",
    "parse_chart_config",
]

MAX_CONFIG_BYTES = 1024 * 1024
"""Largest config blob `parse_chart_config` accepts."""

MAX_DESCRIPTION_CHARS = 10_000
_ELLIPSIS = "…"


class InvalidChartMetadata(ContentError, ValueError):
    """Report a config blob that is not usable chart metadata.

    ``field`` is the offending field as a path such as ``maintainers[0].email``
    (Helm's JSON spelling), or ``None`` when the blob as a whole is at fault
    (not JSON, too large, not an object).
    """

    code = "InvalidChartMetadata"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, {"field": field} if field else None)
        self.field = field


def _printable(text: str, *, multiline: bool) -> str:
    """Drop unprintable characters and flatten whitespace, as Helm does."""
    if text.isprintable():
        return text
    kept = "\n\t" if multiline else ""
    return "".join(
        c if c in kept else " " if c.isspace() else c
        for c in text
        if c.isprintable() or c.isspace()
    )


def _single_line(text: str) -> str:
    return _printable(text, multiline=False)


def _multi_line(text: str) -> str:
    return _printable(text, multiline=True)


def _truncate_description(text: str) -> str:
    if len(text) <= MAX_DESCRIPTION_CHARS:
        return text
    return text[: MAX_DESCRIPTION_CHARS - len(_ELLIPSIS)] + _ELLIPSIS


def _non_empty(text: str) -> str:
    if not text:
        raise ValueError("must not be empty once unprintable characters are removed")
    return text


def _none_as(default: Callable[[], object]) -> BeforeValidator:
    """Treat JSON ``null`` as the field's empty value (Go marshals nil that way)."""
    return BeforeValidator(lambda value: default() if value is None else value)


_Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=250),
    AfterValidator(_single_line),
    AfterValidator(_non_empty),
]
_Version = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    AfterValidator(_single_line),
    AfterValidator(_non_empty),
]
_Short = Annotated[str, StringConstraints(max_length=256), AfterValidator(_single_line)]
_Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_single_line)]
_Condition = Annotated[str, StringConstraints(max_length=1024), AfterValidator(_single_line)]
_Url = Annotated[str, StringConstraints(max_length=4096), AfterValidator(_single_line)]
_Icon = Annotated[str, StringConstraints(max_length=128 * 1024), AfterValidator(_single_line)]
_Description = Annotated[str, AfterValidator(_multi_line), AfterValidator(_truncate_description)]
_AnnotationKey = Annotated[str, StringConstraints(max_length=1024), AfterValidator(_single_line)]
_AnnotationValue = Annotated[
    str, StringConstraints(max_length=64 * 1024), AfterValidator(_multi_line)
]


class Maintainer(BaseModel):
    """Name a person responsible for the chart."""

    # Spelled out per class: the pydantic mypy plugin reads only literal configs.
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True, populate_by_name=True)

    name: _Short | None = None
    email: _Email | None = None
    url: _Url | None = None


class Dependency(BaseModel):
    """Describe a subchart the chart depends on (``version`` is a constraint)."""

    # Spelled out per class: the pydantic mypy plugin reads only literal configs.
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True, populate_by_name=True)

    name: _Name
    version: _Short | None = None
    repository: _Url | None = None
    condition: _Condition | None = None
    alias: _Short | None = None


class ChartMetadata(BaseModel):
    """Hold the Chart.yaml fields chartyard indexes, in Helm's JSON spelling.

    Field names are snake_case; aliases are Helm's (``apiVersion``,
    ``appVersion``, ``kubeVersion``), and ``model_dump(by_alias=True)``
    reproduces Helm's shape.
    """

    # Spelled out per class: the pydantic mypy plugin reads only literal configs.
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True, populate_by_name=True)

    name: _Name
    version: _Version
    api_version: _Short | None = Field(default=None, alias="apiVersion")
    app_version: _Short | None = Field(default=None, alias="appVersion")
    description: _Description | None = None
    icon: _Icon | None = None
    keywords: Annotated[list[_Short], _none_as(list), Field(max_length=256)] = []
    home: _Url | None = None
    sources: Annotated[list[_Url], _none_as(list), Field(max_length=256)] = []
    maintainers: Annotated[list[Maintainer], _none_as(list), Field(max_length=256)] = []
    dependencies: Annotated[list[Dependency], _none_as(list), Field(max_length=1024)] = []
    kube_version: _Short | None = Field(default=None, alias="kubeVersion")
    deprecated: Annotated[bool, _none_as(bool)] = False
    type: Annotated[
        Literal["application", "library"],
        BeforeValidator(lambda value: "application" if value in (None, "") else value),
    ] = "application"
    annotations: Annotated[
        dict[_AnnotationKey, _AnnotationValue], _none_as(dict), Field(max_length=1024)
    ] = {}


def _field_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as ``maintainers[0].email``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for an invalid dict key
            path += part
        else:
            path += f".{part}" if path else part
    return path


def parse_chart_config(data: bytes) -> ChartMetadata:
    """Parse a Helm config blob (Chart.yaml as JSON) into `ChartMetadata`.

    Raises:
        InvalidChartMetadata: the blob is over 1 MiB, nests too deeply, is not
            a JSON object, or a field is missing or has the wrong type or
            size; the message and ``field`` name the culprit.
    """
    try:
        document = load_json_bounded(data, max_bytes=MAX_CONFIG_BYTES)
    except LimitExceeded as exc:
        raise InvalidChartMetadata(f"chart config blob rejected: {exc}") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise InvalidChartMetadata(f"chart config blob is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidChartMetadata(
            f"chart config blob must be a JSON object, not {type(document).__name__}"
        )
    try:
        return ChartMetadata.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        field = _field_path(first["loc"])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidChartMetadata(
            f"invalid chart metadata: field {field!r}: {first['msg']}{more}", field=field
        ) from exc
