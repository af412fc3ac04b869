"""Verify Helm provenance files, as ``helm verify`` and ``helm pull --verify`` do.

Checked against real ``helm package --sign`` output of helm 3.17 and helm 4.1
(helm 4's signatures add an issuer-fingerprint subpacket and a notation, and its
armor has no CRC line; gpg reads both). The verdicts and helm's own words:

* ``untrusted``: "signature made by unknown entity" (no trusted key made it);
* ``invalid``: "invalid signature" (the signed text was altered), or
  "sha256 sum does not match" (the chart is not the one that was signed);
* ``verified``: a trusted key signed a ``files:`` entry equal to the chart's digest.

Only the text gpg reports as signed is read for the checksum, never text around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import gnupg

from chartyard.trust.interface import TrustedKey
from chartyard.trust.keyring import keyring
from chartyard.trust.provenance import ProvenanceError, check_shape, signed_files
from chartyard.trust.verdict import Verdict

METHOD = "helm-provenance"


class HelmProvenanceVerifier:
    """Check ``.prov`` files with gpg against a tenant's trusted keys."""

    method = METHOD

    def verify(self, provenance: bytes, chart_digest: str,
               trusted_keys: Sequence[TrustedKey]) -> Verdict:
        """Return the verdict on one provenance file for the chart of ``chart_digest``."""
        return self.verify_many([(provenance, chart_digest)], trusted_keys)[0]

    def verify_many(self, items: Iterable[tuple[bytes, str]],
                    trusted_keys: Sequence[TrustedKey]) -> list[Verdict]:
        """Return one verdict per (provenance, chart digest), with one shared keyring."""
        with keyring([k.armored for k in trusted_keys]) as gpg:
            return [self._one(gpg, data, digest) for data, digest in items]

    def _one(self, gpg: gnupg.GPG, data: bytes, chart_digest: str) -> Verdict:
        try:
            check_shape(data)
        except ProvenanceError as exc:
            return Verdict("invalid", METHOD, f"unreadable provenance: {exc}")
        result = gpg.decrypt(data)
        status = str(result.status or "")
        fingerprint = _fingerprint(result)
        if status == "no public key":
            return Verdict("untrusted", METHOD,
                           "signature made by unknown entity: the signing key is not among "
                           "this tenant's trusted keys", fingerprint=fingerprint)
        if not result.valid:
            why = "invalid signature" if status == "signature bad" else (
                f"signature not accepted ({status or 'no OpenPGP signature found'})")
            return Verdict("invalid", METHOD, why, signer=result.username,
                           fingerprint=fingerprint)
        signer = str(result.username) if result.username else None
        files = signed_files(bytes(result.data))
        if not files:
            return Verdict("invalid", METHOD, "the signed text lists no chart files",
                           signer, fingerprint)
        want = chart_digest.lower()
        if want not in files.values():
            got = ", ".join(sorted(set(files.values())))
            return Verdict("invalid", METHOD,
                           f"sha256 sum does not match: the chart is {want}, the signed "
                           f"provenance says {got}", signer, fingerprint)
        return Verdict("verified", METHOD, "signed by a trusted key; sha256 sum matches",
                       signer, fingerprint)


def _fingerprint(result: gnupg.Crypt) -> str | None:
    """Return the signing key's fingerprint, else its long key ID (all that helm 3 carries)."""
    for value in (result.pubkey_fingerprint, result.fingerprint, result.key_id):
        if value and value != "-":
            return str(value).upper()
    return None
