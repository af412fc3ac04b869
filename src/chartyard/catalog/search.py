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

On PostgreSQL each tier is a query of its own, bounded by the page (`_bounded_hits`); on
SQLite one pass ranks the matches (FTS5 hands them over cheaply).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    select,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.sql.expression import CTE, Executable

from chartyard.catalog.index import query_words, version_order_key
from chartyard.errors import InvalidInput
from chartyard.helm import is_semver
from chartyard.pagination import like_pattern
from chartyard.registries.kinds import all_kinds
from chartyard.store.models import Chart, Registry
from chartyard.store.search_index import FTS_TABLE, PG_COLUMN

MAX_QUERY_CHARS = 256
_MAX_BOUND = 2**31 - 1  # search binds LIMIT as a PostgreSQL integer
MAX_QUERY_WORDS = 16


def _stored_kind(name: str) -> str | None:
    """Return the stored kind a filter names: a kind, or its drop-down spelling (oci-basic)."""
    for kind in all_kinds():
        if name in (kind.name, kind.metadata_kind):
            return kind.name
    return None


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
        if self.registry_kind is not None and _stored_kind(self.registry_kind) is None:
            known = ", ".join(k.name for k in all_kinds())
            raise InvalidInput("registryKind", f"registryKind '{self.registry_kind[:32]}' is not "
                                               f"a registry kind; use one of {known}")
        if self.newer_than is not None and not is_semver(self.newer_than):
            raise InvalidInput("newerThan", f"newerThan '{self.newer_than[:64]}' is not a "
                                            "semantic version; use a form like 1.2.3")

    @property
    def kind(self) -> str | None:
        """Return the stored registry kind the filter stands for."""
        if self.registry_kind is None:
            return None
        return _stored_kind(self.registry_kind)


def _fts_match(dialect: str) -> ColumnElement[bool]:
    """Return the condition that the chart matches the bound full-text query `:match`."""
    match = bindparam("match", type_=String)
    if dialect == "postgresql":
        matched: ColumnElement[bool] = literal_column(f"charts.{PG_COLUMN}").op("@@")(
            cast(match, TSQUERY))
        return matched
    hits: Select[Any] = select(literal_column("rowid")).select_from(sql_text(FTS_TABLE)).where(
        literal_column(FTS_TABLE).op("MATCH")(match))
    return literal_column("charts.rowid").in_(hits)


def _match_text(dialect: str, words: list[str], tenant_uid: str,
                registry_uid: str | None) -> str:
    """Return the full-text query: the tenant (and registry) and every word as a prefix.

    The tenant and registry are matched inside the index (FTS5 columns, tsvector lexemes),
    which intersects their postings with the words' and hands back only the tenant's rows.
    Words are letters and digits and uids hex, so all quote safely; PostgreSQL takes the
    tsquery literally (no parser), exactly like the indexed words.
    """
    if dialect == "postgresql":
        lexemes = [f"'_t_{_hex(tenant_uid)}'"]
        if registry_uid:
            lexemes.append(f"'_r_{_hex(registry_uid)}'")
        return " & ".join([*lexemes, *(f"'{w}':*" for w in words)])
    scope = [f'tenant_uid : "{_hex(tenant_uid)}"']
    if registry_uid:
        scope.append(f'registry_uid : "{_hex(registry_uid)}"')
    return " AND ".join([*scope, *(f'search_terms : "{w}"*' for w in words)])


def _hex(uid: str) -> str:
    """Return a uid fit to quote in a full-text query (uids are hex; anything else matches none)."""
    return uid if uid.isalnum() else "0"


def _tier(words: int) -> ColumnElement[int]:
    name = func.lower(Chart.name)
    spaced_keywords = literal(" ").concat(Chart.keywords)
    keyword_hit = and_(*(spaced_keywords.like(bindparam(f"kw{i}", type_=String), escape="\\")
                         for i in range(words)))
    return case(
        (name == bindparam("text", type_=String), 0),
        (name.like(bindparam("prefix", type_=String), escape="\\"), 1),
        (name.like(bindparam("in_order", type_=String), escape="\\"), 2),
        (keyword_hit, 3),
        else_=4,
    )


def _tier_conditions(words: int) -> list[ColumnElement[bool]]:
    """Return, per tier, the condition that a chart ranks in it: exactly `_tier(words) == k`.

    Spelled as plain comparisons (name and keywords are never NULL, so `not_` is exact), the
    planner can estimate them from column statistics and match the name conditions to the
    `lower(name)` index, which a CASE expression would hide.
    """
    name = func.lower(Chart.name)
    # Spelled as in the trigram index on keywords, so the planner can use it.
    spaced_keywords = literal_column("' '").concat(Chart.keywords)
    reaches: list[ColumnElement[bool]] = [
        name == bindparam("text", type_=String),
        name.like(bindparam("prefix", type_=String), escape="\\"),
        name.like(bindparam("in_order", type_=String), escape="\\"),
        and_(*(spaced_keywords.like(bindparam(f"kw{i}", type_=String), escape="\\")
               for i in range(words))),
    ]
    tiers = []
    for k in range(5):
        earlier = [not_(c) for c in reaches[:k]]
        tiers.append(and_(*reaches[k:k + 1], *earlier))
    return tiers


def _tier_params(text: str, words: list[str]) -> dict[str, str]:
    return {"text": text, "prefix": like_pattern(text)[1:],
            "in_order": "%" + "%".join(like_pattern(w)[1:-1] for w in words) + "%",
            **{f"kw{i}": "% " + like_pattern(w)[1:] for i, w in enumerate(words)}}


def _newer_than(dialect: str) -> ColumnElement[bool]:
    key = Chart.latest_version_key
    if dialect == "postgresql":
        key = key.collate("C")  # type: ignore[assignment]
    return key > bindparam("newer", type_=String)


# What a search result shows: plain columns, not ORM objects (cheaper per row).
RESULT_COLUMNS = (Chart.name, Chart.registry_uid, Chart.repository, Chart.latest_version,
                  Chart.latest_pack_uid, Chart.version_count, Chart.description, Chart.icon,
                  Chart.keywords)


def _bounded_hits(words: int, registry: bool, kind: bool, newer: bool) -> CTE:
    """Return PostgreSQL's candidates: per tier, only the first `reach` matches by name.

    The page orders by (tier, name, registry name, repository), so its rows lie within
    each tier's first `offset + limit` names; `WITH TIES` keeps every row sharing the last
    of those names, so the final sort by registry name and repository stays exact. A tier
    is not read at all once the better tiers hold `reach` rows. Each tier has an index
    of its own (migration 0013): the exact name and the prefix a btree on lower(name), the
    in-order name and keyword tiers trigram indexes, and the rest walks (tenant, name) in
    order and stops, or takes the full-text index's matches when the planner expects few.
    No tier reads every match of a broad query, as ranking them all in one pass did.
    """
    reach = bindparam("reach", type_=Integer)
    words_match = literal_column(f"charts.{PG_COLUMN}").op("@@")(
        cast(bindparam("words_match", type_=String), TSQUERY))
    in_tenant = Chart.tenant_uid == bindparam("tenant", type_=String)
    scope: list[ColumnElement[bool]] = []
    if registry:
        scope.append(Chart.registry_uid == bindparam("registry", type_=String))
    if kind:
        scope.append(Chart.registry_uid.in_(select(Registry.uid).where(
            Registry.tenant_uid == bindparam("tenant", type_=String),
            Registry.kind == bindparam("kind", type_=String))))
    if newer:
        scope.append(_newer_than("postgresql"))
    # Per tier, the tenant as the index that serves it wants it: (tenant, lower(name)) for
    # the name tiers, the tenant lexeme for the trigram-driven ones (a tenant_uid condition
    # there tempts the planner into a bitmap of all the tenant's rows), (tenant, name) order
    # for the rest.
    tenant_scope = [[in_tenant, words_match], [in_tenant, words_match],
                    [_fts_match("postgresql")], [_fts_match("postgresql")],
                    [in_tenant, words_match]]
    tiers: list[CTE] = []
    earlier: ColumnElement[int] | None = None  # how many rows the better tiers found
    for k, condition in enumerate(_tier_conditions(words)):
        rows = (select(Chart.uid, Chart.name, Chart.registry_uid, Chart.repository,
                       literal_column(str(k), Integer).label("tier"))
                .where(*tenant_scope[k], *scope, condition))
        if earlier is not None:
            # Once the better tiers fill the page this one cannot reach it: PostgreSQL
            # checks this once, up front, and then does not scan at all.
            rows = rows.where(earlier < reach)
        tier = rows.order_by(Chart.name).fetch(reach, with_ties=True).cte(f"tier{k}")
        tiers.append(tier)
        found = select(func.count()).select_from(tier).scalar_subquery()
        earlier = found if earlier is None else earlier + found
    return union_all(*(select(t) for t in tiers)).cte("hits")


@lru_cache(maxsize=512)
def _statement(dialect: str, words: int, registry: bool, kind: bool,
               newer: bool) -> Executable:
    """Return the search statement of one shape; every value is a bound parameter.

    Built once per shape: constructing this statement costs more CPU than running it.
    With words, the matching charts are ranked as narrow rows of a materialised CTE, and
    only the page's rows are then read in full. Materialised, the index scan runs once
    (PostgreSQL would otherwise repeat it per registry, or AND in all the tenant's rows).
    """
    scope = [Registry.tenant_uid == bindparam("tenant", type_=String)]
    if kind:
        scope.append(Registry.kind == bindparam("kind", type_=String))
    if registry:
        scope.append(Registry.uid == bindparam("registry", type_=String))
    offset, limit = bindparam("offset", type_=Integer), bindparam("limit", type_=Integer)
    if not words:
        # Browse ranks by name first, so the page lies within the first `offset + limit`
        # names: find that name by walking the (tenant, name) index, and sort only the rows
        # up to it (ties included), not every chart of the tenant.
        chart_scope = [Chart.tenant_uid == bindparam("tenant", type_=String)]
        if registry:
            chart_scope.append(Chart.registry_uid == bindparam("registry", type_=String))
        if kind:
            chart_scope.append(Chart.registry_uid.in_(select(Registry.uid).where(*scope)))
        if newer:
            chart_scope.append(_newer_than(dialect))
        # The largest of the first `offset + limit` names (all of them if fewer): a bound the
        # index can range-scan up to.
        first = (select(Chart.name).where(*chart_scope).order_by(Chart.name)
                 .limit(bindparam("reach", type_=Integer)).subquery("first"))
        cutoff = select(func.max(first.c.name)).scalar_subquery()
        query = select(*RESULT_COLUMNS, Registry.name.label("registry_name")).join(
            Registry, Registry.uid == Chart.registry_uid)
        query = query.where(*chart_scope, *scope, Chart.name <= cutoff)
        return (query.order_by(Chart.name, Registry.name, Chart.repository)
                .offset(offset).limit(limit))
    if dialect == "postgresql":
        found = _bounded_hits(words, registry, kind, newer)
    else:
        hits = select(Chart.uid, Chart.name, Chart.registry_uid, Chart.repository,
                      _tier(words).label("tier")).where(_fts_match(dialect))
        if newer:
            hits = hits.where(_newer_than(dialect))
        found = hits.cte("hits").prefix_with("MATERIALIZED")
    page = (select(found.c.uid, found.c.tier, found.c.name, found.c.repository,
                   Registry.name.label("registry_name"))
            .join(Registry, Registry.uid == found.c.registry_uid).where(*scope)
            .order_by(found.c.tier, found.c.name, Registry.name, found.c.repository)
            .offset(offset).limit(limit)).subquery("page")
    return (select(*RESULT_COLUMNS, page.c.registry_name).join(page, page.c.uid == Chart.uid)
            .where(Chart.tenant_uid == bindparam("tenant", type_=String))
            .order_by(page.c.tier, page.c.name, page.c.registry_name, page.c.repository))


def search_query(dialect: str, tenant_uid: str, filters: SearchFilters, *, offset: int = 0,
                 limit: int = 50) -> tuple[Executable, dict[str, Any]] | None:
    """Return the statement and parameters of one page of a search.

    Returns None when the text has no word to search for.
    """
    text = filters.q.strip().lower().replace("\x00", "")
    words = query_words(text, MAX_QUERY_WORDS)
    if text and not words:
        return None
    params: dict[str, Any] = {"tenant": tenant_uid, "offset": offset, "limit": limit,
                              "reach": min(offset + limit, _MAX_BOUND)}
    if filters.kind:
        params["kind"] = filters.kind
    if filters.registry_uid:
        params["registry"] = filters.registry_uid
    if filters.newer_than:
        params["newer"] = version_order_key(filters.newer_than)
    if words:
        params["match"] = _match_text(dialect, words, tenant_uid, filters.registry_uid)
        if dialect == "postgresql":
            params["words_match"] = " & ".join(f"'{w}':*" for w in words)
        params.update(_tier_params(text, words))
    statement = _statement(dialect, len(words), bool(filters.registry_uid),
                           bool(filters.kind), bool(filters.newer_than))
    return statement, params
