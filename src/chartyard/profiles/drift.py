"""Check live whether each pack's tag still points at the digest recorded when it was saved.

One HEAD per pack, one connection per registry, all under a time budget: a
registry that does not answer makes its packs `driftUnknown`, never the GET fail.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from chartyard.oci import NotFound, OCIError
from chartyard.registries.families import family_of_target
from chartyard.sources import AnyTarget, ChartSource, HelmIndexSource, SourceOptions
from chartyard.sync.helm_index import row_digest

BUDGET_SECONDS = 10.0


@dataclass(frozen=True)
class PackRef:
    """What a pack points at: the registry, repository, tag and the recorded digest."""

    key: int
    registry_uid: str
    registry_name: str
    repository: str
    tag: str
    digest: str | None


@dataclass(frozen=True)
class Drift:
    """The outcome of a drift check of one pack."""

    is_invalid: bool = False
    reason: str | None = None
    unknown: bool = False
    message: str | None = None
    live_digest: str | None = None


async def check_drift(targets: Mapping[str, AnyTarget], refs: list[PackRef],
                      options: SourceOptions,
                      budget: float = BUDGET_SECONDS) -> dict[int, Drift]:
    """Return a drift outcome per pack key; registries are asked concurrently."""
    by_registry: dict[str, list[PackRef]] = defaultdict(list)
    for ref in refs:
        by_registry[ref.registry_uid].append(ref)
    results: dict[int, Drift] = {}

    async def one_registry(uid: str, group: list[PackRef]) -> None:
        target = targets[uid]
        results.update(await family_of_target(target).drift(_DriftCheck(group), target, options))

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(one_registry(uid, g) for uid, g in by_registry.items())), budget)
    late = Drift(unknown=True, message=f"the registry did not answer within {budget:g} s")
    return {ref.key: results.get(ref.key, late) for ref in refs}


@dataclass(frozen=True)
class _DriftCheck:
    """The two ways to check one registry's packs; each closes the source it is given."""

    group: list[PackRef]

    async def in_registry(self, source: ChartSource, target: AnyTarget) -> dict[int, Drift]:
        try:
            outcomes = await asyncio.gather(*(_head(source, ref) for ref in self.group))
            return dict(zip((r.key for r in self.group), outcomes, strict=True))
        finally:
            await source.aclose()

    async def in_index(self, source: HelmIndexSource) -> dict[int, Drift]:
        return await _in_index(source, self.group)


async def _in_index(source: HelmIndexSource, group: list[PackRef]) -> dict[int, Drift]:
    """Check a Helm repository's packs against one streaming pass over its index."""
    try:
        found = await source.lookup((ref.repository, ref.tag) for ref in group)
    except OCIError as exc:
        return {ref.key: Drift(unknown=True, message=f"could not check registry "
                                                     f"{ref.registry_name}: {exc.message}")
                for ref in group}
    finally:
        await source.aclose()
    out: dict[int, Drift] = {}
    for ref in group:
        entry = found[ref.repository].entries.get(ref.tag)
        if entry is None:
            out[ref.key] = Drift(True, f"version {ref.tag} of {ref.repository} was removed from "
                                       f"the index of registry {ref.registry_name}; pick another "
                                       "version")
            continue
        live = row_digest(entry)
        if ref.digest is not None and live != ref.digest:
            out[ref.key] = Drift(True, f"version {ref.tag} of {ref.repository} now has digest "
                                       f"{live} in the index, not the recorded {ref.digest}; save "
                                       "the profile again to accept the new content",
                                 live_digest=live)
        else:
            out[ref.key] = Drift(live_digest=live)
    return out


async def _head(source: ChartSource, ref: PackRef) -> Drift:
    try:
        live = await source.head_manifest(ref.repository, ref.tag)
    except NotFound:
        return Drift(True, f"tag {ref.tag} was deleted from {ref.repository} in registry "
                           f"{ref.registry_name}; pick another version")
    except OCIError as exc:
        return Drift(unknown=True, message=f"could not check registry {ref.registry_name}: "
                                           f"{exc.message}")
    if ref.digest is not None and live != ref.digest:
        return Drift(True, f"tag {ref.tag} of {ref.repository} now points to {live}, not the "
                           f"recorded {ref.digest}; save the profile again to accept the new "
                           "content", live_digest=live)
    return Drift(live_digest=live)
