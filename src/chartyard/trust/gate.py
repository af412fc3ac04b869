"""The policy gate: profile layers whose chart is not ``verified`` are refused when required.

A layer's verdict is the stored verdict of the catalog version it was resolved to
(its ``pack_uid``). A layer with no catalog version (a Private Pack of a registry
that is not synced) has no checked signature and counts as ``unsigned``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from chartyard.errors import InvalidInput
from chartyard.store.models import ProfilePack, TrustPolicy
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


def layer_verdicts(session: Session, packs: Sequence[ProfilePack]) -> list[LayerVerdict]:
    """Return each layer's verdict, in layer order."""
    found = store.verdicts_of(session, [p.pack_uid for p in packs if p.pack_uid])
    out = []
    for i, pack in enumerate(packs):
        if pack.pack_uid is None:
            verification = dict(_NOT_IN_CATALOG)
        else:
            verification = store.verification(found.get(pack.pack_uid))
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
