"""Chart signatures: verifiers, trusted keys per tenant, the policy gate and verdict storage.

Public surface: `Verdict` and its statuses, the `Verifier` interface, and the
Helm provenance verifier (`HelmProvenanceVerifier`). Storage and policy live in
`chartyard.trust.service`.
"""

from chartyard.trust.helm_provenance import METHOD as HELM_PROVENANCE
from chartyard.trust.helm_provenance import HelmProvenanceVerifier
from chartyard.trust.interface import TrustedKey, Verifier
from chartyard.trust.keyring import GpgUnavailable, KeyError_, PublicKeyInfo, parse_public_key
from chartyard.trust.provenance import MAX_PROVENANCE_BYTES
from chartyard.trust.verdict import STATUSES, Status, Verdict, unsigned

__all__ = [
    "HELM_PROVENANCE",
    "MAX_PROVENANCE_BYTES",
    "STATUSES",
    "GpgUnavailable",
    "HelmProvenanceVerifier",
    "KeyError_",
    "PublicKeyInfo",
    "Status",
    "TrustedKey",
    "Verdict",
    "Verifier",
    "parse_public_key",
    "unsigned",
]
