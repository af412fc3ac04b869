"""Hostile documents and archives, and a way to push them to a real registry as charts."""

from __future__ import annotations

import io
import json
import tarfile
import zlib
from collections.abc import Iterator

from tests.harness.charts import build_chart, helm_config_json
from tests.harness.oci_push import OciPusher, descriptor

HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MiB = 1024 * 1024


def _gzip_member(data: bytes, *, repeat_zeros: int = 0) -> bytes:
    """Return one gzip member holding ``data`` followed by ``repeat_zeros`` MiB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [packer.compress(data)]
    zeros = bytes(MiB)
    out += [packer.compress(zeros) for _ in range(repeat_zeros)]
    out.append(packer.flush())
    return b"".join(out)


def gzip_bomb(expanded_mib: int = 1024) -> bytes:
    """Return a ~1 MB chart layer that inflates to ``expanded_mib`` MiB of tar.

    Every member is a 4 MiB file of zeros (under any per-file limit) with the
    same name, so one gzip member can be repeated: concatenated gzip members
    are valid gzip and read as one stream. Only streaming decompression with a
    cap on total output stops it.
    """
    info = tarfile.TarInfo("bomb/files/zeros")
    info.size = 4 * MiB
    member = _gzip_member(info.tobuf(format=tarfile.USTAR_FORMAT), repeat_zeros=4)
    return member * (expanded_mib // 4) + _gzip_member(bytes(1024))


def tar_gz(members: list[tarfile.TarInfo], contents: dict[str, bytes]) -> bytes:
    """Return a gzip tar of ``members``; regular files take their bytes from ``contents``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info in members:
            data = contents.get(info.name)
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return _gzip_member(raw.getvalue())


def traversal_chart() -> bytes:
    """Return a chart archive with a ``../`` member that would land outside its directory."""
    files = {"evil/Chart.yaml": b"apiVersion: v2\nname: evil\nversion: 1.0.0\n",
             "evil/values.yaml": b"a: 1\n", "evil/../../etc/cron.d/evil": b"* * * * * root x\n"}
    return tar_gz([tarfile.TarInfo(name) for name in files], files)


def symlink_chart() -> bytes:
    """Return a chart archive whose values.yaml is a symbolic link to /etc/shadow."""
    link = tarfile.TarInfo("evil/values.yaml")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
    chart = tarfile.TarInfo("evil/Chart.yaml")
    return tar_gz([chart, link], {"evil/Chart.yaml": b"apiVersion: v2\nname: evil\n"})


def deep_json(depth: int = 10_000) -> bytes:
    """Return ``depth`` nested JSON arrays inside an object (valid JSON)."""
    return b'{"name":"deep","version":"1.0.0","x":' + b"[" * depth + b"]" * depth + b"}"


def billion_laughs(levels: int = 9) -> str:
    """Return the YAML billion-laughs document (10^levels 'lol's once expanded)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"boom: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def endless(chunk: bytes = b" " * (64 * 1024)) -> Iterator[bytes]:
    """Yield ``chunk`` forever (a body that never ends)."""
    while True:
        yield chunk


def push_raw_chart(pusher: OciPusher, repo: str, tag: str, *, config: bytes | None = None,
                   layer: bytes | None = None) -> str:
    """Push a Helm-typed manifest with the given config and chart layer; return its digest.

    Omitted parts come from a normal chart named after the repository.
    """
    name = repo.rsplit("/", 1)[-1]
    normal = build_chart(name, tag)
    config = config if config is not None else helm_config_json(normal)
    layer = layer if layer is not None else normal
    pusher.push_blob(repo, config)
    pusher.push_blob(repo, layer)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": descriptor(HELM_CONFIG, config),
                "layers": [descriptor(HELM_LAYER, layer)]}
    return pusher.push_manifest(repo, tag, json.dumps(manifest).encode())
