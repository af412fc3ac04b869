"""Variable rules: every format, regex, options and export-time values."""

from __future__ import annotations

import pytest

from chartyard import values
from chartyard.errors import InvalidInput
from chartyard.profiles import variables as V
from chartyard.wire.variables import Variable

GOOD_BAD = [
    ("string", "anything at all", "two\nlines"),
    ("number", "-2.5e3", "3 pods"),
    ("boolean", "false", "yes"),
    ("version", "v1.29.3", "1.29"),
    ("ipv4", "10.0.0.1", "10.0.0.256"),
    ("ipv4cidr", "192.168.0.0/16", "192.168.0.1"),
    ("ipv6", "fd00::1", "fd00::g"),
    ("base64", "c2VjcmV0", "not base64!"),
]


@pytest.mark.parametrize(("fmt", "good", "bad"), GOOD_BAD)
def test_each_format_accepts_and_refuses(fmt: str, good: str, bad: str) -> None:
    var = Variable.model_validate({"name": "v", "format": fmt})
    assert V.value_problem(var, good) is None
    assert V.value_problem(var, bad)


def test_regex_and_options() -> None:
    var = Variable.model_validate({"name": "v", "regex": "^v[0-9]+$"})
    assert V.value_problem(var, "v12") is None
    assert "regex" in (V.value_problem(var, "v12x") or "")
    drop = Variable.model_validate({"name": "d", "inputType": "dropdown",
                                    "options": [{"value": "a"}, {"value": "b"}]})
    assert V.value_problem(drop, "c") == "must be one of the options ['a', 'b']"


def test_definitions_report_every_problem_without_echoing_sensitive_values() -> None:
    variables = [Variable.model_validate(v) for v in (
        {"name": "a", "format": "ipv4", "defaultValue": "x"},
        {"name": "a"},
        {"name": "b", "regex": "("},
        {"name": "c", "format": "number", "isSensitive": True, "defaultValue": "hidden-val"})]
    problems = V.definition_problems(variables, "spec.variables")
    assert [p.field for p in problems] == ["spec.variables[0].defaultValue",
                                           "spec.variables[1].name", "spec.variables[2].regex",
                                           "spec.variables[3].defaultValue"]
    assert all("hidden-val" not in p.message for p in problems)


def test_references_substitution_and_export_values() -> None:
    text = "a: {{.spectro.var.x}}\nb: '{{ .spectro.var.y }}-{{.spectro.var.x}}'\n"
    assert values.references(text) == ["x", "y"]
    assert values.substitute(text, {"x": "1"}) == "a: 1\nb: '{{ .spectro.var.y }}-1'\n"
    defs = [Variable.model_validate(v) for v in (
        {"name": "x", "defaultValue": "1"},
        {"name": "y", "required": True},
        {"name": "z", "immutable": True, "defaultValue": "fixed"})]
    assert V.export_values(defs, {"y": "2"}, ["x", "y"]) == {"x": "1", "y": "2", "z": "fixed"}
    with pytest.raises(InvalidInput, match=r"var\.y"):
        V.export_values(defs, {}, ["x"])
    with pytest.raises(InvalidInput, match="immutable"):
        V.export_values(defs, {"y": "2", "z": "other"}, [])
    with pytest.raises(InvalidInput, match="no variable q"):
        V.export_values(defs, {"y": "2", "q": "1"}, [])
    with pytest.raises(InvalidInput, match="given twice"):
        V.given_values([("var.x", "1"), ("var.x", "2")])
