"""Palette's profile variables: definitions, their rules, storage and `{{.spectro.var.NAME}}`.

A variable has a format (string, number, boolean, version, ipv4, ipv4cidr, ipv6,
base64), an optional regex (Python's `re`, which reads the RE2 patterns Palette's
users write, except RE2-only syntax such as `\\C`), and `required`. Layer values
refer to it as `{{.spectro.var.NAME}}`; the reference is replaced by the value's
text before the YAML is read, as Palette's template step does.

Sensitive values are stored encrypted with the registry secrets' `SecretBox`
(`cluster_profiles.variables_enc`); the plain definitions (`variables`) never
hold them, and nothing here returns them except `values` for the server's own use.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from typing import Any

import semver

from chartyard.errors import InvalidInput
from chartyard.store.crypto import SecretBox
from chartyard.store.models import ClusterProfile
from chartyard.wire.variables import MAX_VALUE_CHARS, Variable

_NUMBER = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$")


@dataclass(frozen=True)
class VariableProblem:
    """One broken variable rule: the field to fix and what is wrong."""

    field: str
    name: str
    message: str


def value_problem(var: Variable, value: str) -> str | None:
    """Return what is wrong with a value of `var` (format, regex, options), or None."""
    if len(value) > MAX_VALUE_CHARS:
        return f"is longer than {MAX_VALUE_CHARS} characters"
    if "\n" in value or "\r" in value:
        return "must be one line (a line break would change the YAML around it)"
    problem = _format_problem(var.format, value)
    if problem:
        return problem
    if var.regex:
        try:
            matched = re.fullmatch(var.regex, value) is not None
        except re.error:
            matched = False
        if not matched:
            return f"does not match the variable's regex {var.regex!r}"
    if var.input_type == "dropdown" and var.options:
        allowed = [o.value for o in var.options]
        if value not in allowed:
            return f"must be one of the options {allowed}"
    return None


def _format_problem(fmt: str, value: str) -> str | None:
    if fmt == "number":
        return None if _NUMBER.match(value) else "must be a number, such as 3 or 2.5"
    if fmt == "boolean":
        return None if value in ("true", "false") else "must be true or false"
    if fmt == "version":
        try:
            semver.Version.parse(value.removeprefix("v"))
        except ValueError:
            return "must be a semantic version, such as 1.2.3"
        return None
    if fmt == "ipv4":
        return _ip(ipaddress.IPv4Address, value, "an IPv4 address, such as 10.0.0.1")
    if fmt == "ipv6":
        return _ip(ipaddress.IPv6Address, value, "an IPv6 address, such as fd00::1")
    if fmt == "ipv4cidr":
        if "/" not in value:
            return "must be an IPv4 CIDR, such as 10.0.0.0/16"
        return _ip(lambda v: ipaddress.IPv4Network(v, strict=False), value,
                   "an IPv4 CIDR, such as 10.0.0.0/16")
    if fmt == "base64":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return "must be base64"
    return None


def _ip(parse: Any, value: str, what: str) -> str | None:
    try:
        parse(value)
    except ValueError:
        return f"must be {what}"
    return None


def definition_problems(variables: list[Variable], prefix: str) -> list[VariableProblem]:
    """Return every broken rule of a set of definitions: duplicate names, bad regex, and
    default values that break their own format, regex or options."""
    out: list[VariableProblem] = []
    seen: set[str] = set()
    for i, var in enumerate(variables):
        field = f"{prefix}[{i}]"
        if var.name in seen:
            out.append(VariableProblem(f"{field}.name", var.name,
                                       f"variable {var.name} is defined twice"))
        seen.add(var.name)
        if var.regex:
            try:
                re.compile(var.regex)
            except re.error as exc:
                out.append(VariableProblem(f"{field}.regex", var.name,
                                           f"regex of {var.name} does not compile: {exc}"))
                continue
        if var.default_value:
            problem = value_problem(var, var.default_value)
            if problem:
                shown = "the stored value" if var.is_sensitive else repr(var.default_value)
                out.append(VariableProblem(f"{field}.defaultValue", var.name,
                                           f"{var.name}: {shown} {problem}"))
    return out


def raise_problems(problems: list[VariableProblem]) -> None:
    """Raise one 422 listing every problem, naming the first field."""
    if problems:
        raise InvalidInput(problems[0].field, "; ".join(
            f"{p.field}: {p.message}" for p in problems),
            {"errors": [{"field": p.field, "variable": p.name, "message": p.message}
                        for p in problems]})


# ---- storage ------------------------------------------------------------------------
def load(profile: ClusterProfile, box: SecretBox) -> list[Variable]:
    """Return a profile's variables with their values, sensitive ones decrypted."""
    secrets = box.decrypt(profile.variables_enc)
    out = []
    for raw in profile.variables or []:
        var = Variable.model_validate(raw)
        if var.is_sensitive:
            var = var.model_copy(update={"default_value": secrets.get(var.name, ""),
                                         "default_value_set": None})
        out.append(var)
    return out


def public(variables: list[Variable]) -> list[Variable]:
    """Return variables as answers show them: sensitive values blanked, flagged as set."""
    return [v.model_copy(update={"default_value": "",
                                 "default_value_set": bool(v.default_value)})
            if v.is_sensitive else v for v in variables]


def keep_sensitive(new: list[Variable], old: list[Variable]) -> list[Variable]:
    """Return `new` where a sensitive variable sent with no value keeps its stored one."""
    stored = {v.name: v.default_value for v in old if v.is_sensitive}
    return [v.model_copy(update={"default_value": stored.get(v.name, "")})
            if v.is_sensitive and not v.default_value else v for v in new]


def store(profile: ClusterProfile, variables: list[Variable], box: SecretBox) -> None:
    """Write definitions in plain text and sensitive values encrypted."""
    secrets = {v.name: v.default_value for v in variables if v.is_sensitive and v.default_value}
    profile.variables = [
        v.model_dump(by_alias=True, exclude={"default_value_set"}
                     | ({"default_value"} if v.is_sensitive else set()))
        for v in variables]
    profile.variables_enc = box.encrypt(secrets) if secrets else None


# ---- export ------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportProblem:
    """One export-time problem of one variable (`kind`: unknown, immutable, value,
    missing or undefined); `message` is said of the variable, not of the request."""

    name: str
    kind: str
    message: str


def export_problems(variables: list[Variable], given: dict[str, str],
                    used: list[str]) -> tuple[dict[str, str], list[ExportProblem]]:
    """Return the value of each variable for an export and every problem found.

    A value given with the export (`var.NAME=value`) wins, except over an immutable
    variable's default; otherwise a non-sensitive default is used. A sensitive value
    is never taken from storage. A used or required variable with no value is missing.
    """
    defined = {v.name: v for v in variables}
    problems = [ExportProblem(n, "unknown", f"the profile has no variable {n}; its "
                                            f"variables are {sorted(defined)}")
                for n in sorted(set(given) - set(defined))]
    out: dict[str, str] = {}
    for name, var in defined.items():
        if name in given:
            value = given[name]
            if var.immutable and var.default_value and value != var.default_value:
                problems.append(ExportProblem(name, "immutable", f"variable {name} is "
                                              "immutable; leave it out of the export"))
                continue
        elif var.default_value and not var.is_sensitive:
            value = var.default_value
        else:
            if var.required or name in used:
                note = (" (sensitive: its stored value never leaves chartyard)"
                        if var.is_sensitive else "")
                problems.append(ExportProblem(name, "missing", f"give a value for {name}"
                                                               f"{note}"))
            continue
        problem = value_problem(var, value)
        if problem:
            shown = "the value given" if var.is_sensitive else repr(value)
            problems.append(ExportProblem(name, "value", f"{shown} {problem}"))
            continue
        out[name] = value
    problems += [ExportProblem(n, "undefined", "the values use a variable the profile "
                                               f"does not define: {n}")
                 for n in sorted(set(used) - set(defined))]
    return out, problems


def export_values(variables: list[Variable], given: dict[str, str],
                  used: list[str]) -> dict[str, str]:
    """Return the value of each variable for an export, or raise a 422 naming the problem
    (the rules are `export_problems`')."""
    out, problems = export_problems(variables, given, used)
    first = next((p for p in problems if p.kind in ("unknown", "immutable", "value")), None)
    if first is not None:
        raise InvalidInput(f"var.{first.name}", f"var.{first.name}: {first.message}")
    missing = [p.name for p in problems if p.kind == "missing"]
    if missing:
        notes = [f"{n} (sensitive: its stored value never leaves chartyard)"
                 if any(v.name == n and v.is_sensitive for v in variables) else n
                 for n in missing]
        raise InvalidInput(f"var.{missing[0]}", f"var.{missing[0]}: give a value for "
                           f"{', '.join(notes)} with var.NAME=value on the export "
                           "(--var NAME=value on the CLI)", {"missing": missing})
    undefined = [p.name for p in problems if p.kind == "undefined"]
    if undefined:
        raise InvalidInput(f"var.{undefined[0]}", f"var.{undefined[0]}: the values use "
                           f"variables the profile does not define: {undefined}")
    return out


def given_values(params: list[tuple[str, str]]) -> dict[str, str]:
    """Return the `var.NAME=value` pairs of an export's query; a repeated name is a 422."""
    out: dict[str, str] = {}
    for key, value in params:
        if not key.startswith("var."):
            continue
        name = key[4:]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
            raise InvalidInput(key, f"{key}: not a variable name (letters, digits and '_')")
        if name in out:
            raise InvalidInput(key, f"{key} is given twice; give each variable once")
        out[name] = value
    return out
