"""Classic Helm repositories (an ``index.yaml`` over HTTP): pure protocol, no web or DB imports.

- `parse_repo_url`: the repository URL as ``helm repo add`` takes it;
- `HelmRepoClient.fetch_index`: a conditional GET (``If-None-Match`` /
  ``If-Modified-Since``; a sha256 of the body where the server sends neither),
  streamed to a temp file under ``max_index_bytes``;
- `iter_index` / `IndexDownload.entries`: a streaming, bounded parser that yields
  one `IndexEntry` per chart version (see ``_index`` for what it does not support);
- `HelmRepoClient.get_chart`: the chart archive, digest-checked against the index;
- credentials only for the repository's origin unless ``pass_credentials_all_domains``;
  the egress guard, per-registry TLS and retry loop of `chartyard.http` on every connection.
"""

from ._client import (
    HelmRepoClient,
    IndexDownload,
    IndexValidators,
    OriginBasicAuth,
    check_chart_hosts,
    read_chart,
)
from ._download import DownloadedChart, download_chart
from ._errors import ChartDigestMismatch, IndexTooLarge, InvalidIndex, UnsupportedChartURL
from ._index import IndexEntry, IndexLimits, IndexParser, iter_index
from ._url import INDEX_FILE, RepoURL, parse_repo_url

__all__ = [
    "INDEX_FILE",
    "ChartDigestMismatch",
    "DownloadedChart",
    "HelmRepoClient",
    "IndexDownload",
    "IndexEntry",
    "IndexLimits",
    "IndexParser",
    "IndexTooLarge",
    "IndexValidators",
    "InvalidIndex",
    "OriginBasicAuth",
    "RepoURL",
    "UnsupportedChartURL",
    "check_chart_hosts",
    "download_chart",
    "iter_index",
    "parse_repo_url",
    "read_chart",
]
