"""Export a profile with its charts' references rewritten to a mirror's copies.

Flux pins each ``OCIRepository`` by the mirrored digest (``spec.ref.digest``); Argo CD
and helmfile name the chart version, which helm resolves to the same tag in the
mirror. Classic-repository charts were converted to OCI, so they export as OCI too.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import InvalidInput
from chartyard.mirror.service import MirrorService
from chartyard.profiles.export import FORMATS, ExportPack, RegistryInfo
from chartyard.profiles.export.model import with_dependencies
from chartyard.profiles.packs import release_name
from chartyard.profiles.service import ProfileService
from chartyard.profiles.values import chart_values, pack_section, parse_values
from chartyard.registries.kinds import kind_of


def mirror_export(ctx: AppContext, session: Session, principal: Principal, uid: str,
                  fmt: str, registry_uid: str) -> str:
    """Return the Flux, Argo CD or helmfile YAML of a profile as mirrored into a registry."""
    chosen = FORMATS.get(fmt)
    if chosen is None or chosen.documents is None:
        raise InvalidInput("format", "format: with mirror=, export as flux, argocd or helmfile")
    profile = ProfileService(ctx, session, principal).get(uid)
    service = MirrorService(ctx, session, principal)
    target = service.target(registry_uid)
    run = service.latest(uid, registry_uid)
    charts = list(run.charts or [])
    if len(charts) != len(profile.packs):
        raise InvalidInput("mirror", "mirror: the profile changed since it was mirrored; "
                                     "mirror it again")
    access = kind_of(target).export_access(target)
    info = RegistryInfo(name=target.name, plain_http=access.plain_http,
                        custom_ca=access.custom_ca,
                        insecure_skip_verify=access.insecure_skip_verify,
                        has_credentials=access.has_credentials, ecr=access.ecr)
    packs = []
    for index, (pack, chart) in enumerate(zip(profile.packs, charts, strict=True)):
        field = f"spec.template.packs[{index}]"
        values = parse_values(pack.values, f"{field}.values")
        section = pack_section(values, f"{field}.values")
        repository, tag = _split(str(chart["target"]))
        packs.append(ExportPack(
            name=release_name(pack.name), host=access.host, repository=repository,
            oci_tag=tag, version=str(chart["version"]), digest=chart.get("digest"),
            namespace=section.namespace or "default", priority=section.install_priority,
            values=chart_values(values), registry=info))
    docs = chosen.documents(profile.name, with_dependencies(packs))
    if fmt == "flux":
        _pin(docs, {release_name(p.name): c.get("digest")
                    for p, c in zip(profile.packs, charts, strict=True)})
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False,
                              allow_unicode=True)


def _split(reference: str) -> tuple[str, str]:
    """Split ``oci://host/repository:tag`` into repository and tag."""
    rest = reference.removeprefix("oci://").split("/", 1)[1]
    repository, _, tag = rest.rpartition(":")
    return repository, tag


def _pin(docs: list[dict[str, Any]], digests: dict[str, Any]) -> None:
    """Pin each OCIRepository by the mirrored digest (Flux prefers digest over tag)."""
    for doc in docs:
        if doc.get("kind") != "OCIRepository":
            continue
        chart = str(doc["spec"]["url"]).rsplit("/", 1)[-1]
        digest = digests.get(chart)
        if digest:
            doc["spec"]["ref"] = {"digest": digest}
