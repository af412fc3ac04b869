"""Say, as YAML comments, what an export of a published version pins by digest and what not.

Flux pins OCI charts natively (``OCIRepository.spec.ref.digest``). A classic Helm
repository (Flux ``HelmRepository``, Argo CD, helmfile) selects charts by version
only, and Argo CD's Helm sources take a version in ``targetRevision``, not a digest
(argo-cd#23234 open; a digest there is parsed as a SemVer constraint and fails,
argo-cd#24970, with the fix argo-cd#25079 unmerged): those layers follow their
version, and the comment gives the digest recorded at publish so a reader can check it.
"""

from __future__ import annotations

from chartyard.profiles.export.model import ExportPack

_WHY = {
    "argocd": "Argo CD cannot pin a Helm chart by digest (targetRevision takes a chart "
              "version: argo-cd#23234; a digest there fails as a SemVer constraint: "
              "argo-cd#24970)",
    "helmfile": "helmfile cannot pin a chart by digest (releases take a chart version)",
    "flux": "Flux's HelmRepository (a classic Helm repository) selects charts by version "
            "only and cannot pin by digest",
}


def pinning_notes(fmt: str, packs: list[ExportPack]) -> list[str]:
    """Return comment lines for an export of a published version (none for a draft)."""
    if not any(p.pinned for p in packs):
        return []
    pinned = [p for p in packs if fmt == "flux" and p.pin_digest]
    loose = [p for p in packs if p not in pinned]
    lines = []
    if pinned:
        lines.append("Published version: OCI charts are pinned by the digest recorded at "
                     "publish (OCIRepository spec.ref.digest); re-pointing a tag changes "
                     "nothing here.")
    if loose:
        lines.append(f"Not pinned by digest: {_WHY.get(fmt, 'this format cannot pin by digest')}.")
        for p in loose:
            lines.append(f"  {p.name}: follows version {p.version}; digest recorded at "
                         f"publish: {p.digest or 'unknown'}")
        lines.append("Mirroring these charts into an OCI registry lets Flux pin them by digest.")
    return lines
