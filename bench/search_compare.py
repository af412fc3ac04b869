"""PostgreSQL search before and after a change of its query, side by side on one database.

`python -m bench.catalog_scale --db postgres --compare-search REV` seeds and then runs this;
`python -m bench.search_compare --url URL --before REV` runs it on a database already seeded
by `bench.catalog_scale`. "Before" is `src/chartyard/catalog/search.py` as it was at git
revision REV, "after" the checked-out one; both run in one process, one query after the
other on the same connection, so the machine's load weighs on both alike. Per query class
(broad: a maintainer's name, ~10 % of a tenant's charts; narrow: an exact chart name; the
whole `catalog_scale` search mix) it reports p50/p95 in milliseconds, and for one broad and
one narrow query EXPLAIN ANALYZE's count of chart rows read (kept or filtered out): the
candidate set each query ranks.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.catalog_scale import PEOPLE, Seeded, search_paths

ROOT = Path(__file__).resolve().parent.parent


def search_module_at(rev: str) -> Any:
    """Return `chartyard.catalog.search` as it was at git revision `rev`, as a module."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:src/chartyard/catalog/search.py"],
        capture_output=True, text=True, check=True).stdout
    name = f"_search_at_{rev.replace('-', '_').replace('~', '_').replace('^', '_')}"
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:search.py", "exec"), module.__dict__)  # noqa: S102
    return module


@dataclass
class Timing:
    """Latencies of one query class, in milliseconds."""

    queries: int
    p50: float
    p95: float


@dataclass
class Comparison:
    """Before and after, per query class, plus the rows EXPLAIN ANALYZE saw read."""

    before_rev: str
    timings: dict[str, tuple[Timing, Timing]] = field(default_factory=dict)
    rows_read: dict[str, tuple[int, int]] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)


def _timing(samples: list[float]) -> Timing:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Timing(len(samples), cuts[49], cuts[94])


def _chart_rows_read(plan: dict[str, Any]) -> int:
    """Return how many rows of `charts` the plan's nodes read (kept or filtered out)."""
    total = 0
    if plan.get("Relation Name") == "charts" and plan.get("Actual Loops", 0) > 0:
        kept = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        total += int(kept * plan.get("Actual Loops", 1))
    for child in plan.get("Plans", []):
        total += _chart_rows_read(child)
    return total


def _catalog_sample(conn: Any) -> tuple[Seeded, list[str]]:
    """Return a Seeded (per tenant: registries and sample charts) read back, and tenant uids."""
    from sqlalchemy import text

    tenants = [r[0] for r in conn.execute(text(
        "SELECT uid FROM tenants ORDER BY (name <> 'default'), name"))]
    seeded = Seeded()
    for uid in tenants:
        rows = conn.execute(text(
            "SELECT registry_uid, name FROM charts WHERE tenant_uid = :t ORDER BY uid "
            "LIMIT 200"), {"t": uid}).all()
        seeded.admins.append(uid)
        seeded.samples.append([(r[0], r[1]) for r in rows])
    return seeded, tenants


def compare(url: str, before_rev: str, count: int = 300) -> Comparison:
    """Run each query class through the query before and after, interleaved."""
    from sqlalchemy import create_engine

    from chartyard.catalog import search as after

    before = search_module_at(before_rev)
    engine = create_engine(url)
    result = Comparison(before_rev, load=(os.getloadavg()[0], 0.0))
    try:
        with engine.connect() as conn:
            seeded, tenants = _catalog_sample(conn)
            conn.rollback()
        rng = random.Random(11)
        classes: dict[str, list[tuple[int, str]]] = {
            "broad: a maintainer's name (~10 % of a tenant's charts)": [
                (t, f"q={rng.choice(PEOPLE)}") for t in
                (rng.randrange(len(tenants)) for _ in range(count))],
            "narrow: an exact chart name": [
                (t, f"q={rng.choice(seeded.samples[t])[1]}") for t in
                (rng.randrange(len(tenants)) for _ in range(count))],
            "the catalog_scale search mix (no browse)": [
                (t, urlsplit(p).query) for t, p in search_paths(seeded, count * 2, rng)
                if "q=&" not in p],
        }
        for label, queries in classes.items():
            result.timings[label] = _time_class(engine, before, after, tenants, queries)
        for label, q in (("broad", f"q={PEOPLE[1]}"),
                         ("narrow", f"q={seeded.samples[0][0][1]}")):
            result.rows_read[label] = (
                _rows_read(engine, before, tenants[0], q, _custom_plan(before, q)),
                _rows_read(engine, after, tenants[0], q, _custom_plan(after, q)))
    finally:
        engine.dispose()
    result.load = (result.load[0], os.getloadavg()[0])
    return result


def _statement(module: Any, tenant: str, query: str) -> tuple[Any, dict[str, Any]] | None:
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    filters = module.SearchFilters(q=params.get("q", ""), registry_uid=params.get("registryUid"),
                                   registry_kind=params.get("registryKind"),
                                   newer_than=params.get("newerThan"))
    found: tuple[Any, dict[str, Any]] | None = module.search_query(
        "postgresql", tenant, filters, offset=0, limit=51)  # the API asks for one more
    return found


def _custom_plan(module: Any, query: str) -> bool:
    """Tell whether this module's search sets a custom plan for the query, as reads.py does."""
    if not hasattr(module, "needs_custom_plan"):
        return False
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    filters = module.SearchFilters(q=params.get("q", ""), registry_uid=params.get("registryUid"),
                                   registry_kind=params.get("registryKind"),
                                   newer_than=params.get("newerThan"))
    return bool(module.needs_custom_plan("postgresql", filters, offset=0, limit=51))


def _run(engine: Any, statement: tuple[Any, dict[str, Any]], custom_plan: bool) -> list[Any]:
    with engine.begin() as conn:
        if custom_plan:  # as catalog/reads.py does
            conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        return list(conn.execute(*statement).all())


def _time_class(engine: Any, before: Any, after: Any, tenants: list[str],
                queries: Sequence[tuple[int, str]]) -> tuple[Timing, Timing]:
    samples: tuple[list[float], list[float]] = ([], [])
    for n, (t, query) in enumerate(queries):
        for side, module in enumerate((before, after)):
            statement = _statement(module, tenants[t], query)
            custom = _custom_plan(module, query)
            if statement is None:
                continue
            started = time.perf_counter()
            rows = _run(engine, statement, custom)
            elapsed = (time.perf_counter() - started) * 1000
            if side == 0:
                expected = rows
            elif rows != expected:
                raise AssertionError(f"before and after differ for {query!r}")
            if n >= 10:  # the first ones warm caches
                samples[side].append(elapsed)
    return _timing(samples[0]), _timing(samples[1])


def _rows_read(engine: Any, module: Any, tenant: str, query: str, custom: bool) -> int:
    statement = _statement(module, tenant, query)
    assert statement is not None
    stmt, params = statement
    with engine.begin() as conn:
        if custom:
            conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        compiled = stmt.compile(dialect=conn.dialect)
        values = {**{k: b.value for k, b in compiled.binds.items()}, **params}
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + str(compiled),
                                    values).scalar_one()
    return _chart_rows_read(plan[0]["Plan"])


def report(result: Comparison) -> str:
    """Return the comparison as markdown tables."""
    lines = [f"PostgreSQL search in-process, before (`{result.before_rev}`) and after, one "
             f"run; load average (1 min) {result.load[0]:.1f} before, {result.load[1]:.1f} "
             "after.", "",
             "| query class | queries | before p50 ms | before p95 ms | after p50 ms | "
             "after p95 ms |", "|---|---|---|---|---|---|"]
    for label, (b, a) in result.timings.items():
        lines.append(f"| {label} | {a.queries} | {b.p50:.2f} | {b.p95:.2f} | {a.p50:.2f} | "
                     f"{a.p95:.2f} |")
    lines += ["", "| EXPLAIN ANALYZE, page of 50 | chart rows read before | after |",
              "|---|---|---|"]
    for label, (b_rows, a_rows) in result.rows_read.items():
        lines.append(f"| {label} | {b_rows:,} | {a_rows:,} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Compare on an existing database and print the tables."""
    p = argparse.ArgumentParser(prog="python -m bench.search_compare",
                                description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="a PostgreSQL database seeded by catalog_scale")
    p.add_argument("--before", required=True, help="git revision of the 'before' search.py")
    p.add_argument("--queries", type=int, default=300, help="queries per class")
    args = p.parse_args(argv)
    print(report(compare(args.url, args.before, args.queries)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
