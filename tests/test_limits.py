"""Tests for chartyard.limits: bounded JSON and YAML parsing."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from chartyard.limits import (
    LimitExceeded,
    load_json_bounded,
    load_yaml_bounded,
    yaml_error_position,
)

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


# ---------------------------------------------------------------------- JSON


def test_json_parses_ordinary_document() -> None:
    data = b'{"name": "podinfo", "keywords": ["a", "b"], "n": 1.5, "ok": true, "x": null}'
    assert load_json_bounded(data, max_bytes=1024) == {
        "name": "podinfo",
        "keywords": ["a", "b"],
        "n": 1.5,
        "ok": True,
        "x": None,
    }


def test_json_tolerates_utf8_bom() -> None:
    assert load_json_bounded(b'\xef\xbb\xbf{"a": "\xc3\xa9"}', max_bytes=100) == {"a": "é"}


def test_json_size_limit_is_inclusive() -> None:
    data = b'"' + b"x" * 98 + b'"'  # exactly 100 bytes
    assert load_json_bounded(data, max_bytes=100) == "x" * 98
    with pytest.raises(LimitExceeded) as info:
        load_json_bounded(data + b" ", max_bytes=100)
    assert info.value.limit == "max_bytes"
    assert info.value.maximum == 100
    assert "101 bytes" in str(info.value)


@pytest.mark.parametrize("opener,closer", [(b"[", b"]"), (b'{"a":', b"}")])
def test_json_depth_limit_boundary(opener: bytes, closer: bytes) -> None:
    inner = b"1"
    at_limit = opener * 64 + inner + closer * 64
    load_json_bounded(at_limit, max_bytes=10_000, max_depth=64)
    with pytest.raises(LimitExceeded) as info:
        load_json_bounded(opener + at_limit + closer, max_bytes=10_000, max_depth=64)
    assert info.value.limit == "max_depth"


def test_json_10000_deep_is_limit_exceeded_not_recursion_error() -> None:
    data = b"[" * 10_000 + b"]" * 10_000
    # The unbounded parser really does blow the stack on this input.
    with pytest.raises(RecursionError):
        json.loads(data)
    started = time.perf_counter()
    with pytest.raises(LimitExceeded, match="deeper than the limit of 64"):
        load_json_bounded(data, max_bytes=1 << 20)
    assert time.perf_counter() - started < 0.5


def test_json_unbalanced_deep_prefix_is_rejected_before_parsing() -> None:
    with pytest.raises(LimitExceeded):
        load_json_bounded(b'{"a":' * 10_000, max_bytes=1 << 20)


def test_json_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"s": "[" * 500 + '\\"{{{' + "{" * 500, "t": ["]]]"]}).encode()
    assert load_json_bounded(text, max_bytes=10_000, max_depth=2)["t"] == ["]]]"]


def test_json_escaped_quote_does_not_end_string() -> None:
    # If the scanner treated \" as the end of the string, the brackets after
    # it would count and push the depth over 1.
    text = rb'["a\"[[[[", "b\\"]'
    assert load_json_bounded(text, max_bytes=100, max_depth=1) == ['a"[[[[', "b\\"]


def test_json_syntax_error_is_json_decode_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        load_json_bounded(b'{"a": }', max_bytes=100)


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_json_rejects_non_standard_constants(literal: bytes) -> None:
    with pytest.raises(ValueError, match="non-standard"):
        load_json_bounded(b'{"a": ' + literal + b"}", max_bytes=100)


def test_json_rejects_invalid_utf8() -> None:
    with pytest.raises(UnicodeDecodeError):
        load_json_bounded(b'{"a": "\xff"}', max_bytes=100)


def test_limit_exceeded_is_value_error() -> None:
    assert issubclass(LimitExceeded, ValueError)


# ---------------------------------------------------------------------- YAML


def test_yaml_loads_ordinary_document_with_anchors_and_merge_keys() -> None:
    text = """\
defaults: &defaults
  image: {repository: nginx, tag: "1.27"}
  replicas: 2
web:
  <<: *defaults
  replicas: 3
ports: &ports [80, 443]
also: *ports
"""
    assert load_yaml_bounded(text) == {
        "defaults": {"image": {"repository": "nginx", "tag": "1.27"}, "replicas": 2},
        "web": {"image": {"repository": "nginx", "tag": "1.27"}, "replicas": 3},
        "ports": [80, 443],
        "also": [80, 443],
    }


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_yaml_empty_document_is_none(text: str) -> None:
    assert load_yaml_bounded(text) is None


def test_yaml_billion_laughs_is_refused_fast() -> None:
    started = time.perf_counter()
    with pytest.raises(LimitExceeded) as info:
        load_yaml_bounded(BILLION_LAUGHS)
    assert time.perf_counter() - started < 0.5
    # 72 aliases stay under max_aliases=100: it is the expansion that trips.
    assert info.value.limit == "max_nodes"
    assert "200000 nodes" in str(info.value)


def test_yaml_expansion_is_counted_through_aliases() -> None:
    # 3 levels: a = 1 + 3 scalars; b = 1 + 3*4; root mapping = 1 + keys + values.
    text = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\n"
    assert load_yaml_bounded(text, max_nodes=1 + 2 + 4 + 13)["b"][2] == ["x", "x", "x"]
    with pytest.raises(LimitExceeded):
        load_yaml_bounded(text, max_nodes=1 + 2 + 4 + 13 - 1)


def test_yaml_alias_count_limit() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(LimitExceeded) as info:
        load_yaml_bounded(text)
    assert info.value.limit == "max_aliases"
    assert len(load_yaml_bounded(text, max_aliases=101)["b"]) == 101


def test_yaml_recursive_alias_is_refused() -> None:
    with pytest.raises(LimitExceeded, match="enclosing node"):
        load_yaml_bounded("a: &a [1, *a]\n")


def test_yaml_depth_limit_boundary() -> None:
    at_limit = "[" * 64 + "]" * 64
    assert load_yaml_bounded(at_limit) is not None
    with pytest.raises(LimitExceeded) as info:
        load_yaml_bounded("[" + at_limit + "]")
    assert info.value.limit == "max_depth"


def test_yaml_deep_block_nesting_is_refused() -> None:
    text = "".join("  " * level + f"k{level}:\n" for level in range(200)) + "  " * 200 + "v\n"
    with pytest.raises(LimitExceeded, match="nests deeper"):
        load_yaml_bounded(text)


def test_yaml_10000_deep_flow_is_limit_exceeded() -> None:
    # libyaml gives up on this by itself (at 1,000 levels); it is still
    # reported as our depth limit rather than as a syntax error.
    with pytest.raises(LimitExceeded) as info:
        load_yaml_bounded("[" * 10_000 + "]" * 10_000)
    assert info.value.limit == "max_depth"


def test_yaml_size_limit_counts_utf8_bytes() -> None:
    text = "k: " + "é" * 10  # 13 characters, 23 bytes
    assert load_yaml_bounded(text, max_bytes=23) == {"k": "é" * 10}
    with pytest.raises(LimitExceeded) as info:
        load_yaml_bounded(text, max_bytes=22)
    assert info.value.limit == "max_bytes"


def test_yaml_syntax_error_passes_through_with_position() -> None:
    text = "image:\n  repository: nginx\n   tag: bad\n"
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml_bounded(text)
    assert not isinstance(info.value, LimitExceeded)
    assert yaml_error_position(info.value) == (3, 7)


def test_yaml_unclosed_flow_error_position() -> None:
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml_bounded("a: [1, 2\nb: 3\n")
    position = yaml_error_position(info.value)
    assert position is not None
    assert position[0] == 2


def test_yaml_unsafe_tag_is_refused() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="python/object"):
        load_yaml_bounded("a: !!python/object/apply:os.system ['true']\n")


def test_yaml_multiple_documents_are_refused() -> None:
    with pytest.raises(yaml.composer.ComposerError, match="single document"):
        load_yaml_bounded("a: 1\n---\nb: 2\n")


def test_yaml_scalar_conversion_failure_is_positioned_yaml_error() -> None:
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml_bounded("ok: 1\nhuge: " + "9" * 5000 + "\n")
    assert yaml_error_position(info.value) == (2, 7)
    with pytest.raises(yaml.YAMLError, match="day is out of range"):
        load_yaml_bounded("when: 2024-02-30\n")


def test_yaml_error_position_without_mark_is_none() -> None:
    assert yaml_error_position(yaml.YAMLError("no mark")) is None
