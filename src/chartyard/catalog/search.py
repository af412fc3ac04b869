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

One pass ranks all the matches, except on PostgreSQL for one word without filters (the
query that can match a tenth of the catalog): there each tier is a query of its own,
bounded by the page (`_bounded_hits`), so a broad word no longer ranks every match.
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
# PostgreSQL walks this many names per page row before asking a tier's own index: a word
# matching more than 1 in 20 of the tenant's charts is served by the walk. Past
# _MAX_PROBE names the walk costs more than ranking every match (measured at 1M
# versions), so deep pages take the one-pass query.
_PROBE_PER_ROW = 20
_MAX_PROBE = 2100


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


def _tier_conditions(words: int, name_column: Any = Chart.name,
                     keywords: Any = Chart.keywords) -> list[ColumnElement[bool]]:
    """Return, per tier, the condition that a chart ranks in it: exactly `_tier(words) == k`.

    Spelled as plain comparisons (name and keywords are never NULL, so `not_` is exact), the
    planner can estimate them from column statistics and match the name conditions to the
    `lower(name)` index, which a CASE expression would hide.
    """
    name = func.lower(name_column)
    # Spelled as in the trigram index on keywords, so the planner can use it.
    spaced_keywords = literal_column("' '").concat(keywords)
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


def _words_match(vector: Any) -> ColumnElement[bool]:
    """Return the condition that `vector` holds the query words (`:words_match`, no tenant)."""
    matched: ColumnElement[bool] = vector.op("@@")(
        cast(bindparam("words_match", type_=String), TSQUERY))
    return matched


def _bounded_hits() -> CTE:
    """Return PostgreSQL's candidates for one word: per tier, only the first `reach` by name.

    The page orders by (tier, name, registry name, repository), so its rows lie within
    each tier's first `offset + limit` names; `WITH TIES` keeps every row sharing the last
    of those names, so the final sort by registry name and repository stays exact. A tier
    is not read at all once the better tiers hold `reach` rows.

    The exact name and the prefix come from a btree on (tenant, lower(name)) (migration
    0013). The other tiers are where a broad word's matches pile up: the tenant's first
    `probe` names are walked in order once (a bounded index range), and a tier whose first
    `reach` rows all lie in that range is taken from it; otherwise its own index answers
    (trigrams for the name and keyword tiers, the full-text index for the rest), and then
    it has few rows to give. No tier reads every match of a broad word.
    """
    reach = bindparam("reach", type_=Integer)
    in_tenant = Chart.tenant_uid == bindparam("tenant", type_=String)
    by_name = [in_tenant, _words_match(literal_column(f"charts.{PG_COLUMN}"))]
    # Where the trigram or full-text index drives, the tenant is the tsvector's tenant
    # lexeme: a tenant_uid condition tempts the planner into a bitmap of all its rows.
    by_index = [_fts_match("postgresql")]
    conditions = _tier_conditions(1)
    tiers: list[CTE] = []
    earlier: ColumnElement[int] = literal_column("0", Integer)  # rows the better tiers hold

    def add(tier: CTE) -> None:
        nonlocal earlier
        tiers.append(tier)
        earlier = earlier + select(func.count()).select_from(tier).scalar_subquery()

    def columns(source: Any, k: int) -> list[Any]:
        return [source.uid, source.name, source.registry_uid, source.repository,
                literal_column(str(k), Integer).label("tier")]

    # The prefix tier sorts its rows rather than walk every name before the prefix in
    # order: `name || ''` sorts like name, but no index offers that order.
    orders = [Chart.name, Chart.name.concat(literal_column("''"))]
    for k in range(2):
        # `earlier < reach`: PostgreSQL checks it once, up front, and skips the scan if not.
        add(select(*columns(Chart, k)).where(*by_name, conditions[k], earlier < reach)
            .order_by(orders[k]).fetch(reach, with_ties=True).cte(f"tier{k}"))
    # Every tenant row up to the `probe`-th name (ties included): if `reach` of a tier's
    # rows are among them, they are exactly that tier's first `reach` by name.
    walk = (select(Chart.uid, Chart.name, Chart.registry_uid, Chart.repository,
                   Chart.keywords, literal_column(f"charts.{PG_COLUMN}").label("vector"))
            .where(in_tenant, earlier < reach).order_by(Chart.name)
            .fetch(bindparam("probe", type_=Integer), with_ties=True).cte("walk"))
    walked_conditions = _tier_conditions(1, walk.c.name, walk.c.keywords)
    for k in range(2, 5):
        walked = (select(*columns(walk.c, k))
                  .where(_words_match(walk.c.vector), walked_conditions[k])
                  .order_by(walk.c.name).fetch(reach, with_ties=True).cte(f"walked{k}"))
        enough = select(func.count()).select_from(walked).scalar_subquery() >= reach
        indexed = (select(*columns(Chart, k))
                   .where(*by_index, conditions[k], earlier < reach, not_(enough))
                   .order_by(Chart.name).fetch(reach, with_ties=True))
        add(union_all(select(walked).where(enough, earlier < reach), indexed)
            .cte(f"tier{k}"))
    return union_all(*(select(t) for t in tiers)).cte("hits")


def _per_tier(dialect: str, words: int, filtered: bool, reach: int) -> bool:
    """Tell whether a search runs as per-tier bounded queries (`_bounded_hits`).

    One word and no filter, on PostgreSQL, in the first pages: the query that can match a
    tenth of the catalog. More words or a filter narrow the matches, and one ranked pass
    over them costs less (as measured at 1M versions) than the per-tier queries' planning
    and probes; so it does for deep pages, where the walk would be long.
    """
    return (dialect == "postgresql" and words == 1 and not filtered
            and _PROBE_PER_ROW * reach <= _MAX_PROBE)


def needs_custom_plan(dialect: str, filters: SearchFilters, *, offset: int = 0,
                      limit: int = 50) -> bool:
    """Tell whether the search must be planned with its values, not from a cached plan.

    The per-tier query walks names for a broad word and uses the full-text index for a
    narrow one; a generic plan (psycopg prepares a statement run often) cannot tell them.
    """
    words = len(query_words(filters.q.strip().lower().replace("\x00", ""), MAX_QUERY_WORDS))
    return _per_tier(dialect, words,
                     bool(filters.registry_uid or filters.kind or filters.newer_than),
                     offset + limit)


@lru_cache(maxsize=512)
def _statement(dialect: str, words: int, registry: bool, kind: bool,
               newer: bool, per_tier: bool = False) -> Executable:
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
    if per_tier:
        found = _bounded_hits()
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
                              "reach": min(offset + limit, _MAX_BOUND),
                              "probe": _PROBE_PER_ROW * (offset + limit)}
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
    filtered = bool(filters.registry_uid or filters.kind or filters.newer_than)
    statement = _statement(dialect, len(words), bool(filters.registry_uid),
                           bool(filters.kind), bool(filters.newer_than),
                           _per_tier(dialect, len(words), filtered, offset + limit))
    return statement, params
