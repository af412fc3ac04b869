"""The policy gate: profile layers whose chart is not ``verified`` are refused when required.

A layer's verdict is the stored verdict of the catalog version it was resolved to
(its ``pack_uid``). A layer with no catalog version (a Private Pack of a registry
that is not synced) has no checked signature and counts as ``unsigned``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.errors import InvalidInput
from chartyard.store.models import ChartVersion, ProfilePack, TrustPolicy
from chartyard.trust import store
from chartyard.trust.helm_provenance import METHOD


class LayerNotVerified(InvalidInput):
    """Refuse a profile layer whose chart is not verified while the tenant requires it."""

    code = "LayerNotVerified"


@dataclass(frozen=True)
class LayerVerdict:
    """One layer's index, name and verification object (as the API shows it)."""

    index: int
    name: str
    verification: dict[str, Any]

    @property
    def status(self) -> str:
        """Return the verdict's status."""
        return str(self.verification["status"])

    def message(self, prefix: str) -> str:
        """Return the sentence naming the layer, its verdict and why."""
        v = self.verification
        why = f": {v['reason']}" if v.get("reason") else ""
        return (f"{prefix}[{self.index}] ({self.name}) is {v['status']}{why}")


_NOT_IN_CATALOG = {"status": "unsigned", "method": METHOD, "signer": None, "fingerprint": None,
                   "reason": "the chart is not in the synced catalog, so its signature was "
                             "never checked", "checkedAt": None}


def required(session: Session, tenant_uid: str) -> bool:
    """Tell whether the tenant requires verified layers."""
    row = session.get(TrustPolicy, tenant_uid)
    return bool(row and row.require_verified)


def _catalog_uid(session: Session, pack: ProfilePack) -> str | None:
    """Return the catalog version of the layer's recorded digest, else its resolved one."""
    if pack.registry_uid and pack.repository and pack.digest:
        uid = session.scalar(select(ChartVersion.uid).where(
            ChartVersion.registry_uid == pack.registry_uid,
            ChartVersion.repository == pack.repository, ChartVersion.digest == pack.digest)
            .limit(1))
        if uid is not None:
            return uid
    return pack.pack_uid


def layer_verdicts(session: Session, packs: Sequence[ProfilePack]) -> list[LayerVerdict]:
    """Return each layer's verdict (of the digest it recorded), in layer order."""
    uids = [_catalog_uid(session, p) for p in packs]
    found = store.verdicts_of(session, [u for u in uids if u])
    out = []
    for i, (pack, uid) in enumerate(zip(packs, uids, strict=True)):
        verification = (dict(_NOT_IN_CATALOG) if uid is None
                        else store.verification(found.get(uid)))
        out.append(LayerVerdict(i, pack.name, verification))
    return out


def enforce(session: Session, tenant_uid: str, packs: Sequence[ProfilePack],
            prefix: str = "spec.template.packs") -> list[LayerVerdict]:
    """Raise `LayerNotVerified` for the first unverified layer if required; else return all."""
    verdicts = layer_verdicts(session, packs)
    if required(session, tenant_uid):
        for layer in verdicts:
            if layer.status != "verified":
                raise LayerNotVerified(
                    f"{prefix}[{layer.index}]",
                    f"{layer.message(prefix)}; this tenant requires verified charts "
                    "(PUT /v1/trust/policy requireVerified). Trust the signing key "
                    "(POST /v1/trust/keys) or pick a signed version",
                    {"verdict": layer.status, "reason": layer.verification["reason"],
                     "verification": layer.verification})
    return verdicts
