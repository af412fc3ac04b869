"""Build the ranked full-text catalog search query, the same on SQLite and PostgreSQL.

Matching: every word of the query must start a word of the chart's name, keywords,
description or maintainers (search-as-you-type: "red" finds "redis"). SQLite answers it
from the FTS5 table, PostgreSQL from the GIN-indexed tsvector (`store/search_index.py`);
both index the same pre-split words, so both match the same rows.

Ranking is by where the query matched, not by a database-specific score (bm25 and
ts_rank differ, and would order the same rows differently on the two databases):

0. the chart name is the query; 1. the name starts with it; 2. the name holds its
words in order; 3. every word starts a keyword; 4. anything else (description,
maintainers). Ties: chart name, registry name, repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSQUERY

from chartyard.catalog.index import query_words, version_order_key
from chartyard.errors import InvalidInput
from chartyard.helm import is_semver
from chartyard.pagination import like_pattern
from chartyard.store.models import Chart, Registry
from chartyard.store.search_index import FTS_TABLE, PG_VECTOR

MAX_QUERY_CHARS = 256
MAX_QUERY_WORDS = 16
_KIND = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# The drop-down (GET /v1/registries/metadata) spells kinds this way; accept both.
_KIND_ALIASES = {"oci-basic": "basic", "oci-ecr": "ecr"}


@dataclass(frozen=True)
class SearchFilters:
    """What a search asks for, checked: query text, registry, registry kind, newer-than."""

    q: str = ""
    registry_uid: str | None = None
    registry_kind: str | None = None
    newer_than: str | None = None

    def __post_init__(self) -> None:
        if len(self.q) > MAX_QUERY_CHARS:
            raise InvalidInput("q", f"q is {len(self.q)} characters long; shorten it to at "
                                    f"most {MAX_QUERY_CHARS}")
        if self.registry_kind is not None and not _KIND.match(self.registry_kind):
            raise InvalidInput("registryKind", "registryKind must be a registry kind such as "
                                               "'basic' or 'ecr'")
        if self.newer_than is not None and not is_semver(self.newer_than):
            raise InvalidInput("newerThan", f"newerThan '{self.newer_than[:64]}' is not a "
                                            "semantic version; use a form like 1.2.3")

    @property
    def kind(self) -> str | None:
        """Return the stored registry kind the filter stands for."""
        if self.registry_kind is None:
            return None
        return _KIND_ALIASES.get(self.registry_kind, self.registry_kind)


def _fts_match(dialect: str, words: list[str], tenant_uid: str,
               registry_uid: str | None) -> ColumnElement[bool]:
    """Return the condition that every word starts a word of the chart's search terms."""
    if dialect == "postgresql":
        # Words are letters and digits only, so quoting them as lexemes is safe, and the
        # tsquery is taken literally (no parser), exactly like the indexed words.
        query = " & ".join(f"'{w}':*" for w in words)
        matched: ColumnElement[bool] = literal_column(PG_VECTOR).op("@@")(
            cast(literal(query), TSQUERY))
        return matched
    # The tenant (and registry) are matched inside FTS5 too: the index intersects postings
    # and hands back only this tenant's rows. uids are hex, so they quote safely.
    scope = [f'tenant_uid : "{_hex(tenant_uid)}"']
    if registry_uid:
        scope.append(f'registry_uid : "{_hex(registry_uid)}"')
    match = " AND ".join([*scope, *(f'search_terms : "{w}"*' for w in words)])
    hits: Select[Any] = select(literal_column("rowid")).select_from(sql_text(FTS_TABLE)).where(
        literal_column(FTS_TABLE).op("MATCH")(literal(match)))
    return literal_column("charts.rowid").in_(hits)


def _hex(uid: str) -> str:
    """Return a uid fit to quote in an FTS5 query (uids are hex; anything else matches none)."""
    return uid if uid.isalnum() else "0"


def _tier(text: str, words: list[str]) -> ColumnElement[int]:
    name = func.lower(Chart.name)
    prefix = like_pattern(text)[1:]  # drop the leading %: "text%"
    in_order = "%" + "%".join(like_pattern(w)[1:-1] for w in words) + "%"
    spaced_keywords = literal(" ").concat(Chart.keywords)
    keyword_hit = and_(*(spaced_keywords.like("% " + like_pattern(w)[1:], escape="\\")
                         for w in words))
    return case(
        (name == text, 0),
        (name.like(prefix, escape="\\"), 1),
        (name.like(in_order, escape="\\"), 2),
        (keyword_hit, 3),
        else_=4,
    )


def search_query(dialect: str, tenant_uid: str,
                 filters: SearchFilters) -> Select[Chart, str] | None:
    """Return the ordered query of a search, or None when the text has no searchable word."""
    query = select(Chart, Registry.name).join(Registry, Registry.uid == Chart.registry_uid)
    query = query.where(Chart.tenant_uid == tenant_uid)
    if filters.registry_uid:
        query = query.where(Chart.registry_uid == filters.registry_uid)
    if filters.kind:
        query = query.where(Registry.kind == filters.kind)
    if filters.newer_than:
        key = Chart.latest_version_key
        if dialect == "postgresql":
            key = key.collate("C")  # type: ignore[assignment]
        query = query.where(key > version_order_key(filters.newer_than))
    text = filters.q.strip().lower()
    if not text:
        return query.order_by(Chart.name, Registry.name, Chart.repository)
    words = query_words(text, MAX_QUERY_WORDS)
    if not words:
        return None
    query = query.where(_fts_match(dialect, words, tenant_uid, filters.registry_uid))
    return query.order_by(_tier(text, words), Chart.name, Registry.name, Chart.repository)
