"""The container images a chart declares, and image references parsed into host/path/tag.

Read from three places: the ``artifacthub.io/images`` annotation (a YAML list of
``{name, image}``), Helm's proposed ``helm.sh/images`` annotation (HIP-0015: a YAML
list of ``{name, image}`` or of plain references) and, on the profile layer, the
values' ``pack.content.images`` (Palette's air-gap list: ``- image: REF`` or plain
references). Not supported: image references inside templates or values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from chartyard.limits import LimitExceeded

MAX_ANNOTATION_BYTES = 64 * 1024
MAX_IMAGES = 200
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?$")
DOCKER_HUB = "docker.io"
ANNOTATIONS = ("artifacthub.io/images", "helm.sh/images")


@dataclass(frozen=True)
class ImageRef:
    """One image reference: registry host, repository path, and a tag and/or digest."""

    host: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def reference(self) -> str:
        """Return the tag or digest to fetch (the digest when both are given)."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        text = f"{self.host}/{self.path}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_image(text: str) -> ImageRef:
    """Parse ``[host[:port]/]path[:tag][@digest]`` the way docker does; raise ValueError."""
    raw = text.strip()
    if not raw or len(raw) > 512 or any(c.isspace() for c in raw):
        raise ValueError(f"{text[:100]!r} is not an image reference")
    name, _, digest = raw.partition("@")
    if digest and not _DIGEST.match(digest):
        raise ValueError(f"{raw!r} has an invalid digest (expected sha256:<64 hex>)")
    tag: str | None = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = name.rpartition(":")
        if not _TAG.match(tag):
            raise ValueError(f"{raw!r} has an invalid tag")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, path = first.lower(), rest
    else:
        host, path = DOCKER_HUB, name
        if "/" not in path:
            path = f"library/{path}"
    if not _HOST.match(host):
        raise ValueError(f"{raw!r} has an invalid registry host {host!r}")
    if not _PATH.match(path):
        raise ValueError(f"{raw!r} has an invalid repository path {path!r}")
    if tag is None and not digest:
        tag = "latest"
    return ImageRef(host, path, tag, digest or None)


def chart_images(annotations: dict[str, Any] | None) -> list[str]:
    """Return the image references a chart's annotations declare (either annotation)."""
    found: list[str] = []
    for key in ANNOTATIONS:
        text = (annotations or {}).get(key)
        if isinstance(text, str) and text.strip():
            if len(text.encode()) > MAX_ANNOTATION_BYTES:
                raise LimitExceeded(f"the {key} annotation is over {MAX_ANNOTATION_BYTES} bytes",
                                    limit="max_annotation_bytes",
                                    maximum=MAX_ANNOTATION_BYTES)
            found += _listed(yaml.safe_load(text))
    return found


def layer_images(values: dict[str, Any]) -> list[str]:
    """Return the references listed in a layer's values under ``pack.content.images``."""
    pack = values.get("pack")
    content = pack.get("content") if isinstance(pack, dict) else None
    return _listed(content.get("images") if isinstance(content, dict) else None)


def _listed(data: object) -> list[str]:
    if not isinstance(data, list):
        return []
    out: list[str] = []
    for item in data[:MAX_IMAGES]:
        if isinstance(item, str):
            out.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("image"), str):
            out.append(str(item["image"]).strip())
    return [ref for ref in out if ref]
