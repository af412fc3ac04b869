"""Manifests and descriptors: OCI image manifest and index, Docker v2 manifest and list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from chartyard.http import ProtocolError, check_digest_format, loads_json

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
IMAGE_MANIFESTS = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEXES = frozenset({OCI_INDEX, DOCKER_LIST})
_KNOWN = IMAGE_MANIFESTS | INDEXES
MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST))

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Descriptor:
    """Point at content by media type, digest and size."""

    media_type: str
    digest: str
    size: int
    annotations: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    artifact_type: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Hold a parsed manifest (``config``/``layers``) or index (``manifests``)."""

    digest: str
    media_type: str
    config: Descriptor | None
    layers: tuple[Descriptor, ...]
    manifests: tuple[Descriptor, ...]
    artifact_type: str | None
    annotations: Mapping[str, str]
    size: int

    @property
    def is_index(self) -> bool:
        """Return True for an OCI index or Docker manifest list."""
        return self.media_type in INDEXES


def parse_manifest(
    body: bytes, *, digest: str, content_type: str | None, max_depth: int
) -> Manifest:
    """Parse a manifest body fetched with ``MANIFEST_ACCEPT``.

    The media type is the JSON ``mediaType``, else the Content-Type, else
    inferred from the shape (``manifests`` means an index). Not supported:
    Docker schema 1 manifests, ``subject``, ``platform`` and descriptor
    ``urls``/``data`` fields (ignored), and digests other than sha256/sha512.
    """
    data = loads_json(body, max_depth=max_depth, what="the manifest")
    if not isinstance(data, dict):
        raise ProtocolError("the manifest is not a JSON object")
    declared = _optional_str(data, "mediaType", "manifest")
    media_type = declared or _base_type(content_type)
    if not declared and media_type not in _KNOWN:
        # mediaType is optional in OCI: infer it from the shape.
        if "manifests" in data:
            media_type = OCI_INDEX
        elif "config" in data:
            media_type = OCI_MANIFEST
    if media_type not in _KNOWN:
        raise ProtocolError(
            f"unsupported manifest media type {media_type or 'unknown'!r}; expected an OCI "
            "image manifest or index, or a Docker v2 manifest or manifest list"
        )
    is_index = media_type in INDEXES
    config_raw = data.get("config")
    if not is_index and not isinstance(config_raw, dict):
        raise ProtocolError("the image manifest has no 'config' descriptor")
    return Manifest(
        digest=digest,
        media_type=media_type,
        config=None if is_index else _descriptor(config_raw, "config"),
        layers=() if is_index else _descriptors(data.get("layers"), "layers"),
        manifests=_descriptors(data.get("manifests"), "manifests") if is_index else (),
        artifact_type=_optional_str(data, "artifactType", "manifest"),
        annotations=_annotations(data.get("annotations"), "manifest"),
        size=len(body),
    )


def _base_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _descriptors(raw: object, where: str) -> tuple[Descriptor, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ProtocolError(f"the manifest's {where!r} is not a list")
    return tuple(_descriptor(item, f"{where}[{i}]") for i, item in enumerate(raw))


def _descriptor(raw: object, where: str) -> Descriptor:
    if not isinstance(raw, dict):
        raise ProtocolError(f"the manifest's {where} is not a descriptor object")
    media_type = _optional_str(raw, "mediaType", where) or ""
    digest = raw.get("digest")
    size = raw.get("size")
    if not isinstance(digest, str):
        raise ProtocolError(f"the manifest's {where} has no digest")
    check_digest_format(digest)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ProtocolError(f"the manifest's {where} has no valid size")
    return Descriptor(
        media_type=media_type,
        digest=digest,
        size=size,
        annotations=_annotations(raw.get("annotations"), where),
        artifact_type=_optional_str(raw, "artifactType", where),
    )


def _annotations(raw: object, where: str) -> Mapping[str, str]:
    if raw is None:
        return _EMPTY
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ProtocolError(f"the {where} annotations are not a string-to-string map")
    return MappingProxyType(dict(raw))


def _optional_str(data: dict[str, object], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ProtocolError(f"the {where}'s {key!r} is not a string")
    return value
