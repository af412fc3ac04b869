"""Repository and chart URLs: parse the endpoint, find index.yaml, resolve chart URLs."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from chartyard.oci import InvalidEndpoint

from ._errors import UnsupportedChartURL

INDEX_FILE = "index.yaml"


@dataclass(frozen=True)
class RepoURL:
    """A classic Helm repository: the directory URL that holds ``index.yaml``.

    ``url`` always ends in ``/`` so that relative chart URLs resolve under it,
    exactly as Helm's ``ResolveReferenceURL`` does.
    """

    url: str

    @property
    def index_url(self) -> str:
        """Return the URL of ``index.yaml`` (the repository's query string kept)."""
        parsed = httpx.URL(self.url)
        return str(parsed.copy_with(path=parsed.path + INDEX_FILE))

    @property
    def origin(self) -> tuple[str, str, int | None]:
        """Return (scheme, host, port) credentials are bound to."""
        return origin_of(httpx.URL(self.url))

    @property
    def display(self) -> str:
        """Return the URL without its query, for messages."""
        return str(httpx.URL(self.url).copy_with(query=None))

    def resolve(self, reference: str) -> str:
        """Resolve a chart URL from the index: absolute as given, else under the repository.

        Like Helm, the repository's query string is carried over to relative URLs
        (some repositories sign their URLs that way).
        """
        ref = httpx.URL(reference)
        if ref.is_absolute_url:
            return reference
        base = httpx.URL(self.url)
        joined = base.join(reference)
        if base.query and not joined.query:
            joined = joined.copy_with(query=base.query)
        return str(joined)


def parse_repo_url(endpoint: str) -> RepoURL:
    """Parse a repository endpoint as ``helm repo add`` takes it.

    ``https://charts.example.com/stable`` and ``.../stable/index.yaml`` name the same
    repository; a missing scheme means https. Credentials in the URL and fragments
    are refused: credentials belong in the registry's own fields.
    """
    text = endpoint.strip()
    if not text:
        raise InvalidEndpoint("the endpoint is empty; enter the repository URL, such as "
                              "https://charts.example.com/stable")
    if "://" not in text:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InvalidEndpoint(f"{endpoint!r} is not a URL ({exc}); enter the repository URL, "
                              "such as https://charts.example.com/stable") from exc
    if url.scheme not in ("http", "https"):
        raise InvalidEndpoint(f"{endpoint!r} uses {url.scheme}://; a Helm repository is "
                              "served over https:// (or http://); OCI registries belong "
                              "under OCI Registries")
    if not url.host:
        raise InvalidEndpoint(f"{endpoint!r} has no host name")
    if url.userinfo:
        raise InvalidEndpoint("the endpoint must not carry a username or password; enter "
                              "them as Username and Password instead")
    if url.fragment:
        raise InvalidEndpoint(f"{endpoint!r} has a #fragment; remove it")
    path = url.path
    if path.endswith("/" + INDEX_FILE):
        path = path[: -len(INDEX_FILE)]
    if not path.endswith("/"):
        path += "/"
    return RepoURL(str(url.copy_with(path=path)))


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    """Return (scheme, host, effective port) of a URL."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, port


def check_chart_url(url: str, *, chart: str) -> httpx.URL:
    """Return ``url`` parsed, or raise `UnsupportedChartURL` unless it is http(s)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UnsupportedChartURL(f"the URL of chart {chart} is not a valid URL ({exc}); "
                                  "fix the urls of this entry in index.yaml",
                                  {"chart": chart}) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UnsupportedChartURL(
            f"the URL of chart {chart} ({url[:200]}) is not an http:// or https:// URL; "
            "chartyard downloads charts of a Helm repository only over HTTP(S)",
            {"chart": chart, "url": url[:200]},
        )
    return parsed
