"""Diff a repository's remote tags against the catalog: what to fetch, drop and re-check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Known:
    """A tag the catalog already holds, as a chart version (uid) or an ignored artifact."""

    repository: str
    digest: str
    chart_uid: str | None = None
    ignored_id: int | None = None


@dataclass
class RepoPlan:
    """What one repository needs: new tags to fetch, gone tags to drop, known tags to re-check."""

    repository: str
    fetch: list[str] = field(default_factory=list)
    drop: list[Known] = field(default_factory=list)
    recheck: list[tuple[str, Known]] = field(default_factory=list)


def plan_repository(repository: str, remote_tags: Iterable[str],
                    known: Mapping[str, Known], *, force: bool) -> RepoPlan:
    """Return the plan for one repository; `force` re-checks every known tag's digest."""
    plan = RepoPlan(repository)
    remote = list(dict.fromkeys(remote_tags))
    remote_set = set(remote)
    for tag in remote:
        entry = known.get(tag)
        if entry is None:
            plan.fetch.append(tag)
        elif force:
            plan.recheck.append((tag, entry))
    plan.drop = [entry for tag, entry in known.items() if tag not in remote_set]
    return plan
