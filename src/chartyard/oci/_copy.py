"""Copy OCI content by digest: manifests (indexes recursively), then their blobs.

The source is anything that reads like a registry (`ArtifactReader`): a `RegistryWriter`
of another registry, or a `PackagedChart` made from a chart archive.

Each blob is, in order of preference: already finished by this run (no request),
already in the target repository (``HEAD``), mountable from a repository of the
target that holds it, or streamed from the source into a monolithic upload. The
manifest goes last, so a tag never points at missing blobs. A target tag that
already names the source digest ends the copy of that artifact at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from chartyard.errors import TransientError

from ._manifest import Descriptor, Manifest
from ._push import RawManifest, RegistryWriter

log = logging.getLogger(__name__)

ATTEMPTS = 3
MAX_INDEX_CHILDREN = 64

Opener = Callable[[], AbstractAsyncContextManager[AsyncIterable[bytes]]]


class ArtifactReader(Protocol):
    """What a copy reads from its source: manifests by reference, blobs as streams."""

    @property
    def authority(self) -> str | None:
        """Return the source registry's ``host[:port]`` (None: not a registry)."""
        ...

    async def get_manifest_raw(self, repository: str, reference: str) -> RawManifest:
        """Return a manifest's exact bytes, media type, digest and parsed form."""
        ...

    def open_blob(self, repository: str, digest: str, *,
                  size: int) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Open a blob as a stream of chunks (digest- and size-checked)."""
        ...


class Progress(Protocol):
    """Where a copy records finished blobs, so an interrupted run never redoes one."""

    def finished(self, repository: str, digest: str) -> bool:
        """Return whether this run already finished the blob in ``repository``."""
        ...

    async def blob(self, repository: str, digest: str, size: int, *, copied: bool) -> None:
        """Record a blob as copied (or found present), durably, before going on."""


@dataclass
class Copied:
    """What one artifact's copy did: its digest, and the platforms of an index."""

    digest: str
    media_type: str
    copied: bool
    platforms: list[str] = field(default_factory=list)


class Copier:
    """Copy artifacts into ``target``; remembers which target repository holds which blob."""

    def __init__(self, target: RegistryWriter, progress: Progress) -> None:
        self.target = target
        self.progress = progress
        self._held: dict[str, str] = {}  # digest -> a target repository that has it

    async def copy_artifact(self, source: ArtifactReader, src_repo: str, reference: str,
                            dst_repo: str, tag: str | None) -> Copied:
        """Copy a manifest (by tag or digest) and all it points to; tag it if ``tag``."""
        raw = await source.get_manifest_raw(src_repo, reference)
        if tag is not None and await self.target.has_manifest(dst_repo, tag) == raw.digest:
            await self.already_there(raw.parsed, dst_repo)
            return Copied(raw.digest, raw.media_type, False, _platforms(raw))
        if raw.parsed.is_index:
            children = raw.parsed.manifests
            if len(children) > MAX_INDEX_CHILDREN:
                raise ValueError(f"the index {src_repo}@{raw.digest} lists {len(children)} "
                                 f"manifests, more than {MAX_INDEX_CHILDREN}")
            for child in children:
                await self.copy_artifact(source, src_repo, child.digest, dst_repo, None)
        else:
            blobs = [raw.parsed.config, *raw.parsed.layers]
            for desc in blobs:
                if desc is not None:
                    await self.copy_blob(desc, dst_repo, src_repo, source)
        if tag is None and await self.target.has_manifest(dst_repo, raw.digest) == raw.digest:
            return Copied(raw.digest, raw.media_type, False, _platforms(raw))
        await self.target.put_manifest(dst_repo, tag or raw.digest, raw.body, raw.media_type)
        return Copied(raw.digest, raw.media_type, True, _platforms(raw))

    async def already_there(self, manifest: Manifest, dst_repo: str) -> None:
        """Count the blobs of a manifest the target holds already (no request is made)."""
        for desc in [manifest.config, *manifest.layers]:
            if desc is not None and not self.progress.finished(dst_repo, desc.digest):
                await self.progress.blob(dst_repo, desc.digest, desc.size, copied=False)

    async def copy_blob(self, desc: Descriptor, dst_repo: str, src_repo: str,
                        source: ArtifactReader) -> None:
        """Copy one blob of a source registry (see the module's order of preference)."""
        def opener() -> AbstractAsyncContextManager[AsyncIterable[bytes]]:
            return source.open_blob(src_repo, desc.digest, size=desc.size)

        same = source.authority == self.target.authority
        await self.put_blob(desc.digest, desc.size, dst_repo, opener,
                            mount_from=src_repo if same else None)

    async def put_blob(self, digest: str, size: int, dst_repo: str, opener: Opener, *,
                       mount_from: str | None = None) -> None:
        """Make ``dst_repo`` hold the blob; ``opener`` streams it when it must be uploaded."""
        if self.progress.finished(dst_repo, digest):
            self._held.setdefault(digest, dst_repo)
            return
        if await self.target.has_blob(dst_repo, digest):
            await self.progress.blob(dst_repo, digest, size, copied=False)
            self._held.setdefault(digest, dst_repo)
            return
        location: str | None = None
        source_repo = self._held.get(digest) or mount_from
        if source_repo is not None and source_repo != dst_repo:
            location = await self.target.mount_blob(dst_repo, digest, source_repo)
            if location is None:
                await self.progress.blob(dst_repo, digest, size, copied=False)
                self._held.setdefault(digest, dst_repo)
                return
        for attempt in range(ATTEMPTS):
            try:
                async with opener() as chunks:
                    await self.target.upload_blob(dst_repo, digest, size, chunks,
                                                  location=location)
                break
            except (TransientError, httpx.TransportError) as exc:
                location = None
                if attempt + 1 == ATTEMPTS:
                    raise
                log.warning("blob copy failed, retrying",
                            extra={"digest": digest, "error": str(exc)})
        await self.progress.blob(dst_repo, digest, size, copied=True)
        self._held.setdefault(digest, dst_repo)


class NoProgress:
    """Keep a copy's finished blobs in memory only (a single push, nothing to resume)."""

    def __init__(self) -> None:
        self.done: set[tuple[str, str]] = set()
        self.copied = 0
        self.skipped = 0

    def finished(self, repository: str, digest: str) -> bool:
        """Return whether this copy already finished the blob."""
        return (repository, digest) in self.done

    async def blob(self, repository: str, digest: str, size: int, *, copied: bool) -> None:
        """Count the blob."""
        self.done.add((repository, digest))
        if copied:
            self.copied += 1
        else:
            self.skipped += 1


def _platforms(raw: RawManifest) -> list[str]:
    """Return ``os/arch[/variant]`` of each manifest of an index (read from its JSON)."""
    if not raw.parsed.is_index:
        return []
    data = json.loads(raw.body)
    out = []
    for item in data.get("manifests") or []:
        platform = item.get("platform") if isinstance(item, dict) else None
        if isinstance(platform, dict):
            parts = [str(platform.get("os", "")), str(platform.get("architecture", ""))]
            if platform.get("variant"):
                parts.append(str(platform["variant"]))
            out.append("/".join(parts))
    return out


__all__ = ["ArtifactReader", "Copied", "Copier", "NoProgress", "Opener", "Progress"]
