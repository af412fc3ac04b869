"""Export a profile with its charts' references rewritten to a mirror's copies.

Flux pins each ``OCIRepository`` by the mirrored digest (``spec.ref.digest``); Argo CD
and helmfile name the chart version, which helm resolves to the same tag in the
mirror. Classic-repository charts were converted to OCI, so they export as OCI too.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import InvalidInput
from chartyard.mirror.service import MirrorService
from chartyard.profiles.export import FORMATS, RegistryInfo, render
from chartyard.profiles.service import ProfileService
from chartyard.registries.kinds import kind_of


def mirror_export(ctx: AppContext, session: Session, principal: Principal, uid: str,
                  fmt: str, registry_uid: str, given: dict[str, str] | None = None) -> str:
    """Return the Flux, Argo CD or helmfile YAML of a profile as mirrored into a registry.

    The packs are the profile export's own (values and variables as there), relocated to
    the mirror's copies and pinned by the mirrored digest wherever the target can.
    """
    chosen = FORMATS.get(fmt)
    if chosen is None or chosen.documents is None:
        raise InvalidInput("format", "format: with mirror=, export as flux, argocd or helmfile")
    profiles = ProfileService(ctx, session, principal)
    profile = profiles.get(uid)
    service = MirrorService(ctx, session, principal)
    target = service.target(registry_uid)
    charts = list(service.latest(uid, registry_uid).charts or [])
    if len(charts) != len(profile.packs):
        raise InvalidInput("mirror", "mirror: the profile changed since it was mirrored; "
                                     "mirror it again")
    access = kind_of(target).export_access(target)
    info = RegistryInfo(name=target.name, plain_http=access.plain_http,
                        custom_ca=access.custom_ca,
                        insecure_skip_verify=access.insecure_skip_verify,
                        has_credentials=access.has_credentials,
                        cloud_provider=access.cloud_provider,
                        token_username=access.token_username)
    packs = []
    for pack, chart in zip(profiles.export_packs(profile, given), charts, strict=True):
        repository, tag = _split(str(chart["target"]))
        packs.append(replace(pack, host=access.host, repository=repository, oci_tag=tag,
                             version=str(chart["version"]), digest=chart.get("digest"),
                             registry=info, pinned=True))
    return render(fmt, profile.name, packs)


def _split(reference: str) -> tuple[str, str]:
    """Split ``oci://host/repository:tag`` into repository and tag."""
    rest = reference.removeprefix("oci://").split("/", 1)[1]
    repository, _, tag = rest.rpartition(":")
    return repository, tag
