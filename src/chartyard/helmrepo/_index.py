"""Parse a Helm repository ``index.yaml`` as a stream, one chart version at a time.

The index is read through libyaml's event parser straight from a file: the
document is never composed as a whole, so memory stays proportional to one
entry however many thousands there are (Bitnami's index passed 14 MB; Flux ran
out of memory loading 44 MB indexes whole). Each entry is built from its
events under hard limits, checked, and yielded as an `IndexEntry`.

Limits (see `IndexLimits`; the error's ``limit`` names the one hit): the number
of chart versions, the nesting depth, the number of ``*alias`` uses, and the
nodes one entry expands to with every alias copied out. A "billion laughs"
document therefore fails after bounded work. The byte size is capped by the
downloader (``max_index_bytes``).

Scalars keep their text, as Helm's ``sigs.k8s.io/yaml`` does for string
fields: ``version: 1.10`` is the version "1.10", not the float 1.1. Plain
``null``, ``~`` and empty values are absent; ``deprecated`` accepts YAML's
booleans (true/false, yes/no, on/off).

Not supported (documented partial parser):
- merge keys (``<<: *base``) are not expanded; ``<<`` is an ignored key;
- YAML tags (``!!str``, ``!!binary``, custom tags) are ignored: the text is used;
- only the first document: a second YAML document is an error;
- complex (mapping or sequence) keys are an error;
- top-level fields other than ``apiVersion`` and ``entries`` (``generated``,
  ``serverInfo``, ``annotations``) are read under the limits and dropped.

Like Helm, an index without ``apiVersion`` is refused. Unlike Helm, which
skips entries that fail validation with a log line, an unusable entry (no
``urls``, no ``version``, a field of the wrong type) is an error naming the
chart, the version and the field: a sync keeps the previous catalog rather
than silently dropping versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import yaml
from pydantic import ValidationError
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from chartyard.helm import ChartMetadata

from ._errors import IndexTooLarge, InvalidIndex
from ._url import RepoURL

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "yes", "on", "y"})
_FALSE = frozenset({"false", "no", "off", "n"})
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_LIBYAML_NESTING = "exceeded maximum nesting depth"
_MAX_NAME = 250  # as Chart.yaml's name (chartyard.helm.ChartMetadata)
# Index-only fields, read beside the Chart.yaml ones.
_INDEX_FIELDS = ("urls", "digest", "created", "removed")


@dataclass(frozen=True)
class IndexLimits:
    """Bound the work of parsing one index; ``max_index_bytes`` bounds the download."""

    max_index_bytes: int = 100 * 1024 * 1024
    max_versions: int = 250_000
    max_depth: int = 32
    max_aliases: int = 1_000
    max_anchors: int = 1_000
    max_entry_nodes: int = 20_000
    max_urls: int = 64

    def __post_init__(self) -> None:
        """Refuse limits that are not positive."""
        for name, value in vars(self).items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One chart version of the index.

    ``name`` is the entry's key under ``entries`` (what ``helm pull repo/<name>``
    uses); ``metadata`` holds the Chart.yaml fields in Helm's JSON spelling,
    validated like an OCI chart's config blob; ``urls`` are resolved against the
    repository URL; ``digest`` is ``sha256:<hex>`` when the index carries one.
    """

    name: str
    version: str
    urls: tuple[str, ...]
    digest: str | None
    created: str | None
    metadata: dict[str, Any]

    @property
    def app_version(self) -> str | None:
        """Return appVersion."""
        return self.metadata.get("appVersion")

    @property
    def description(self) -> str | None:
        """Return the description."""
        return self.metadata.get("description")

    @property
    def keywords(self) -> list[str]:
        """Return the keywords."""
        return list(self.metadata.get("keywords", []))

    @property
    def icon(self) -> str | None:
        """Return the icon URL."""
        return self.metadata.get("icon")

    @property
    def home(self) -> str | None:
        """Return the home page."""
        return self.metadata.get("home")

    @property
    def sources(self) -> list[str]:
        """Return the source URLs."""
        return list(self.metadata.get("sources", []))

    @property
    def maintainers(self) -> list[dict[str, str]]:
        """Return the maintainers."""
        return list(self.metadata.get("maintainers", []))

    @property
    def url(self) -> str:
        """Return the first chart URL (the one Helm downloads)."""
        return self.urls[0]


class _Built:
    """A value built from events and the node count it expands to."""

    __slots__ = ("size", "value")

    def __init__(self, value: object, size: int) -> None:
        self.value = value
        self.size = size


class IndexParser:
    """Walk the events of one index document; iterate with `entries`."""

    def __init__(self, stream: IO[bytes], repo: RepoURL, limits: IndexLimits = IndexLimits(),
                 *, source: str = "index.yaml") -> None:
        self._loader = _Loader(stream)
        self._repo = repo
        self._limits = limits
        self._source = source
        self._anchors: dict[str, _Built] = {}
        self._aliases = 0
        self._budget = 0
        self.versions = 0
        self.api_version: str | None = None

    def close(self) -> None:
        """Release the parser."""
        self._loader.dispose()

    # ---- events --------------------------------------------------------
    def _next(self) -> Event:
        try:
            event = self._loader.get_event()
        except yaml.MarkedYAMLError as exc:
            if exc.problem == _LIBYAML_NESTING:
                raise self._depth_error() from exc
            mark = exc.problem_mark or exc.context_mark
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise InvalidIndex(
                f"{self._source} is not valid YAML{where} ({exc.problem or exc}); the server "
                "must serve a Helm repository index (helm repo index writes one)",
                details={"line": mark.line + 1 if mark else None},
            ) from exc
        except yaml.YAMLError as exc:
            raise InvalidIndex(f"{self._source} is not valid YAML ({exc}); the server must "
                               "serve a Helm repository index") from exc
        if event is None:  # pragma: no cover - only after StreamEnd, which ends the walk
            raise InvalidIndex(f"{self._source} ends early")
        return event

    def _depth_error(self) -> IndexTooLarge:
        limit = self._limits.max_depth
        return IndexTooLarge(f"{self._source} nests deeper than {limit} levels (limit "
                             "max_depth); a Helm index is only a few levels deep",
                             limit="max_depth", maximum=limit)

    # ---- document ------------------------------------------------------
    def entries(self) -> Iterator[IndexEntry]:
        """Yield every chart version; raise on the first unusable part of the index."""
        self._expect(StreamStartEvent)
        event = self._next()
        if isinstance(event, StreamEndEvent):
            raise InvalidIndex(f"{self._source} is empty; the server must serve a Helm "
                               "repository index")
        if not isinstance(event, DocumentStartEvent):  # pragma: no cover - libyaml guarantees
            raise InvalidIndex(f"{self._source} does not start a YAML document")
        top = self._next()
        if not isinstance(top, MappingStartEvent):
            raise InvalidIndex(
                f"{self._source} is not a Helm repository index: it holds "
                f"{_describe(top)}, not a mapping with apiVersion and entries (is the "
                "endpoint a web page rather than the repository URL?)"
            )
        seen_entries = False
        while not isinstance(event := self._next(), MappingEndEvent):
            key = self._key(event, depth=1)
            if key == "entries" and not seen_entries:
                seen_entries = True
                yield from self._entries()
            elif key == "apiVersion":
                self._budget = self._limits.max_entry_nodes
                self.api_version = self._scalar_text(self._value(self._next(), depth=1).value)
            else:
                self._budget = self._limits.max_entry_nodes
                self._value(self._next(), depth=1)
        self._expect(DocumentEndEvent)
        if not isinstance(self._next(), StreamEndEvent):
            raise InvalidIndex(f"{self._source} holds more than one YAML document; a Helm "
                               "index is a single document")
        if not self.api_version:
            raise InvalidIndex(f"{self._source} has no apiVersion; it is not a Helm "
                               "repository index (helm repo index writes apiVersion: v1)",
                               field="apiVersion")

    def _expect(self, kind: type[Event]) -> Event:
        event = self._next()
        if not isinstance(event, kind):  # pragma: no cover - libyaml guarantees the framing
            raise InvalidIndex(f"{self._source}: unexpected {_describe(event)}")
        return event

    def _key(self, event: Event, *, depth: int) -> str:
        if isinstance(event, ScalarEvent):
            return event.value
        if isinstance(event, AliasEvent):
            built = self._alias(event)
            if isinstance(built.value, str):
                return built.value
        raise InvalidIndex(f"{self._source} uses a mapping or sequence as a key at depth "
                           f"{depth}; a Helm index has only text keys")

    def _entries(self) -> Iterator[IndexEntry]:
        event = self._next()
        if _is_null(event):
            return
        if not isinstance(event, MappingStartEvent):
            raise InvalidIndex(f"entries in {self._source} must map chart names to lists of "
                               f"versions, not {_describe(event)}", field="entries")
        while not isinstance(event := self._next(), MappingEndEvent):
            name = self._key(event, depth=2)
            versions = self._next()
            if _is_null(versions):
                continue
            if not isinstance(versions, SequenceStartEvent):
                raise InvalidIndex(f"entries.{name} in {self._source} must be a list of chart "
                                   f"versions, not {_describe(versions)}",
                                   field=f"entries.{name}")
            position = 0
            while not isinstance(item := self._next(), SequenceEndEvent):
                self._budget = self._limits.max_entry_nodes
                built = self._value(item, depth=3)
                self.versions += 1
                if self.versions > self._limits.max_versions:
                    cap = self._limits.max_versions
                    raise IndexTooLarge(f"{self._source} lists more than {cap} chart versions "
                                        "(limit max_versions)", limit="max_versions",
                                        maximum=cap)
                yield self._entry(name, position, built.value)
                position += 1

    # ---- values --------------------------------------------------------
    def _value(self, event: Event, *, depth: int) -> _Built:
        """Build the node that starts with ``event`` (and its children) under the limits."""
        if isinstance(event, AliasEvent):
            return self._alias(event)
        if isinstance(event, ScalarEvent):
            value = None if _is_null(event) else event.value
            built = _Built(value, 1)
        elif isinstance(event, MappingStartEvent | SequenceStartEvent):
            if depth + 1 > self._limits.max_depth:
                raise self._depth_error()
            built = self._collection(event, depth + 1)
        else:  # pragma: no cover - libyaml guarantees the framing
            raise InvalidIndex(f"{self._source}: unexpected {_describe(event)}")
        self._spend(1)  # children were charged as they were built
        anchor = getattr(event, "anchor", None)
        if anchor:
            if len(self._anchors) >= self._limits.max_anchors and anchor not in self._anchors:
                cap = self._limits.max_anchors
                raise IndexTooLarge(f"{self._source} defines more than {cap} YAML anchors "
                                    "(limit max_anchors)", limit="max_anchors", maximum=cap)
            self._anchors[anchor] = built
        return built

    def _collection(self, start: Event, depth: int) -> _Built:
        size = 1
        if isinstance(start, SequenceStartEvent):
            items: list[object] = []
            while not isinstance(event := self._next(), SequenceEndEvent):
                child = self._value(event, depth=depth)
                items.append(child.value)
                size += child.size
            return _Built(items, size)
        mapping: dict[str, object] = {}
        while not isinstance(event := self._next(), MappingEndEvent):
            key = self._key(event, depth=depth)
            child = self._value(self._next(), depth=depth)
            mapping[key] = child.value
            size += 1 + child.size
        return _Built(mapping, size)

    def _alias(self, event: AliasEvent) -> _Built:
        self._aliases += 1
        if self._aliases > self._limits.max_aliases:
            cap = self._limits.max_aliases
            raise IndexTooLarge(f"{self._source} uses more than {cap} YAML aliases (limit "
                                "max_aliases); refusing a likely YAML bomb",
                                limit="max_aliases", maximum=cap)
        target = self._anchors.get(event.anchor or "")
        if target is None:
            raise InvalidIndex(f"{self._source} uses the alias *{event.anchor} before "
                               "defining its anchor")
        self._spend(target.size)
        return target

    def _spend(self, size: int) -> None:
        """Charge ``size`` expanded nodes to the current entry (or top-level field)."""
        self._budget -= size
        if self._budget < 0:
            cap = self._limits.max_entry_nodes
            raise IndexTooLarge(
                f"an entry of {self._source} expands to more than {cap} YAML nodes (limit "
                "max_entry_nodes); refusing a likely YAML bomb",
                limit="max_entry_nodes", maximum=cap,
            )

    def _scalar_text(self, value: object) -> str | None:
        return value if isinstance(value, str) else None

    # ---- entries -------------------------------------------------------
    def _entry(self, key: str, position: int, raw: object) -> IndexEntry:
        where = f"entries.{key}[{position}]"
        if not key.strip() or len(key) > _MAX_NAME:
            raise InvalidIndex(f"entries in {self._source} has a chart name of {len(key)} "
                               f"characters; chart names are 1 to {_MAX_NAME} characters",
                               field=f"entries.{key[:80]}")
        if not isinstance(raw, dict):
            raise InvalidIndex(f"{where} in {self._source} must be a mapping describing one "
                               f"chart version, not {type(raw).__name__}", field=where)
        version = raw.get("version")
        if not isinstance(version, str) or not version.strip():
            raise InvalidIndex(f"{where} (chart {key}) in {self._source} has no version",
                               field=f"{where}.version")
        chart = f"{key} {version}"
        urls = self._urls(raw.get("urls"), chart, where)
        digest = _digest(raw.get("digest"), chart, where, self._source)
        created = raw.get("created")
        if created is not None and (not isinstance(created, str) or len(created) > 64):
            raise InvalidIndex(f"chart {chart} in {self._source} has an invalid created "
                               "time; expected an RFC 3339 timestamp", field=f"{where}.created")
        fields = {k: v for k, v in raw.items() if k not in _INDEX_FIELDS}
        fields.setdefault("name", key)
        if "deprecated" in fields:
            fields["deprecated"] = _boolean(fields["deprecated"])
        try:
            meta = ChartMetadata.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InvalidIndex(f"chart {chart} in {self._source}: field {field!r}: "
                               f"{first['msg']}; fix this entry of the index",
                               field=f"{where}.{field}") from exc
        return IndexEntry(
            name=key, version=version, urls=urls, digest=digest, created=created,
            metadata=meta.model_dump(mode="json", by_alias=True, exclude_none=True),
        )

    def _urls(self, value: object, chart: str, where: str) -> tuple[str, ...]:
        if value is None or value == []:
            raise InvalidIndex(
                f"chart {chart} in {self._source} has no urls, so it cannot be downloaded "
                "(helm pull fails on it too); add its .tgz URL to the entry or regenerate "
                "the index with helm repo index", field=f"{where}.urls")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(u, str) and u for u in value):
            raise InvalidIndex(f"chart {chart} in {self._source}: urls must be a list of URLs",
                               field=f"{where}.urls")
        if len(value) > self._limits.max_urls:
            cap = self._limits.max_urls
            raise IndexTooLarge(f"chart {chart} in {self._source} lists more than {cap} urls "
                                "(limit max_urls)", limit="max_urls", maximum=cap)
        return tuple(self._repo.resolve(u.strip()) for u in value if isinstance(u, str))


def _digest(value: object, chart: str, where: str, source: str) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else ""
    hexpart = text.removeprefix("sha256:")
    if not _HEX64.match(hexpart):
        raise InvalidIndex(f"chart {chart} in {source} has digest {text[:80]!r}, not a sha256 "
                           "hex digest", field=f"{where}.digest")
    return "sha256:" + hexpart.lower()


def _boolean(value: object) -> object:
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return value  # left for validation to report


def _is_null(event: Event) -> bool:
    # implicit[0]: a plain scalar, which YAML resolves; quoted "null" stays text.
    return isinstance(event, ScalarEvent) and bool(event.implicit[0]) and event.value in _NULLS


def _describe(event: Event) -> str:
    if isinstance(event, ScalarEvent):
        text = event.value[:40].replace("\n", " ")
        return f"the text {text!r}"
    if isinstance(event, SequenceStartEvent):
        return "a list"
    if isinstance(event, MappingStartEvent):
        return "a mapping"
    return type(event).__name__.removesuffix("Event").lower()


def iter_index(stream: IO[bytes], repo: RepoURL, limits: IndexLimits = IndexLimits(),
               *, source: str = "index.yaml") -> Iterator[IndexEntry]:
    """Yield the chart versions of the index in ``stream`` (read in chunks by libyaml)."""
    parser = IndexParser(stream, repo, limits, source=source)
    try:
        yield from parser.entries()
    finally:
        parser.close()
