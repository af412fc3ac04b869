"""Keep the per-repository chart rows (newest version, counts) in step with chart versions.

Each chart row also carries what search needs: `search_terms`, the normalised words of its
name, keywords, description and maintainers (indexed by FTS5 or a GIN tsvector, see
`chartyard.store.search_index`), and `latest_version_key`, a string whose order is SemVer
precedence, for the "has a version newer than X" filter.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from chartyard.helm import parse_semver, version_sort_key
from chartyard.store.models import Chart, ChartVersion, Registry, new_uid

_CHUNK = 500
MAX_INDEXED_KEYWORDS = 1000
# Bounds on what one chart puts into the search index.
MAX_TERM_CHARS = 64
MAX_TERMS_TEXT = 4000
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Return the lower-case words of `text`: runs of letters and digits, as both indexes see."""
    return _WORD.findall(text.lower())


def search_terms(name: str, keywords: str, description: str | None,
                 maintainers: str) -> str:
    """Return the distinct words of a chart's searchable fields, space-separated and bounded."""
    seen: dict[str, None] = {}
    size = 0
    for field in (name, keywords, description or "", maintainers):
        for word in words(field):
            word = word[:MAX_TERM_CHARS]
            if word in seen:
                continue
            size += len(word) + 1
            if size > MAX_TERMS_TEXT:
                return " ".join(seen)
            seen[word] = None
    return " ".join(seen)


def maintainer_names(metadata: dict[str, Any]) -> str:
    """Return the names and e-mail addresses of a chart's maintainers, space-separated."""
    found = metadata.get("maintainers")
    if not isinstance(found, list):
        return ""
    parts: list[str] = []
    for entry in found[:50]:
        if isinstance(entry, dict):
            parts += [str(entry[k])[:256] for k in ("name", "email") if entry.get(k)]
    return " ".join(parts)[:2000]


def _number(digits: str) -> str:
    digits = digits.lstrip("0") or "0"
    return f"{len(digits):02d}{digits}"


def version_order_key(version: str) -> str:
    """Return a string whose byte order is the SemVer precedence of `version`.

    Valid versions start with "1", invalid ones are "0" (older than any valid one).
    Numbers are length-prefixed, a release ("~") sorts after its pre-releases ("-"),
    and pre-release identifiers are separated by a space, below every identifier
    character, so "1.0.0-alpha" < "1.0.0-alpha.1" < "1.0.0-alpha-b". Build metadata
    does not count, as SemVer says. Compare with binary collation (COLLATE "C").
    """
    parsed = parse_semver(version)
    if parsed is None:
        return "0"
    head = "1" + "".join(_number(str(n)) for n in (parsed.major, parsed.minor, parsed.patch))
    if parsed.prerelease is None:
        return head + "~"
    ids = (("0" + _number(i)) if i.isdigit() else ("1" + i)
           for i in str(parsed.prerelease).split("."))
    return head + "-" + " ".join(ids)


def chart_search_fields(name: str, keywords: str, description: str | None,
                        metadata: dict[str, Any], latest_version: str) -> dict[str, str]:
    """Return the search columns of a chart row."""
    maintainers = maintainer_names(metadata)
    return {"maintainers": maintainers,
            "search_terms": search_terms(name, keywords, description, maintainers),
            "latest_version_key": version_order_key(latest_version)}


def query_words(text: str, limit: int = 16) -> list[str]:
    """Return the distinct words of a search query, at most `limit`."""
    return list(dict.fromkeys(w[:MAX_TERM_CHARS] for w in words(text)))[:limit]


def refresh_charts(session: Session, reg: Registry, repositories: Collection[str]) -> None:
    """Recompute the chart rows of the given repositories of a registry."""
    repos = list(repositories)
    for i in range(0, len(repos), _CHUNK):
        chunk = repos[i:i + _CHUNK]
        session.execute(delete(Chart).where(Chart.registry_uid == reg.uid,
                                            Chart.repository.in_(chunk)))
        # Three columns of every version, the whole row of each chart's latest only: a
        # chunk costs the same whatever the number of versions per chart.
        counts: dict[str, int] = defaultdict(int)
        best: dict[str, tuple[Any, str]] = {}
        for uid, repo, version in session.execute(
                select(ChartVersion.uid, ChartVersion.repository, ChartVersion.version).where(
                    ChartVersion.registry_uid == reg.uid, ChartVersion.repository.in_(chunk))):
            counts[repo] += 1
            key = version_sort_key(version)
            if repo not in best or key > best[repo][0]:
                best[repo] = (key, uid)
        latest_rows = session.scalars(select(ChartVersion).where(
            ChartVersion.uid.in_([uid for _, uid in best.values()])))
        rows = []
        for latest in latest_rows:
            repo = latest.repository
            rows.append({
                "uid": new_uid(), "tenant_uid": reg.tenant_uid, "registry_uid": reg.uid,
                "repository": repo, "name": latest.name, "latest_version": latest.version,
                "latest_pack_uid": latest.uid, "version_count": counts[repo],
                "description": latest.description,
                "icon": str(latest.chart_metadata.get("icon") or "")[:1024] or None,
                # Bounded so the search index entry stays small (PostgreSQL caps ~2.7 KB).
                "keywords": latest.keywords[:MAX_INDEXED_KEYWORDS],
                **chart_search_fields(latest.name, latest.keywords, latest.description,
                                      latest.chart_metadata, latest.version),
            })
        if rows:
            session.execute(insert(Chart), rows)
