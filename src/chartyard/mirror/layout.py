"""OCI image layouts as tar streams: write one piece by piece, read and check one.

Written: ``oci-layout``, ``blobs/sha256/<hex>`` for every blob and manifest, and
``index.json`` last (naming each top-level manifest by
``org.opencontainers.image.ref.name`` = ``<repository>:<tag>``). Read: every blob is
hashed before anything is trusted; a blob whose bytes do not match its name is refused
by name. Not supported: digests other than sha256, nested ``index.json`` references to
other layouts, and tar members other than regular files and directories.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from dataclasses import dataclass, field
from typing import IO, Any

from chartyard.errors import InvalidInput
from chartyard.oci import OCI_INDEX, Manifest, parse_manifest

REF_NAME = "org.opencontainers.image.ref.name"
PROFILE_ANNOTATION = "io.chartyard.profile"
PACK_ANNOTATION = "io.chartyard.pack"
LAYOUT = b'{"imageLayoutVersion":"1.0.0"}'
BLOCK = 512
MAX_INDEX_BYTES = 4 * 1024 * 1024
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_PROFILE_BYTES = 4 * 1024 * 1024
MAX_MEMBERS = 100_000
CHUNK = 256 * 1024
_BLOB = re.compile(r"^blobs/sha256/([a-f0-9]{64})$")


def header(name: str, size: int, *, directory: bool = False) -> bytes:
    """Return the tar header of a file (or directory) with fixed owner, mode and time."""
    info = tarfile.TarInfo(name)
    info.size = 0 if directory else size
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.mtime = 0
    return info.tobuf(format=tarfile.PAX_FORMAT)


def padding(size: int) -> bytes:
    """Return the zero bytes that round a member's data up to a tar block."""
    return b"\0" * (-size % BLOCK)


def file(name: str, data: bytes) -> bytes:
    """Return a whole small member: header, data and padding."""
    return header(name, len(data)) + data + padding(len(data))


def start() -> bytes:
    """Return the members that open a layout: its directories and ``oci-layout``."""
    return (header("blobs/", 0, directory=True) + header("blobs/sha256/", 0, directory=True)
            + file("oci-layout", LAYOUT))


def end() -> bytes:
    """Return the two zero blocks that end a tar."""
    return b"\0" * (2 * BLOCK)


def blob_name(digest: str) -> str:
    """Return the member name of a blob."""
    algorithm, _, hexpart = digest.partition(":")
    if algorithm != "sha256":
        raise ValueError(f"only sha256 blobs go into a layout, not {digest}")
    return f"blobs/sha256/{hexpart}"


def index_json(manifests: list[dict[str, Any]], profile_digest: str) -> bytes:
    """Return ``index.json`` listing the top-level manifests, pointing at the profile."""
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests,
                       "annotations": {PROFILE_ANNOTATION: profile_digest}},
                      separators=(",", ":")).encode()


@dataclass
class Entry:
    """A top-level manifest of a layout: its name (repository, tag) and descriptor."""

    repository: str
    tag: str
    digest: str
    media_type: str
    pack: int | None


@dataclass
class Layout:
    """A checked layout in a tar file: where each blob is, and what index.json names."""

    tar: tarfile.TarFile
    members: dict[str, tarfile.TarInfo]
    entries: list[Entry]
    profile: dict[str, Any]
    manifests: dict[str, Manifest] = field(default_factory=dict)

    def read(self, digest: str, cap: int) -> bytes:
        """Return a small blob's bytes."""
        member = self.members[digest]
        if member.size > cap:
            raise _refused(f"{blob_name(digest)} is {member.size} bytes, over {cap}")
        stream = self.tar.extractfile(member)
        return stream.read() if stream else b""

    def open(self, digest: str) -> IO[bytes]:
        """Return a reader of a blob's bytes."""
        stream = self.tar.extractfile(self.members[digest])
        assert stream is not None
        return stream


def check(tar_file: IO[bytes]) -> Layout:
    """Hash every blob, parse ``index.json`` and every manifest; refuse what does not fit."""
    try:
        tar = tarfile.open(fileobj=tar_file, mode="r:")  # noqa: SIM115 - the Layout keeps it
    except tarfile.TarError as exc:
        raise _refused(f"the body is not a tar archive ({exc})") from exc
    members: dict[str, tarfile.TarInfo] = {}
    index: tarfile.TarInfo | None = None
    for count, member in enumerate(tar):
        if count >= MAX_MEMBERS:
            raise _refused(f"the archive has more than {MAX_MEMBERS} members")
        name = member.name.removeprefix("./")
        if member.isdir():
            continue
        if not member.isfile():
            raise _refused(f"{name} is not a regular file")
        if name == "index.json":
            index = member
            continue
        matched = _BLOB.match(name)
        if matched is None:
            continue  # oci-layout and anything else are not needed
        actual = _sha256(tar, member)
        if actual != matched.group(1):
            raise _refused(f"{name} does not match its digest (its bytes hash to "
                           f"sha256:{actual}); the archive was altered or damaged")
        members["sha256:" + actual] = member
    if index is None:
        raise _refused("the archive has no index.json; it is not an OCI image layout")
    layout = Layout(tar, members, [], {})
    raw = layout_read(tar, index, MAX_INDEX_BYTES, "index.json")
    data = _json(raw, "index.json")
    profile_digest = (data.get("annotations") or {}).get(PROFILE_ANNOTATION)
    if isinstance(profile_digest, str):
        if profile_digest not in members:
            raise _refused(f"index.json names the profile {profile_digest}, which is not in "
                           "the archive")
        layout.profile = _json(layout.read(profile_digest, MAX_PROFILE_BYTES), "the profile")
    for i, item in enumerate(data.get("manifests") or []):
        if not isinstance(item, dict):
            raise _refused(f"index.json manifests[{i}] is not a descriptor")
        annotations = item.get("annotations") or {}
        ref = str(annotations.get(REF_NAME, ""))
        repository, _, tag = ref.rpartition(":")
        if not repository or not tag:
            raise _refused(f"index.json manifests[{i}] has no {REF_NAME} '<repository>:<tag>'")
        digest = str(item.get("digest", ""))
        _manifest(layout, digest, f"index.json manifests[{i}]")
        pack = annotations.get(PACK_ANNOTATION)
        layout.entries.append(Entry(repository, tag, digest, str(item.get("mediaType", "")),
                                    int(str(pack)) if str(pack).isdigit() else None))
    return layout


def layout_read(tar: tarfile.TarFile, member: tarfile.TarInfo, cap: int, name: str) -> bytes:
    """Return a member's bytes, refusing one over ``cap``."""
    if member.size > cap:
        raise _refused(f"{name} is {member.size} bytes, over {cap}")
    stream = tar.extractfile(member)
    return stream.read() if stream else b""


def _manifest(layout: Layout, digest: str, where: str, depth: int = 0) -> None:
    """Parse a manifest and check that everything it points to is in the archive."""
    if digest not in layout.members:
        raise _refused(f"{where} points at {digest}, which is not in the archive")
    if digest in layout.manifests:
        return
    parsed = parse_manifest(layout.read(digest, MAX_MANIFEST_BYTES), digest=digest,
                            content_type=None, max_depth=64)
    layout.manifests[digest] = parsed
    if parsed.is_index:
        if depth > 2:
            raise _refused(f"{where} nests indexes too deeply")
        for child in parsed.manifests:
            _manifest(layout, child.digest, f"{where} ({digest})", depth + 1)
        return
    for desc in [parsed.config, *parsed.layers]:
        if desc is None:
            continue
        member = layout.members.get(desc.digest)
        if member is None:
            raise _refused(f"{where} ({digest}) needs the blob {desc.digest}, which is not "
                           "in the archive")
        if member.size != desc.size:
            raise _refused(f"{blob_name(desc.digest)} is {member.size} bytes but {digest} "
                           f"says {desc.size}")


def _sha256(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    stream = tar.extractfile(member)
    hasher = hashlib.sha256()
    if stream is not None:
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _json(raw: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _refused(f"{what} is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _refused(f"{what} is not a JSON object")
    return data


def _refused(message: str) -> InvalidInput:
    return InvalidInput("bundle", f"bundle: {message}")
