"""Check every layer's values before a profile is saved, published or validated.

Two kinds of error, all reported at once with the JSON pointer of each:
- **schema**: the layer's merged values break its chart's `values.schema.json`
  (see `schema_check`);
- **variable**: a layer uses `{{.spectro.var.NAME}}` that is not defined, or a
  variable's stored value breaks its format, regex or options.

A schema error at a value that holds a variable with no value yet (given at export)
is not reported: the value is not known until then. Sensitive values are never
put into the schema check here, so no error message can echo one.

`schema_errors` is the one "merge, check, map the errors" step: save time calls it
with the variables' stored non-sensitive values, export (`export_check`) with the
values the export substitutes, sensitive ones included, whose messages it redacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import ChartyardError, InvalidInput
from chartyard.limits import LimitExceeded
from chartyard.profiles import variables as V
from chartyard.profiles.resolve import PackPlan, PackResolver
from chartyard.profiles.schema_check import (
    SchemaUnusable,
    check_chart,
    has_schemas,
    hint_schema,
    load_chart_tree,
    load_helm_yaml,
    pointer,
)
from chartyard.profiles.schemas import PackBody
from chartyard.store.models import ChartContent, ClusterProfile
from chartyard.values import PLACEHOLDER, chart_values, mask, placeholders, references, substitute
from chartyard.wire.variables import Variable


@dataclass(frozen=True)
class ValuesError:
    """One error: the body field, the layer it belongs to, the JSON pointer and the message."""

    field: str
    pointer: str
    message: str
    source: str  # schema | variable
    layer: str | None = None

    @property
    def text(self) -> str:
        """Return the error as one line: `field at /pointer: message`."""
        return f"{self.field} at '{self.pointer or '/'}': {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Return the error as the 422's details list it."""
        return {"field": self.field, "layer": self.layer, "pointer": self.pointer,
                "message": self.message, "source": self.source}


class ValuesInvalid(InvalidInput):
    """Report every schema and variable error of a profile's layers at once."""

    code = "ValuesInvalid"

    def __init__(self, errors: list[ValuesError]) -> None:
        super().__init__(errors[0].field, "; ".join(e.text for e in errors),
                         {"errors": [e.as_dict() for e in errors]})
        self.errors = errors


def definition_errors(variables: list[Variable]) -> list[ValuesError]:
    """Return the broken rules of the variables themselves (format, regex, options)."""
    return [ValuesError(p.field, f"/variables/{p.field.split('[')[1].split(']')[0]}",
                        p.message, "variable")
            for p in V.definition_problems(variables, "spec.variables")]


def layer_errors(index: int, name: str, values_text: str, chart: ChartContent | None,
                 variables: list[Variable]) -> list[ValuesError]:
    """Return a layer's variable and schema errors; `values_text` has passed the YAML check."""
    field = f"spec.template.packs[{index}].values"
    defined = {v.name: v for v in variables}
    masked = chart_values(load_helm_yaml(mask(values_text)))
    errors = [ValuesError(field, _find(masked, ref), f"variable {ref} is not defined; define "
                          "it in the profile's variables", "variable", name)
              for ref in references(values_text) if ref not in defined]
    if chart is None or not has_schemas(chart.values_schema, chart.subcharts):
        return errors
    known = {n: v.default_value for n, v in defined.items()
             if v.default_value and not v.is_sensitive}
    return [*errors, *schema_errors(field, name, values_text, chart, known)]


def schema_errors(field: str, name: str, values_text: str, chart: ChartContent,
                  given: dict[str, str], sensitive: frozenset[str] = frozenset(),
                  ) -> list[ValuesError]:
    """Merge the chart's defaults with the layer's values and check the chart's schema.

    The variables in `given` are substituted first; an error at a value that still
    holds a variable is skipped (its value comes at export). Each message names the
    variables whose value is at its pointer. Where the value holds a variable named
    in `sensitive`, the checker's message (which may echo the value) is replaced,
    and any given sensitive value left in a message is blanked.
    """
    secrets = [given[n] for n in sensitive if given.get(n)]
    try:
        tree = load_chart_tree(chart.values_schema, chart.values_yaml, chart.subcharts)
        masked = chart_values(load_helm_yaml(mask(values_text)))
        user = chart_values(load_helm_yaml(mask(substitute(values_text, given))))
        report = check_chart(tree, user)
        merged = report.values
    except SchemaUnusable as exc:
        return [ValuesError(field, "", f"the chart's {exc}", "schema", name)]
    except (yaml.YAMLError, LimitExceeded) as exc:
        problem = getattr(exc, "problem", None) if secrets else None
        return [ValuesError(field, "", _redact(
            f"not valid YAML once variables are substituted: {problem or exc}", secrets),
            "schema", name)]
    errors: list[ValuesError] = []
    for err in report.errors:
        at = _at(merged, err.pointer)
        if isinstance(at, str) and placeholders(at):
            continue  # holds a variable whose value comes at export
        here, within = _variables_at(masked, err.pointer)
        hidden = [n for n in within if n in sensitive]
        message = err.message
        if hidden and not _SAFE_MESSAGE.fullmatch(message):
            message = (f"breaks the chart's schema (the checker's message is not shown: "
                       f"the value holds sensitive variable {', '.join(hidden)})")
        elif here:
            message += f" (the value of variable {', '.join(here)})"
        errors.append(ValuesError(field, err.pointer, _redact(message, secrets), "schema",
                                  name))
    return errors


# `describe`'s type message names types only, never the value.
_SAFE_MESSAGE = re.compile(
    r"expected [a-z ]+, got (?:null|boolean|integer|number|string|array|object)")


def _redact(message: str, secrets: list[str]) -> str:
    """Return the message with every given sensitive value blanked."""
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "(sensitive)")
    return message


def _variables_at(tree: Any, ptr: str) -> tuple[list[str], list[str]]:
    """Return the variables whose value is at `ptr` of the layer's (masked) values, and
    every variable in the value there (a mapping or list holds several)."""
    node = tree
    for part in ptr.split("/")[1:] if ptr else []:
        if isinstance(node, str):
            break  # a variable's value became a mapping or list once substituted
        node = _at(node, "/" + part)
        if node is None:
            return [], []
    if isinstance(node, str):
        found = placeholders(node)
        return found, found
    within: list[str] = []
    for item in _walk_text(node):
        within += [n for n in placeholders(item) if n not in within]
    return [], within


def _walk_text(tree: Any) -> list[str]:
    """Return every string (keys included) of a values tree."""
    if isinstance(tree, dict):
        return [t for k, v in tree.items() for t in (*_walk_text(k), *_walk_text(v))]
    if isinstance(tree, list):
        return [t for v in tree for t in _walk_text(v)]
    return [tree] if isinstance(tree, str) else []


def _find(tree: Any, ref: str, path: tuple[Any, ...] = ()) -> str:
    """Return the pointer of the first value holding the placeholder of `ref`."""
    word = PLACEHOLDER.format(ref)
    if isinstance(tree, dict):
        for key, value in tree.items():
            found = _find(value, ref, (*path, key))
            if found or (isinstance(key, str) and word in key):
                return found or pointer((*path, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found = _find(value, ref, (*path, i))
            if found:
                return found
    elif isinstance(tree, str) and word in tree:
        return pointer(path) or "/"
    return ""


def _at(tree: Any, ptr: str) -> Any:
    node = tree
    for part in ptr.split("/")[1:] if ptr else []:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def plan_errors(plan: PackPlan, variables: list[Variable]) -> list[ValuesError]:
    """Return every error of a fetched pack plan's layers and of the variables."""
    errors = definition_errors(variables)
    for req in plan.requests:
        text = req.body.values if req.body.values.strip() else plan.defaults.get(req.index, "")
        errors += layer_errors(req.index, req.body.name, text, plan.charts.get(req.index),
                               variables)
    return errors


def raise_errors(errors: list[ValuesError]) -> None:
    """Raise `ValuesInvalid` when there is any error."""
    if errors:
        raise ValuesInvalid(errors)


def stored_bodies(profile: ClusterProfile) -> list[PackBody]:
    """Return a stored profile's layers as request bodies, to check them again."""
    return [PackBody.model_validate({"name": p.name, "tag": p.tag, "registryUid": p.registry_uid,
                                     "type": p.pack_type, "source": p.source,
                                     "values": p.values or ""})
            for p in profile.packs if p.registry_uid]


async def profile_errors(ctx: AppContext, principal: Principal,
                         uid: str) -> list[ValuesError]:
    """Return every values error of a stored profile (its layers and variables)."""
    from chartyard.profiles.service import ProfileService

    def read(session: Session) -> tuple[list[PackBody], list[Variable]]:
        profile = ProfileService(ctx, session, principal).get(uid)
        return stored_bodies(profile), V.load(profile, ctx.box)

    bodies, variables = await ctx.run_transaction(read)
    resolver = PackResolver(ctx, principal, skip_validation=True)
    plan = await ctx.run_transaction(lambda s: resolver.plan(s, bodies))
    await resolver.fetch(plan)
    return plan_errors(plan, variables)


async def publish_profile(ctx: AppContext, principal: Principal, uid: str) -> None:
    """Publish a profile, or raise `ValuesInvalid` listing every values error."""
    from chartyard.profiles.palette import PaletteProfiles

    raise_errors(await profile_errors(ctx, principal, uid))
    await ctx.run_transaction(lambda s: PaletteProfiles(ctx, s, principal).publish(uid))


def pointer_line(values_text: str, ptr: str) -> int | None:
    """Return the 1-based line of the deepest key of `ptr` written in the values text.

    None when not even the first key is written there (the error is in the chart's
    defaults) or the text is not YAML.
    """
    try:
        node = yaml.compose(mask(values_text), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line: int | None = None
    for part in ptr.split("/")[1:] if ptr else []:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key),
                         None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(
                node.value):
            node = node.value[int(key)]
            line = node.start_mark.line + 1
        else:
            break
    return line


@dataclass(frozen=True)
class LayerDraft:
    """One layer as the values editor has it now (not yet saved)."""

    index: int
    name: str
    tag: str
    registry_uid: str
    source: str | None
    values: str
    with_schema: bool = False


async def check_layer(ctx: AppContext, principal: Principal, uid: str,
                      layer: LayerDraft) -> dict[str, Any]:
    """Return the draft layer's schema and variable errors with their lines (and its schema).

    A chart that cannot be resolved answers with a message instead of errors.
    """
    from chartyard.profiles.service import ProfileService

    body = PackBody.model_validate({"name": layer.name, "tag": layer.tag,
                                    "registryUid": layer.registry_uid,
                                    "source": layer.source if layer.source in (
                                        "public", "private") else None,
                                    "values": layer.values or "{}"})
    variables = await ctx.run_transaction(
        lambda s: V.load(ProfileService(ctx, s, principal).get(uid), ctx.box))
    resolver = PackResolver(ctx, principal, skip_validation=True)
    try:
        plan = await ctx.run_transaction(lambda s: resolver.plan(s, [body]))
        await resolver.fetch(plan)
    except ChartyardError as exc:
        return {"errors": [], "message": exc.message}
    chart = plan.charts.get(0)
    errors = layer_errors(layer.index, layer.name, layer.values, chart, variables)
    out: dict[str, Any] = {"errors": [
        {**e.as_dict(), "line": pointer_line(layer.values, e.pointer)} for e in errors]}
    if layer.with_schema and chart is not None and has_schemas(chart.values_schema,
                                                               chart.subcharts):
        try:
            tree = load_chart_tree(chart.values_schema, chart.values_yaml, chart.subcharts)
            user = chart_values(load_helm_yaml(mask(layer.values)))
            out["schema"] = hint_schema(tree, user) or None
        except (SchemaUnusable, yaml.YAMLError, LimitExceeded):
            out["schema"] = None
    return out
