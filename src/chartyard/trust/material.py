"""Gather signature material during a sync: an OCI provenance layer, or ``<chart URL>.prov``.

Nothing here touches the database. The sync collects `Material` per chart version
while it fetches, `judge` checks it against the tenant's keys outside any
transaction, and `chartyard.trust.store` writes the verdicts with the catalog rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from chartyard.errors import ContentError
from chartyard.helm import HELM_PROVENANCE_MEDIA_TYPE
from chartyard.oci import Manifest
from chartyard.trust.helm_provenance import METHOD, HelmProvenanceVerifier
from chartyard.trust.interface import TrustedKey
from chartyard.trust.keyring import GpgUnavailable
from chartyard.trust.provenance import MAX_PROVENANCE_BYTES
from chartyard.trust.verdict import Verdict, unsigned


@dataclass(frozen=True)
class Material:
    """A chart version's provenance (None: unsigned) and the chart digest to check it against.

    ``error`` says why material that exists could not be read (then the verdict is invalid).
    """

    provenance: bytes | None
    chart_digest: str | None
    error: str | None = None

    @property
    def provenance_digest(self) -> str | None:
        """Return the sha256 of the provenance bytes, or None."""
        if self.provenance is None:
            return None
        return "sha256:" + hashlib.sha256(self.provenance).hexdigest()


def provenance_layer(manifest: Manifest) -> str | None:
    """Return the digest of a manifest's Helm provenance layer, or None."""
    for layer in manifest.layers:
        if layer.media_type.split(";", 1)[0].strip().lower() == HELM_PROVENANCE_MEDIA_TYPE:
            return layer.digest
    return None


async def oci_material(get_blob: Callable[..., Awaitable[bytes]], repository: str,
                       manifest: Manifest, chart_digest: str | None) -> Material:
    """Read a chart manifest's provenance layer (capped), as the config blob is read."""
    digest = provenance_layer(manifest)
    if digest is None:
        return Material(None, chart_digest)
    try:
        data = await get_blob(repository, digest, max_bytes=MAX_PROVENANCE_BYTES)
    except ContentError as exc:
        return Material(None, chart_digest, f"provenance layer unreadable: {exc}")
    return Material(data, chart_digest)


def judge(materials: Sequence[Material], keys: Sequence[TrustedKey]) -> list[Verdict]:
    """Return one verdict per material; signed ones share one gpg keyring."""
    verdicts: list[Verdict | None] = [None] * len(materials)
    signed: list[int] = []
    for i, item in enumerate(materials):
        if item.error is not None:
            verdicts[i] = Verdict("invalid", METHOD, item.error)
        elif item.provenance is None:
            verdicts[i] = unsigned(METHOD)
        elif item.chart_digest is None or not item.chart_digest.startswith("sha256:"):
            verdicts[i] = Verdict("invalid", METHOD,
                                  "the chart archive's sha256 is unknown, so the signed "
                                  "checksum cannot be compared")
        else:
            signed.append(i)
    if signed:
        try:
            checked = HelmProvenanceVerifier().verify_many(
                [(materials[i].provenance or b"", materials[i].chart_digest or "")
                 for i in signed], keys)
        except GpgUnavailable as exc:
            # Not known to be bad, only not checkable here: never a reason to fail a sync.
            checked = [Verdict("untrusted", METHOD, f"not checked: {exc.message}")] * len(signed)
        for i, verdict in zip(signed, checked, strict=True):
            verdicts[i] = verdict
    return [v if v is not None else unsigned(METHOD) for v in verdicts]
