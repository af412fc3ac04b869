"""Parse untrusted JSON and YAML with hard limits on size, depth and expansion.

Registries hand chartyard documents written by strangers: config blobs, values
files, schemas.  The standard parsers trust their input in ways that matter here:

* ``json.loads`` recurses once per nesting level, so a document of 10,000
  opening brackets ends in ``RecursionError`` instead of a clean error.
* PyYAML resolves aliases to shared nodes, so a few hundred bytes of
  "billion laughs" load into a graph that explodes as soon as anyone walks it
  (``json.dumps``, a template, a diff).

The helpers below refuse such input up front and raise `LimitExceeded`, which
names the limit that tripped.  Ordinary syntax errors still surface as
``json.JSONDecodeError`` / ``yaml.YAMLError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    ScalarEvent,
)
from yaml.nodes import Node

from chartyard.errors import ContentError

__all__ = [
    "LimitExceeded",
    "load_json_bounded",
    "load_yaml_bounded",
    "yaml_error_position",
]

MiB = 1024 * 1024


class LimitExceeded(ContentError, ValueError):
    """Report that input was refused because it exceeds a configured limit.

    ``limit`` is the name of the limit (for example ``"max_depth"``) and
    ``maximum`` its configured value, so callers can map the error to an API
    response without parsing the message.
    """

    code = "LimitExceeded"

    def __init__(self, message: str, *, limit: str, maximum: int) -> None:
        super().__init__(message, {"limit": limit, "maximum": maximum})
        self.limit = limit
        self.maximum = maximum


# --------------------------------------------------------------------------- JSON

# One token per match: a whole string literal (so brackets inside strings are
# skipped, escapes included) or a single bracket.  The string alternative is
# the "unrolled loop" form, which matches in linear time.  An unterminated
# string simply fails to match; json.loads reports it afterwards.
_JSON_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _json_depth_exceeds(text: str, max_depth: int) -> bool:
    """Return whether brackets in ``text`` nest deeper than ``max_depth``.

    Brackets are counted without checking that they pair up; mismatches are
    left for ``json.loads`` to report.
    """
    depth = 0
    for match in _JSON_STRUCTURE.finditer(text):
        lexeme = match.group()
        if lexeme in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return True
        elif lexeme in ("]", "}"):
            depth -= 1
    return False


def _reject_constant(name: str) -> Any:
    """Refuse the non-standard ``NaN`` / ``Infinity`` literals Python accepts."""
    raise ValueError(f"invalid JSON: non-standard constant {name!r}")


def load_json_bounded(data: bytes, *, max_bytes: int, max_depth: int = 64) -> Any:
    """Parse a JSON document after checking its size and nesting depth.

    The depth check is a linear pre-scan of the text, so pathological nesting
    is rejected without recursing.  Input must be UTF-8 (a leading BOM is
    tolerated); other encodings, and the ``NaN``/``Infinity`` extensions of
    Python's parser, are not supported and raise ``ValueError``.

    Raises:
        LimitExceeded: the document is larger than ``max_bytes`` bytes or
            nests deeper than ``max_depth`` arrays/objects.
        ValueError: the document is not valid UTF-8 JSON
            (``json.JSONDecodeError`` for syntax errors).
    """
    if len(data) > max_bytes:
        raise LimitExceeded(
            f"JSON document is {len(data)} bytes, over the limit of {max_bytes} bytes",
            limit="max_bytes",
            maximum=max_bytes,
        )
    text = data.decode("utf-8-sig")
    if _json_depth_exceeds(text, max_depth):
        raise LimitExceeded(
            f"JSON document nests deeper than the limit of {max_depth} levels",
            limit="max_depth",
            maximum=max_depth,
        )
    return json.loads(text, parse_constant=_reject_constant)


# --------------------------------------------------------------------------- YAML

# libyaml's parser is roughly 20x faster than PyYAML's pure-Python one; fall
# back to the latter where PyYAML was built without it.
_BaseSafeLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:
    _BaseSafeLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseSafeLoader = yaml.SafeLoader


_LIBYAML_NESTING_PROBLEM = "exceeded maximum nesting depth"


class _SafeLoader(_BaseSafeLoader):  # type: ignore[misc,valid-type]
    """Construct like ``SafeLoader``, reporting conversion failures as YAML errors."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """Construct a value, turning ``ValueError`` into a positioned YAML error.

        ``int()`` refuses integers of more than 4,300 digits and ``datetime``
        refuses impossible dates such as ``2020-02-30``; both raise
        ``ValueError``, which would otherwise escape without a position.
        """
        try:
            return super().construct_object(node, deep)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"cannot construct value: {exc}", node.start_mark
            ) from exc


class _Frame:
    """Track one open collection while metering an event stream."""

    __slots__ = ("anchor", "size")

    def __init__(self, anchor: str | None) -> None:
        self.anchor = anchor
        self.size = 0


def _meter_events(
    events: Iterable[Event], *, max_depth: int, max_aliases: int, max_nodes: int
) -> None:
    """Walk parser events and raise `LimitExceeded` before anything is built.

    A node's *expanded size* is the number of nodes it would have if every
    alias were copied out in full, which is what ``json.dumps`` or a template
    engine walks.  Completed anchors remember their size, so an alias costs
    the size of its target: nine levels of nine aliases add up to 9**9 nodes
    here even though the document is a few hundred bytes.
    """
    stack = [_Frame(None)]  # the bottom frame accumulates the whole stream
    anchored: dict[str, int] = {}
    aliases = 0

    def add(size: int) -> None:
        stack[-1].size += size
        if stack[-1].size > max_nodes:
            raise LimitExceeded(
                f"YAML document expands to more than {max_nodes} nodes",
                limit="max_nodes",
                maximum=max_nodes,
            )

    for event in events:
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > max_aliases:
                raise LimitExceeded(
                    f"YAML document uses more than {max_aliases} aliases",
                    limit="max_aliases",
                    maximum=max_aliases,
                )
            name = event.anchor
            if name in anchored:
                add(anchored[name])
            elif any(frame.anchor == name for frame in stack):
                raise LimitExceeded(
                    f"YAML alias *{name} refers to an enclosing node and expands without bound",
                    limit="max_nodes",
                    maximum=max_nodes,
                )
            else:
                add(1)  # undefined anchor: the composer reports it
        elif isinstance(event, ScalarEvent):
            if event.anchor is not None:
                anchored[event.anchor] = 1
            add(1)
        elif isinstance(event, CollectionStartEvent):
            if len(stack) > max_depth:
                raise LimitExceeded(
                    f"YAML document nests deeper than the limit of {max_depth} levels",
                    limit="max_depth",
                    maximum=max_depth,
                )
            stack.append(_Frame(event.anchor))
        elif isinstance(event, CollectionEndEvent):
            frame = stack.pop()
            if frame.anchor is not None:
                anchored[frame.anchor] = 1 + frame.size
            add(1 + frame.size)
        elif isinstance(event, DocumentStartEvent):
            anchored.clear()  # anchors are scoped to one document


def load_yaml_bounded(
    text: str,
    *,
    max_bytes: int = MiB,
    max_depth: int = 64,
    max_aliases: int = 100,
    max_nodes: int = 200_000,
) -> Any:
    """Parse one YAML document with the safe loader under hard limits.

    ``max_bytes`` bounds the UTF-8 size of ``text``; ``max_depth`` the nesting
    of mappings and sequences; ``max_aliases`` the number of ``*alias`` uses;
    ``max_nodes`` the number of nodes after expanding every alias, so a small
    document cannot load into a structure that explodes when walked.

    The text is parsed twice: a metering pass over parser events that builds
    nothing, then the real load.  Only single-document input is supported, and
    only the tags of PyYAML's ``SafeLoader`` (YAML 1.1 core types, including
    timestamps as ``datetime``).  An empty document loads as ``None``.

    Raises:
        LimitExceeded: a limit was exceeded; ``limit`` names which one.
        yaml.YAMLError: the text is not valid YAML (see `yaml_error_position`).
    """
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise LimitExceeded(
            f"YAML document is over the limit of {max_bytes} bytes",
            limit="max_bytes",
            maximum=max_bytes,
        )
    try:
        _meter_events(
            yaml.parse(text, Loader=_SafeLoader),
            max_depth=max_depth,
            max_aliases=max_aliases,
            max_nodes=max_nodes,
        )
    except yaml.MarkedYAMLError as exc:
        # libyaml's scanner looks ahead up to 1,024 characters and stops at
        # 1,000 open flow collections ("[[[[..."), before our event-level
        # depth check sees them; report that as the depth limit it is.
        if exc.problem == _LIBYAML_NESTING_PROBLEM:
            raise LimitExceeded(
                f"YAML document nests deeper than the limit of {max_depth} levels",
                limit="max_depth",
                maximum=max_depth,
            ) from exc
        raise
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass


def yaml_error_position(exc: yaml.YAMLError) -> tuple[int, int] | None:
    """Return the 1-based ``(line, column)`` a YAML error points at, if any.

    The ``problem_mark`` is used when present, else the ``context_mark``;
    errors without a mark (such as constructor errors raised without one)
    return ``None``.
    """
    if not isinstance(exc, yaml.MarkedYAMLError):
        return None
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    return mark.line + 1, mark.column + 1
