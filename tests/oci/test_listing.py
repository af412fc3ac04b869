"""_catalog and tags/list: Link headers followed exactly as given, and their failure modes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from chartyard.oci import (
    CatalogUnsupported,
    ClientLimits,
    NotFound,
    ProtocolError,
    RegistryClient,
)

from ._fakes import REGISTRY, FakeRegistry, Sleeps

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler) -> RegistryClient:
    return RegistryClient(
        f"https://{REGISTRY}/org", transport=httpx.MockTransport(handler), _sleep=Sleeps()
    )


async def collect(client: RegistryClient, **kwargs: int) -> list[list[str]]:
    return [page async for page in client.catalog(**kwargs)]


def paged(pages: dict[str, tuple[list[str], str | None]], key: str = "repositories") -> Handler:
    """Serve ``pages`` keyed by path?query; each names its Link header value (or None)."""

    def handler(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode()
        items, link = pages[target]
        headers = {"Link": link} if link else {}
        return httpx.Response(200, json={key: items}, headers=headers)

    return handler


async def test_catalog_follows_relative_absolute_and_opaque_links_verbatim() -> None:
    seen: list[str] = []
    inner = paged(
        {
            "/v2/_catalog?n=2": (["a", "b"], '</v2/_catalog?last=b&n=2>; rel="next"'),
            "/v2/_catalog?last=b&n=2": (
                ["c", "d"],
                f'<https://{REGISTRY}/v2/_catalog?next_page=gAAA%2Fx%3D%3D,opaque>; rel="next"',
            ),
            "/v2/_catalog?next_page=gAAA%2Fx%3D%3D,opaque": (["e"], None),
        }
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return inner(request)

    async with client_with(handler) as client:
        pages = await collect(client, page_size=2)
    assert pages == [["a", "b"], ["c", "d"], ["e"]]
    # the opaque token went back byte for byte, and no last= was invented
    assert seen == [
        "/v2/_catalog?n=2",
        "/v2/_catalog?last=b&n=2",
        "/v2/_catalog?next_page=gAAA%2Fx%3D%3D,opaque",
    ]
    assert client.stats.catalog == 3


async def test_catalog_default_page_size_and_link_with_several_rels() -> None:
    handler = paged(
        {
            "/v2/_catalog?n=1000": (
                ["a"], '<https://x.test/docs>; rel="help", </p2>; rel="last next"'
            ),
            "/p2": (["b"], None),
        }
    )
    async with client_with(handler) as client:
        assert await collect(client) == [["a"], ["b"]]


async def test_catalog_link_loop_is_detected() -> None:
    handler = paged(
        {
            "/v2/_catalog?n=1000": (["a"], '</v2/_catalog?last=a>; rel="next"'),
            "/v2/_catalog?last=a": (["b"], '</v2/_catalog?n=1000>; rel="next"'),
        }
    )
    async with client_with(handler) as client:
        with pytest.raises(ProtocolError, match="loops back"):
            await collect(client)
        assert client.stats.catalog == 2


async def test_catalog_page_count_is_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("p", "0"))
        return httpx.Response(
            200, json={"repositories": [f"r{page}"]},
            headers={"Link": f'</v2/_catalog?p={page + 1}>; rel="next"'},
        )

    client = RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler),
        limits=ClientLimits(max_pages=5),
    )
    async with client:
        with pytest.raises(ProtocolError, match="more than 5 pages"):
            await collect(client)
        assert client.stats.catalog == 5


async def test_catalog_link_to_another_host_is_refused() -> None:
    handler = paged({"/v2/_catalog?n=1000": (["a"], '<https://evil.test/v2/_catalog>; rel="next"')})
    async with client_with(handler) as client:
        with pytest.raises(ProtocolError, match="off-site"):
            await collect(client)


@pytest.mark.parametrize("status", [401, 403, 404, 405])
async def test_catalog_refusals_are_catalog_unsupported(status: int) -> None:
    async with client_with(lambda request: httpx.Response(status)) as client:
        with pytest.raises(CatalogUnsupported) as info:
            await collect(client)
    assert f"answered {status}" in info.value.message
    assert "turn synchronization off or list the repositories explicitly" in info.value.message
    assert "registry.test/org" in info.value.message


async def test_catalog_html_body_is_catalog_unsupported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html>Welcome</html>")

    async with client_with(handler) as client:
        with pytest.raises(CatalogUnsupported, match="did not answer JSON"):
            await collect(client)


async def test_catalog_with_bearer_asks_for_the_catalog_scope() -> None:
    fake = FakeRegistry(auth="bearer")
    fake.tags["x"] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/_catalog" and request.headers.get("authorization"):
            return httpx.Response(200, json={"repositories": ["x"]})
        return fake.handle(request)

    async with client_with(handler) as client:
        assert await collect(client) == [["x"]]
    [token_request] = [r for r in fake.requests if r.url.path == "/token"]
    assert token_request.url.params["scope"] == "registry:catalog:*"


async def test_tags_null_is_empty() -> None:
    fake = FakeRegistry()
    fake.tags["org/app"] = None
    async with RegistryClient(f"https://{REGISTRY}", transport=fake.transport()) as client:
        assert await client.list_tags("org/app") == []


async def test_tags_follow_opaque_link_pages() -> None:
    handler = paged(
        {
            "/v2/org/app/tags/list": (
                ["1.0.0", "1.1.0"], '</v2/org/app/tags/list?n=2&next_page=Zm9v>; rel="next"'
            ),
            "/v2/org/app/tags/list?n=2&next_page=Zm9v": (["2.0.0"], None),
        },
        key="tags",
    )
    async with client_with(handler) as client:
        assert await client.list_tags("org/app") == ["1.0.0", "1.1.0", "2.0.0"]
        assert client.stats.tags == 2


async def test_tags_of_unknown_repository_is_not_found() -> None:
    fake = FakeRegistry()
    async with RegistryClient(f"https://{REGISTRY}", transport=fake.transport()) as client:
        with pytest.raises(NotFound) as info:
            await client.list_tags("org/missing")
    assert "NAME_UNKNOWN" in info.value.message
    assert info.value.details["registryCode"] == "NAME_UNKNOWN"


async def test_tags_with_wrong_shape_is_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"name": "org/app", "tags": [1, 2]})

    async with client_with(handler) as client:
        with pytest.raises(ProtocolError, match="list of strings"):
            await client.list_tags("org/app")


@pytest.mark.parametrize("name", ["Org/App", "../etc", "a//b", "", "org/app?x=1"])
async def test_invalid_repository_names_never_reach_the_wire(name: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    async with client_with(handler) as client:
        with pytest.raises(NotFound, match="not a valid repository name"):
            await client.list_tags(name)


async def test_stopping_catalog_iteration_early_sends_no_more_requests() -> None:
    handler = paged(
        {
            "/v2/_catalog?n=1000": (["a"], '</p2>; rel="next"'),
            "/p2": (["b"], None),
        }
    )
    async with client_with(handler) as client:
        async for page in client.catalog():
            assert page == ["a"]
            break
        assert client.stats.catalog == 1
