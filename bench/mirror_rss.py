"""Peak RSS of mirroring one big chart: does memory stay flat as the chart grows?

`python -m bench.mirror_rss [--sizes 10,100]` starts two docker-registry processes,
streams a Helm chart artifact of each size (MiB of incompressible bytes as the chart
layer) into the source, then mirrors it in a fresh child process with the mirror's
copy engine (`chartyard.oci.Copier` over `chartyard.oci.RegistryWriter`:
HEAD, then a streamed GET piped into a monolithic PUT). The child reports its peak
RSS (``ru_maxrss``) before and after the copy; flat means the peak does not grow with
the chart. ``service`` runs the same copy through the whole mirror service instead
(API, database job, runner with its per-blob progress writes), as a worker does.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from typing import Any

from tests.harness.registry import RegistryServer

MiB = 1024 * 1024
CHUNK = 256 * 1024
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


async def _random_chunks(size: int, seed: int) -> AsyncIterator[bytes]:
    rng = random.Random(seed)
    left = size
    while left:
        step = min(CHUNK, left)
        yield rng.randbytes(step)
        left -= step


async def push_big_chart(url: str, repo: str, size: int) -> str:
    """Stream a chart of ``size`` bytes into the registry at ``url``; return its digest."""
    from chartyard.oci import RegistryClient, RegistryWriter

    hasher = hashlib.sha256()
    async for chunk in _random_chunks(size, size):
        hasher.update(chunk)
    layer = "sha256:" + hasher.hexdigest()
    name = repo.rsplit("/", 1)[-1]
    config = json.dumps({"apiVersion": "v2", "name": name, "version": "1.0.0"}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()

    async def once(data: bytes) -> AsyncIterator[bytes]:
        yield data

    async with RegistryClient(url) as client:
        writer = RegistryWriter(client)
        await writer.upload_blob(repo, layer, size, _random_chunks(size, size))
        await writer.upload_blob(repo, config_digest, len(config), once(config))
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": HELM_CONFIG, "digest": config_digest, "size": len(config)},
            "layers": [{"mediaType": HELM_LAYER, "digest": layer, "size": size}],
        }).encode()
        return await writer.put_manifest(repo, "1.0.0", manifest, OCI_MANIFEST)


class _Progress:
    def __init__(self) -> None:
        self.copied = 0

    def finished(self, repository: str, digest: str) -> bool:
        return False

    async def blob(self, repository: str, digest: str, size: int, *, copied: bool) -> None:
        self.copied += size if copied else 0


async def _child(source: str, dest: str, repo: str) -> dict[str, Any]:
    from chartyard.oci import Copier, RegistryClient, RegistryWriter

    async with RegistryClient(source) as src, RegistryClient(dest) as dst:
        await src.ping()
        await dst.ping()
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        progress = _Progress()
        started = time.monotonic()
        done = await Copier(RegistryWriter(dst), progress).copy_artifact(
            RegistryWriter(src), repo, "1.0.0", repo, "1.0.0")
        seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"baseline_kib": baseline, "peak_kib": peak, "seconds": seconds,
            "bytes": progress.copied, "digest": done.digest}


async def _full(source: str, dest: str, repo: str, workdir: str) -> dict[str, Any]:
    """Mirror through the whole service: API, DB job, runner (what a worker runs)."""
    from pathlib import Path

    from fastapi.testclient import TestClient
    from tests.sync.conftest import sync_now

    from chartyard.app import create_app
    from chartyard.mirror.runner import run_mirror
    from chartyard.settings import Settings

    settings = Settings(data_dir=Path(workdir) / "data", admin_password="bench-Admin-1",
                        database_url=f"sqlite:///{workdir}/bench.db")
    app = create_app(settings)
    with TestClient(app) as client:
        token = client.post("/v1/auth/authenticate", json={
            "username": "admin", "password": "bench-Admin-1"}).json()["Authorization"]
        headers = {"Authorization": f"Bearer {token}"}

        def registry(name: str, url: str, sync: bool) -> str:
            r = client.post("/v1/registries/oci/basic", headers=headers, json={
                "metadata": {"name": name},
                "spec": {"endpoint": url, "providerType": "helm", "isSyncSupported": sync,
                         "baseContentPath": "bench" if sync else "",
                         "auth": {"type": "noAuth"}}})
            assert r.status_code == 201, r.text
            return str(r.json()["uid"])

        source_uid, dest_uid = registry("src", source, True), registry("dst", dest, False)
        ctx = app.state.ctx
        await asyncio.to_thread(sync_now, ctx, source_uid)
        r = client.post("/v1/clusterprofiles", headers=headers, json={
            "metadata": {"name": "big"}, "spec": {"version": "1.0.0", "template": {
                "packs": [{"name": "big" + repo.rsplit("big", 1)[1], "tag": "1.0.0",
                           "registryUid": source_uid, "type": "oci", "values": "a: 1\n"}]}}})
        assert r.status_code == 201, r.text
        r = client.post(f"/v1/clusterprofiles/{r.json()['uid']}/mirror", headers=headers,
                        json={"targetRegistryUid": dest_uid, "basePath": "copy"})
        mirror = r.json()["uid"]
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        status = await run_mirror(ctx, mirror)
        seconds = time.monotonic() - started
        got = client.get(f"/v1/mirrors/{mirror}", headers=headers).json()
    assert status == "Completed", got
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"baseline_kib": baseline, "peak_kib": peak, "seconds": seconds,
            "bytes": got["bytesCopied"], "digest": got["charts"][0]["digest"]}


def main(argv: list[str] | None = None) -> None:
    """Measure and print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100", help="chart sizes in MiB")
    parser.add_argument("--child", nargs=3, metavar=("SOURCE", "DEST", "REPO"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--full-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(_child(*args.child))))
        return
    if args.full_child:
        print(json.dumps(asyncio.run(_full(*args.full_child))))
        return
    print("path     size_mib  peak_rss_mib  before_copy_mib  growth_mib  seconds  MiB/s")
    for path in ("copy", "service"):
        source, dest = RegistryServer("plain"), RegistryServer("plain")
        try:
            for size_mib in (int(s) for s in args.sizes.split(",")):
                repo = f"bench/big{size_mib}"
                digest = asyncio.run(push_big_chart(source.url, repo, size_mib * MiB))
                with tempfile.TemporaryDirectory(prefix="mirror-rss-") as work:
                    child = (["--child", source.url, dest.url, repo] if path == "copy" else
                             ["--full-child", source.url, dest.url, repo, work])
                    done = subprocess.run([sys.executable, "-m", "bench.mirror_rss", *child],
                                          check=False, capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(f"the {path} child failed:\n{done.stderr[-3000:]}")
                out = done.stdout
                got = json.loads(out.strip().splitlines()[-1])
                assert got["digest"] == digest and got["bytes"] >= size_mib * MiB, got
                peak, base = got["peak_kib"] / 1024, got["baseline_kib"] / 1024
                print(f"{path:7s}  {size_mib:8d}  {peak:12.1f}  {base:15.1f}  "
                      f"{peak - base:10.1f}  {got['seconds']:7.2f}  "
                      f"{size_mib / got['seconds']:5.0f}")
        finally:
            source.close()
            dest.close()


if __name__ == "__main__":
    main()
