"""Profile bundles: write a profile's charts (and images) as an OCI layout tar, stream by
stream; take one back into a registry after checking every digest, and recreate the
profile there.

Export reads each blob from its registry and writes it straight into the response,
so memory stays flat. Import spools the upload to a temp file (nothing is trusted
before every blob is hashed), then pushes from it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import ChartyardError, InvalidInput
from chartyard.http import compute_digest
from chartyard.mirror import layout
from chartyard.mirror.images import DOCKER_HUB, parse_image
from chartyard.mirror.plan import ChartItem, Sources, collect
from chartyard.mirror.service import MirrorService, check_base_path
from chartyard.oci import ArtifactReader, Copier, Endpoint, NoProgress, file_chunks, parse_endpoint
from chartyard.profiles.palette import PaletteProfiles
from chartyard.profiles.schemas import ProfileBody
from chartyard.profiles.service import ProfileService, create_profile
from chartyard.registries.families import family_of_target
from chartyard.registries.kinds import kind_of
from chartyard.sources import AnyTarget, RegistryTarget
from chartyard.store.models import Tenant

log = logging.getLogger(__name__)

MAX_BUNDLE_BYTES = 64 * 1024 * 1024 * 1024
_DOCKER_HUB_API = "registry-1.docker.io"


@dataclass
class BundlePlan:
    """What an export writes: the profile's file, name, charts and images."""

    name: str
    version: str
    profile: bytes
    sources: Sources


def prepare(ctx: AppContext, principal: Principal, uid: str,
            include_images: bool) -> BundlePlan:
    """Read what a bundle of profile ``uid`` holds (one short transaction)."""
    with ctx.transaction() as session:
        text, _ = PaletteProfiles(ctx, session, principal).profile_file(uid, "json")
        doc = json.loads(text)
        sources = collect(session, principal.tenant_uid, uid, ctx.box.decrypt,
                          include_images=include_images, repository=lambda name: name)
        return BundlePlan(doc["metadata"]["name"], doc["spec"]["version"], text.encode(),
                          sources)


class _Writer:
    """Turn artifacts into tar members; remembers blobs already written."""

    def __init__(self) -> None:
        self.written: set[str] = set()

    async def blob(self, digest: str, size: int,
                   opener: AbstractAsyncContextManager[AsyncIterable[bytes]],
                   ) -> AsyncIterator[bytes]:
        if digest in self.written:
            return
        async with opener as chunks:
            yield layout.header(layout.blob_name(digest), size)
            async for chunk in chunks:
                yield chunk
        yield layout.padding(size)
        self.written.add(digest)

    def small(self, data: bytes) -> bytes:
        digest = compute_digest(data)
        if digest in self.written:
            return b""
        self.written.add(digest)
        return layout.file(layout.blob_name(digest), data)

    async def tree(self, reader: ArtifactReader, repository: str, reference: str,
                   found: list[dict[str, Any]]) -> AsyncIterator[bytes]:
        """Write a manifest (an index with all its platforms) and its blobs."""
        raw = await reader.get_manifest_raw(repository, reference)
        if raw.parsed.is_index:
            for child in raw.parsed.manifests:
                async for chunk in self.tree(reader, repository, child.digest, []):
                    yield chunk
        else:
            for desc in [raw.parsed.config, *raw.parsed.layers]:
                if desc is not None:
                    opener = reader.open_blob(repository, desc.digest, size=desc.size)
                    async for chunk in self.blob(desc.digest, desc.size, opener):
                        yield chunk
        yield self.small(raw.body)
        found.append({"mediaType": raw.media_type, "digest": raw.digest,
                      "size": len(raw.body)})


async def stream(ctx: AppContext, plan: BundlePlan) -> AsyncIterator[bytes]:
    """Yield the bundle tar of a prepared plan."""
    writer = _Writer()
    yield layout.start()
    profile_digest = compute_digest(plan.profile)
    yield writer.small(plan.profile)
    entries: list[dict[str, Any]] = []
    for index, item in enumerate(plan.sources.charts):
        found: list[dict[str, Any]] = []
        async for chunk in _chart(ctx, writer, item, found):
            yield chunk
        entries.append(_named(found[-1], item.name, item.tag, index))
    for text in plan.sources.images:
        found = []
        try:
            ref = parse_image(text)
        except ValueError as exc:
            log.warning("bundle: image left out", extra={"image": text, "error": str(exc)})
            continue
        source, endpoint = _image_source(plan.sources, ref.host)
        async with family_of_target(source).open_registry(source, ctx.sources) as registry:
            reader = registry.writer
            repository = endpoint.repository(ref.path)
            try:  # find out whether it is reachable before writing any of it
                await reader.get_manifest_raw(repository, ref.reference)
            except (ChartyardError, httpx.HTTPError) as exc:
                log.warning("bundle: image left out", extra={"image": text, "error": str(exc)})
                continue
            async for chunk in writer.tree(reader, repository, ref.reference, found):
                yield chunk
        entries.append(_named(found[-1], ref.path, ref.tag or "latest", None))
    yield layout.file("index.json", layout.index_json(entries, profile_digest))
    yield layout.end()


async def _chart(ctx: AppContext, writer: _Writer, item: ChartItem,
                 found: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    async with item.family.open_chart(item.source, ctx.sources, item.repository, item.digest,
                                      version=item.version, urls=item.urls) as chart:
        async for chunk in writer.tree(chart.reader, chart.repository, chart.reference, found):
            yield chunk


def _named(desc: dict[str, Any], repository: str, tag: str,
           pack: int | None) -> dict[str, Any]:
    annotations = {layout.REF_NAME: f"{repository}:{tag}"}
    if pack is not None:
        annotations[layout.PACK_ANNOTATION] = str(pack)
    return {**desc, "annotations": annotations}


def _image_source(sources: Sources, host: str) -> tuple[AnyTarget, Endpoint]:
    found = sources.by_authority.get(host)
    endpoint = family_of_target(found).oci_endpoint(found) if found is not None else None
    if found is not None and endpoint is not None:
        return found, endpoint
    api = _DOCKER_HUB_API if host == DOCKER_HUB else host
    endpoint = parse_endpoint(f"https://{api}")
    return RegistryTarget(kind="basic", endpoint=endpoint), endpoint


# ---- import ------------------------------------------------------------------------
async def receive(ctx: AppContext, principal: Principal, registry_uid: str,
                  body: AsyncIterator[bytes], *, base_path: str = "") -> dict[str, Any]:
    """Check a bundle, push it into a registry, create its profile there; return a summary."""
    def target() -> tuple[AnyTarget, Endpoint, str, str]:
        with ctx.transaction() as session:
            service = MirrorService(ctx, session, principal)
            service.require_admin("pushing a bundle")
            reg = service.target(registry_uid, "uid")
            tenant = session.get(Tenant, reg.tenant_uid)
            assert tenant is not None
            found = kind_of(reg).target(reg.spec, ctx.box.decrypt(reg.secrets_enc),
                                        tenant.aws_external_id)
            family = family_of_target(found)
            endpoint = family.oci_endpoint(found)
            if endpoint is None or not family.accepts_pushes:
                raise InvalidInput("uid", "uid: bundles go into OCI registries")
            return found, endpoint, reg.uid, reg.name

    dest, dest_endpoint, dest_uid, _ = await asyncio.to_thread(target)
    base = check_base_path(base_path)
    with tempfile.TemporaryFile(dir=ctx.settings.data_dir) as spool:
        size = 0
        async for chunk in body:
            size += len(chunk)
            if size > MAX_BUNDLE_BYTES:
                raise InvalidInput("bundle", f"bundle: the archive is over "
                                             f"{MAX_BUNDLE_BYTES} bytes")
            await asyncio.to_thread(spool.write, chunk)
        spool.seek(0)
        checked = await asyncio.to_thread(layout.check, spool)
        if not checked.profile:
            raise InvalidInput("bundle", "bundle: the archive holds no chartyard profile "
                                         f"({layout.PROFILE_ANNOTATION} in index.json)")
        await asyncio.to_thread(_check_free, ctx, principal, checked.profile)
        counter = NoProgress()  # a bundle push keeps no resumable state
        packs: dict[int, str] = {}
        async with family_of_target(dest).open_registry(dest, ctx.sources) as registry:
            copier = Copier(registry.writer, counter)
            for entry in checked.entries:
                relative = f"{base}/{entry.repository}" if base else entry.repository
                repository = dest_endpoint.repository(relative)
                await registry.ensure_repository(repository)
                await _push(copier, checked, entry.digest, repository, entry.tag)
                if entry.pack is not None:
                    packs[entry.pack] = relative
    profile = await create_profile(ctx, principal, _profile_body(checked.profile, packs,
                                                                 dest_uid))

    def note(session: Session) -> None:
        audit.record(session, principal, "registry.bundle.push", "registry", dest_uid, None,
                     {"profile": profile.uid, "manifests": len(checked.entries),
                      "blobsCopied": counter.copied})

    await ctx.run_transaction(note)
    def where(entry: layout.Entry) -> str:
        relative = f"{base}/{entry.repository}" if base else entry.repository
        return f"{dest_endpoint.authority}/{dest_endpoint.repository(relative)}:{entry.tag}"

    return {"profileUid": profile.uid, "manifests": len(checked.entries),
            "blobsCopied": counter.copied, "blobsSkipped": counter.skipped,
            "references": [where(e) for e in checked.entries]}


async def _push(copier: Copier, checked: layout.Layout, digest: str, repository: str,
                tag: str | None) -> None:
    manifest = checked.manifests[digest]
    if manifest.is_index:
        for child in manifest.manifests:
            await _push(copier, checked, child.digest, repository, None)
    else:
        for desc in [manifest.config, *manifest.layers]:
            if desc is not None:
                await copier.put_blob(desc.digest, desc.size, repository,
                                      _member(checked, desc.digest))
    body = checked.read(digest, layout.MAX_MANIFEST_BYTES)
    await copier.target.put_manifest(repository, tag or digest, body, manifest.media_type)


def _member(checked: layout.Layout, digest: str) -> Any:
    @asynccontextmanager
    async def opener() -> AsyncIterator[AsyncIterator[bytes]]:
        yield file_chunks(checked.open(digest))

    return opener


def _check_free(ctx: AppContext, principal: Principal, doc: dict[str, Any]) -> None:
    """Refuse, before pushing anything, a bundle whose profile version exists already."""
    name = str((doc.get("metadata") or {}).get("name", ""))
    version = str((doc.get("spec") or {}).get("version", "1.0.0"))
    with ctx.transaction() as session:
        ProfileService(ctx, session, principal)._check_free(name, version, "bundle")


def _profile_body(doc: dict[str, Any], packs: dict[int, str], registry_uid: str) -> ProfileBody:
    """Return the bundled profile with each layer pointing at its pushed chart."""
    template = doc.get("spec", {}).get("template", {})
    layers = list(template.get("packs") or [])
    for index, pack in enumerate(layers):
        if index not in packs:
            raise InvalidInput("bundle", f"bundle: the profile's layer {index} has no chart "
                                         "in the archive")
        layers[index] = {**pack, "name": packs[index], "registryUid": registry_uid,
                         "type": "oci", "source": "private"}
    return ProfileBody.model_validate({**doc, "spec": {**doc.get("spec", {}),
                                                       "template": {**template,
                                                                    "packs": layers}}})
