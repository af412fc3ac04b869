"""The schema checker's own rules: remote `$ref` never fetched, caps, pointers, merging."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chartyard.profiles.schema_check import (
    MAX_SCHEMA_BYTES,
    MAX_SCHEMA_DEPTH,
    SchemaUnusable,
    check,
    check_chart,
    check_layer,
    has_schemas,
    load_chart_tree,
    load_schema,
    merge_values,
    without_remote_refs,
)


@pytest.fixture
def schema_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server that serves a strict schema and records every request."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps({"type": "string"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_remote_refs_are_never_fetched(schema_server: tuple[str, list[str]]) -> None:
    url, hits = schema_server
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {
        "a": {"$ref": f"{url}/strict.json"},
        "b": {"$ref": f"{url}/defs.json#/definitions/x"},
        "c": {"$ref": "sibling.json"},
        "d": {"type": "integer"}}}
    report = check_layer(json.dumps(schema), "a: 1\nb: 2\nc: 3\n", "d: x\n")
    assert hits == []  # the server would have served a schema that rejects a, b
    assert sorted(report.unresolved) == sorted(
        [f"{url}/strict.json", f"{url}/defs.json#/definitions/x", "sibling.json"])
    assert [(e.pointer, e.message) for e in report.errors] == [
        ("/d", "expected integer, got string")]
    # The server does serve it: only chartyard's refusal kept it unasked.
    import httpx
    assert httpx.get(f"{url}/strict.json").json() == {"type": "string"}


def test_local_refs_and_embedded_ids_still_resolve() -> None:
    schema = {"$id": "https://example.invalid/root.json",
              "$defs": {"s": {"$id": "https://example.invalid/s.json", "type": "string"}},
              "properties": {"a": {"$ref": "#/$defs/s"},
                             "b": {"$ref": "https://example.invalid/s.json"}}}
    stripped, removed = without_remote_refs(schema)
    assert removed == [] and stripped == schema
    assert [e.pointer for e in check(schema, {"a": 1, "b": 2}).errors] == ["/a", "/b"]


def test_size_and_depth_are_capped() -> None:
    deep = "{" + '"a":{' * (MAX_SCHEMA_DEPTH + 1) + "}" * (MAX_SCHEMA_DEPTH + 2)
    with pytest.raises(SchemaUnusable, match="deeper"):
        load_schema(deep)
    big = json.dumps({"description": "x" * MAX_SCHEMA_BYTES})
    with pytest.raises(SchemaUnusable, match="bytes"):
        load_schema(big)
    with pytest.raises(SchemaUnusable, match="not a valid schema"):
        check(load_schema('{"type": "strin"}'), {})


def test_every_error_comes_back_with_an_escaped_pointer() -> None:
    schema = {"properties": {"a/b": {"type": "string"}, "m~n": {"type": "string"},
                             "list": {"items": {"type": "integer"}}},
              "required": ["must"]}
    report = check(schema, {"a/b": 1, "m~n": 2, "list": [1, "x", 3, "y"]})
    assert [e.pointer for e in report.errors] == ["", "/a~1b", "/list/1", "/list/3", "/m~0n"]
    assert report.errors[0].message == "'must' is required"


def test_merge_follows_helm() -> None:
    defaults = {"a": {"b": 1, "c": 2}, "l": [1, 2], "n": None, "s": 1}
    merged = merge_values(defaults, {"a": {"b": None, "d": 3}, "l": [3], "s": {"x": 1},
                                     "new": None, "o": {"p": None}})
    assert merged == {"a": {"c": 2, "d": 3}, "l": [3], "n": None, "s": {"x": 1},
                      "new": None, "o": {"p": None}}
    assert defaults["a"] == {"b": 1, "c": 2}  # not changed in place


def _tree(sub_schema: str | None, *, error: str | None = None) -> str:
    sub = {"chart_yaml": "name: sub\nversion: 1.0.0\n", "values_yaml": "port: 80\n",
           "values_schema": sub_schema, "charts": []}
    return json.dumps({"chart_yaml": "name: top\n", "charts": [sub], "error": error})


PORT_SCHEMA = json.dumps({"properties": {"port": {"type": "integer"}}})


def test_subchart_errors_point_from_the_top_and_name_the_subchart() -> None:
    tree = load_chart_tree(None, "", _tree(PORT_SCHEMA))
    report = check_chart(tree, {"sub": {"port": "http"}})
    assert [(e.pointer, e.message) for e in report.errors] == [
        ("/sub/port", "subchart sub: expected integer, got string")]
    assert report.values == {"sub": {"port": "http", "global": {}}}


def test_subchart_part_that_is_not_a_map_is_an_error_not_a_crash() -> None:
    report = check_chart(load_chart_tree(None, "", _tree(PORT_SCHEMA)), {"sub": [1]})
    assert [(e.pointer, e.message) for e in report.errors] == [
        ("/sub", "values for subchart sub must be a map")]


def test_unusable_subchart_schema_or_tree_names_the_cause() -> None:
    with pytest.raises(SchemaUnusable, match=r"^subchart sub: values\.schema\.json is not valid"):
        check_chart(load_chart_tree(None, "", _tree("{nope")), {})
    with pytest.raises(SchemaUnusable, match="subcharts are not checked: too deep"):
        load_chart_tree(None, "", _tree(None, error="too deep"))


def test_has_schemas_looks_into_subcharts() -> None:
    assert not has_schemas(None, None)
    assert not has_schemas(None, _tree(None))
    assert has_schemas(None, _tree(PORT_SCHEMA))
    assert has_schemas(None, _tree(None, error="too many"))
    assert has_schemas("{}", None)
