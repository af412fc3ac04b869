"""The verifier interface every signature scheme implements.

Helm provenance (``.prov``, OpenPGP clear-signed) is the one built here. Cosign
(a ``sha256-<digest>.sig`` tag or an OCI 1.1 referrer) and notation (a referrer
with a JWS or COSE envelope) fit the same shape: signature material found beside
the chart, the chart's digest, the tenant's trusted keys in, a `Verdict` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chartyard.trust.verdict import Verdict


@dataclass(frozen=True)
class TrustedKey:
    """One public key a tenant trusts: its fingerprint and ASCII-armored material."""

    fingerprint: str
    armored: str


class Verifier(Protocol):
    """Check signature material of one scheme against a tenant's trusted keys."""

    method: str

    def verify(self, provenance: bytes, chart_digest: str,
               trusted_keys: Sequence[TrustedKey]) -> Verdict:
        """Return the verdict on ``provenance`` for the chart whose digest is given."""
        ...

    def verify_many(self, items: Iterable[tuple[bytes, str]],
                    trusted_keys: Sequence[TrustedKey]) -> list[Verdict]:
        """Return one verdict per (provenance, chart digest), sharing one keyring."""
        ...
