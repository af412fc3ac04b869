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
from chartyard.store.search_index import FTS_TABLE, PG_COLUMN

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
        # Words are letters and digits only and uids hex, so quoting them as lexemes is safe;
        # the tsquery is taken literally (no parser), exactly like the indexed words.
        lexemes = [f"'_t_{_hex(tenant_uid)}'"]
        if registry_uid:
            lexemes.append(f"'_r_{_hex(registry_uid)}'")
        query = " & ".join([*lexemes, *(f"'{w}':*" for w in words)])
        matched: ColumnElement[bool] = literal_column(f"charts.{PG_COLUMN}").op("@@")(
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


def _newer_than(dialect: str, version: str) -> ColumnElement[bool]:
    key = Chart.latest_version_key
    if dialect == "postgresql":
        key = key.collate("C")  # type: ignore[assignment]
    return key > version_order_key(version)


def search_query(dialect: str, tenant_uid: str, filters: SearchFilters, *, offset: int = 0,
                 limit: int | None = None) -> Select[Chart, str] | None:
    """Return the query of one page of a search, or None when the text has no word to search.

    With words, the matching charts are ranked as narrow rows of a materialised CTE, and
    only the page's rows are then read in full. Materialised, the index scan runs once
    (PostgreSQL would otherwise repeat it per registry, or AND in all the tenant's rows).
    """
    text = filters.q.strip().lower().replace("\x00", "")
    words = query_words(text, MAX_QUERY_WORDS)
    if text and not words:
        return None
    registry = [Registry.tenant_uid == tenant_uid]
    if filters.kind:
        registry.append(Registry.kind == filters.kind)
    if filters.registry_uid:
        registry.append(Registry.uid == filters.registry_uid)
    if not words:
        query = select(Chart, Registry.name).join(Registry, Registry.uid == Chart.registry_uid)
        query = query.where(Chart.tenant_uid == tenant_uid, *registry)
        if filters.newer_than:
            query = query.where(_newer_than(dialect, filters.newer_than))
        query = query.order_by(Chart.name, Registry.name, Chart.repository).offset(offset)
        return query if limit is None else query.limit(limit)
    # The full-text index matches the chart's tenant (and registry), see _fts_match.
    hits = select(Chart.uid, Chart.name, Chart.registry_uid, Chart.repository,
                  _tier(text, words).label("tier")).where(
        _fts_match(dialect, words, tenant_uid, filters.registry_uid))
    if filters.newer_than:
        hits = hits.where(_newer_than(dialect, filters.newer_than))
    found = hits.cte("hits").prefix_with("MATERIALIZED")
    page = (select(found.c.uid, found.c.tier, found.c.name, found.c.repository,
                   Registry.name.label("registry_name"))
            .join(Registry, Registry.uid == found.c.registry_uid).where(*registry)
            .order_by(found.c.tier, found.c.name, Registry.name, found.c.repository)
            .offset(offset))
    if limit is not None:
        page = page.limit(limit)
    rows = page.subquery("page")
    return (select(Chart, rows.c.registry_name).join(rows, rows.c.uid == Chart.uid)
            .where(Chart.tenant_uid == tenant_uid)
            .order_by(rows.c.tier, rows.c.name, rows.c.registry_name, rows.c.repository))
