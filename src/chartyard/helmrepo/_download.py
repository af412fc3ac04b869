"""Download a chart version to a spooled temp file (digest-checked), with its ``.prov``.

Used where a classic chart is copied on (pushed to a registry, written into a bundle):
the archive never sits whole in memory, and a missing ``.prov`` means unsigned.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from chartyard.http import Sink, TooLargeBody
from chartyard.limits import LimitExceeded
from chartyard.oci import ConversionError

from ._client import HelmRepoClient

MAX_PROV_BYTES = 1024 * 1024


@dataclass
class DownloadedChart:
    """A chart archive on disk (spooled), its digest and size, and its ``.prov`` if any."""

    archive: Sink
    prov: bytes | None

    def close(self) -> None:
        """Delete the temp file."""
        self.archive.close()


async def download_chart(client: HelmRepoClient, url: str, *, chart: str,
                         digest: str | None) -> DownloadedChart:
    """Download an archive into a temp file (digest-checked) and its ``.prov`` (404: none)."""
    sink = await _get_to_sink(client, url, chart, digest)
    try:
        prov = await _get_prov(client, url + ".prov", chart)
    except Exception:
        sink.close()
        raise
    return DownloadedChart(sink, prov)


async def _get_to_sink(client: HelmRepoClient, url: str, chart: str,
                       digest: str | None) -> Sink:
    getter = client._getter  # the client's retrying, budgeted, egress-guarded GET
    what = f"the chart {chart} ({httpx.URL(url).copy_with(query=None)})"
    sink = Sink()
    try:
        cap = client.archive_limits.max_compressed
        try:
            answer = await getter.get(url, kind="chart", what=what, sink=sink, max_bytes=cap)
        except TooLargeBody as exc:
            raise LimitExceeded(f"{what} is over the {cap}-byte archive limit",
                                limit="max_compressed", maximum=cap) from exc
        client._check(answer, what, index=False)
        if digest is not None and digest.startswith("sha256:") and sink.digest != digest:
            raise ConversionError(f"{what} has digest {sink.digest}, but the index says "
                                  f"{digest}; the repository serves other content than its "
                                  "index describes")
        return sink
    except BaseException:
        sink.close()
        raise


async def _get_prov(client: HelmRepoClient, url: str, chart: str) -> bytes | None:
    sink = Sink()
    try:
        try:
            answer = await client._getter.get(url, kind="prov", what=f"the provenance of {chart}",
                                              sink=sink, max_bytes=MAX_PROV_BYTES)
        except TooLargeBody:
            return None
        if answer.status != 200:
            return None  # helm: a missing .prov means unsigned
        return sink.getvalue()
    finally:
        sink.close()


__all__ = ["DownloadedChart", "download_chart"]
