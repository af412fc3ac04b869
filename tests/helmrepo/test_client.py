"""The Helm repository client against real nginx, with charts made by real helm."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartyard.helm import ChartArchiveError, ChartArchiveLimits
from chartyard.helmrepo import (
    ChartDigestMismatch,
    HelmRepoClient,
    IndexEntry,
    IndexLimits,
    IndexTooLarge,
    InvalidIndex,
    check_chart_hosts,
)
from chartyard.oci import (
    AuthenticationFailed,
    BasicCredentials,
    BudgetPolicy,
    ClientLimits,
    EgressDenied,
    EgressPolicy,
    HostBudgets,
    NotFound,
    RegistryUnreachable,
    ServerError,
    TLSConfig,
    TLSVerificationFailed,
)
from tests.harness.helm import Helm
from tests.harness.helm_repo import package, publish, repo_index
from tests.harness.nginx import DEFAULT_PASSWORD, DEFAULT_USER, NginxServer

CREDS = BasicCredentials(DEFAULT_USER, DEFAULT_PASSWORD)
FAST = ClientLimits(max_retries=1, backoff_base=0.05, backoff_max=0.1, read_timeout=3.0,
                    connect_timeout=3.0)


@pytest.fixture
def prefix() -> str:
    return f"r{uuid.uuid4().hex[:10]}"


def tls_client(server: NginxServer, path: str, **kwargs: object) -> HelmRepoClient:
    return HelmRepoClient(server.url + path, kwargs.pop("credentials", CREDS),  # type: ignore[arg-type]
                          TLSConfig(ca_pem=server.ca_pem), limits=FAST, **kwargs)  # type: ignore[arg-type]


async def entries_of(client: HelmRepoClient) -> list[IndexEntry]:
    with await client.fetch_index() as download:
        return await asyncio.to_thread(lambda: list(download.entries()))


@pytest.fixture
def tls_repo(tls_helm_repo: NginxServer, helm: Helm, prefix: str) -> Iterator[Path]:
    """Three charts in ``<prefix>/`` of the TLS repository, indexed with absolute URLs."""
    directory = tls_helm_repo.path(f"{prefix}/index.yaml").parent
    publish(helm, directory, [("alpha", "1.0.0"), ("alpha", "1.1.0"), ("beta", "0.1.0")],
            tls_helm_repo.url + prefix, readme="# alpha readme\n")
    yield directory


def test_tls_basic_auth_index_and_chart(tls_helm_repo: NginxServer, tls_repo: Path,
                                        prefix: str) -> None:
    async def run() -> None:
        async with tls_client(tls_helm_repo, prefix) as client:
            entries = await entries_of(client)
            assert sorted((e.name, e.version) for e in entries) == [
                ("alpha", "1.0.0"), ("alpha", "1.1.0"), ("beta", "0.1.0")]
            alpha = next(e for e in entries if e.version == "1.1.0")
            tgz = (tls_repo / "alpha-1.1.0.tgz").read_bytes()
            assert alpha.digest == "sha256:" + hashlib.sha256(tgz).hexdigest()
            assert alpha.url == f"{tls_helm_repo.url}{prefix}/alpha-1.1.0.tgz"
            assert alpha.created and alpha.app_version == "1.0.0"
            assert alpha.maintainers == [{"name": "chartyard", "email": "ci@example.com"}]
            assert await client.get_chart(alpha) == tgz
            files = await client.read_chart(alpha)
            assert files.readme == "# alpha readme\n"
            assert files.values_yaml is not None and "greeting" in files.values_yaml
            assert await client.validate() == 3

    asyncio.run(run())
    users = {user for _, uri, _, user in tls_helm_repo.requests(f"/{prefix}/", at_least=3)}
    assert users == {DEFAULT_USER}


def test_no_change_resync_is_one_request_answered_304(tls_helm_repo: NginxServer,
                                                      tls_repo: Path, prefix: str,
                                                      helm: Helm) -> None:
    async def run() -> None:
        async with tls_client(tls_helm_repo, prefix) as client:
            with await client.fetch_index() as first:
                assert first.changed and first.status == 200
                assert first.validators.etag and first.validators.last_modified
            before = client.stats.total
            with await client.fetch_index(first.validators) as again:
                assert not again.changed and again.status == 304
                assert again.validators == first.validators
            assert client.stats.total - before == 1
            logged = tls_helm_repo.requests(f"/{prefix}/index.yaml", at_least=client.stats.total)
            assert [status for _, _, status, _ in logged][-1] == 304
            package(helm, "gamma", "2.0.0", tls_repo)
            repo_index(helm, tls_repo, tls_helm_repo.url + prefix)
            with await client.fetch_index(first.validators) as changed:
                assert changed.changed and changed.status == 200
                names = {e.name for e in changed.entries()}
            assert names == {"alpha", "beta", "gamma"}

    asyncio.run(run())


def test_without_validators_the_body_digest_decides(tls_helm_repo: NginxServer,
                                                    tls_repo: Path, prefix: str) -> None:
    async def run() -> None:
        async with tls_client(tls_helm_repo, f"_novalidators/{prefix}") as client:
            with await client.fetch_index() as first:
                assert first.changed
                assert first.validators.etag is None and first.validators.last_modified is None
            before = client.stats.total
            with await client.fetch_index(first.validators) as again:
                assert not again.changed and again.status == 200
            assert client.stats.total - before == 1
            (tls_repo / "index.yaml").write_text(
                (tls_repo / "index.yaml").read_text() + "# changed\n")
            with await client.fetch_index(first.validators) as changed:
                assert changed.changed

    asyncio.run(run())


def test_plain_repository_with_relative_urls(plain_helm_repo: NginxServer, helm: Helm,
                                             prefix: str) -> None:
    directory = plain_helm_repo.path(f"{prefix}/index.yaml").parent
    publish(helm, directory, [("plain", "3.2.1")], url=None)

    async def run() -> None:
        async with HelmRepoClient(plain_helm_repo.url + prefix + "/index.yaml",
                                  limits=FAST) as client:
            [entry] = await entries_of(client)
            assert entry.url == f"{plain_helm_repo.url}{prefix}/plain-3.2.1.tgz"
            files = await client.read_chart(entry)
            assert files.chart_yaml is not None and "plain" in files.chart_yaml

    asyncio.run(run())


def test_credentials_only_for_the_index_origin(tls_helm_repo: NginxServer, harness_dir: Path,
                                               helm: Helm, prefix: str) -> None:
    """Charts on another host get no credentials unless pass-credentials-to-all is set."""
    with NginxServer(users={DEFAULT_USER: DEFAULT_PASSWORD}, base_dir=harness_dir) as other:
        charts = other.path(f"{prefix}/x").parent
        package(helm, "elsewhere", "1.0.0", charts)
        repo_index(helm, charts, other.url + prefix)
        tls_helm_repo.path(f"{prefix}/index.yaml").write_bytes(
            (charts / "index.yaml").read_bytes())

        async def run(all_domains: bool) -> bytes:
            async with tls_client(tls_helm_repo, prefix,
                                  pass_credentials_all_domains=all_domains) as client:
                [entry] = await entries_of(client)
                assert entry.url.startswith(other.url)
                return await client.get_chart(entry)

        with pytest.raises(AuthenticationFailed) as caught:
            asyncio.run(run(False))
        assert "requires credentials" in caught.value.message
        assert other.requests(f"/{prefix}/", at_least=1)[-1][2:] == (401, "-")
        assert asyncio.run(run(True)) == (charts / "elsewhere-1.0.0.tgz").read_bytes()
        assert other.requests(f"/{prefix}/", at_least=2)[-1][2:] == (200, DEFAULT_USER)


def test_http_failures(tls_helm_repo: NginxServer, tls_repo: Path, prefix: str) -> None:
    async def fetch(path: str, **kwargs: object) -> None:
        async with tls_client(tls_helm_repo, path, **kwargs) as client:
            (await client.fetch_index()).close()

    with pytest.raises(NotFound) as missing:
        asyncio.run(fetch(f"{prefix}/nothing-here"))
    assert "repository URL that helm repo add takes" in missing.value.message
    with pytest.raises(ServerError) as broken:
        asyncio.run(fetch("_status/500/repo"))
    assert "kept answering 500" in broken.value.message
    assert [s for _, _, s, _ in tls_helm_repo.requests("/_status/500/", at_least=2)] == [500, 500]
    with pytest.raises(AuthenticationFailed, match="rejected the credentials for user"):
        asyncio.run(fetch(prefix, credentials=BasicCredentials(DEFAULT_USER, "wrong")))
    with pytest.raises(AuthenticationFailed, match="requires credentials"):
        asyncio.run(fetch(prefix, credentials=None))

    async def untrusted(insecure: bool) -> None:
        async with HelmRepoClient(tls_helm_repo.url + prefix, CREDS,
                                  TLSConfig(insecure_skip_verify=insecure),
                                  limits=FAST) as client:
            (await client.fetch_index()).close()

    with pytest.raises(TLSVerificationFailed) as tls:
        asyncio.run(untrusted(False))
    assert "chartyard-test-ca-nginx" in (tls.value.issuer or "")
    asyncio.run(untrusted(True))


def test_timeout(tls_helm_repo: NginxServer, tls_repo: Path, prefix: str) -> None:
    async def fetch() -> None:
        async with tls_client(tls_helm_repo, prefix) as client:
            (await client.fetch_index()).close()

    tls_helm_repo.pause()
    try:
        with pytest.raises(RegistryUnreachable) as caught:
            asyncio.run(fetch())
    finally:
        tls_helm_repo.resume()
    assert caught.value.reason == "timeout"
    assert "did not answer in time" in caught.value.message


def test_digest_mismatch_names_the_chart(tls_helm_repo: NginxServer, tls_repo: Path,
                                         prefix: str, helm: Helm) -> None:
    package(helm, "alpha", "1.0.0", tls_repo / "other", description="tampered")
    (tls_repo / "alpha-1.0.0.tgz").write_bytes((tls_repo / "other/alpha-1.0.0.tgz").read_bytes())

    async def run() -> None:
        async with tls_client(tls_helm_repo, prefix) as client:
            entry = next(e for e in await entries_of(client) if e.version == "1.0.0")
            await client.get_chart(entry)

    with pytest.raises(ChartDigestMismatch) as caught:
        asyncio.run(run())
    assert "chart alpha 1.0.0" in caught.value.message
    assert caught.value.details["chart"] == "alpha 1.0.0"


def test_cloud_metadata_chart_url_is_refused(plain_helm_repo: NginxServer, prefix: str) -> None:
    plain_helm_repo.path(f"{prefix}/index.yaml").write_text(
        "apiVersion: v1\nentries:\n  ok:\n  - {version: 1.0.0, urls: [ok-1.0.0.tgz]}\n"
        "  steal:\n  - version: 1.0.0\n"
        "    urls: ['http://169.254.169.254/latest/meta-data/steal-1.0.0.tgz']\n")

    async def run() -> list[IndexEntry]:
        async with HelmRepoClient(plain_helm_repo.url + prefix, limits=FAST) as client:
            entries = await entries_of(client)
            with pytest.raises(EgressDenied) as download:
                await client.get_chart(entries[1])
            assert "169.254.169.254" in download.value.message
            return entries

    entries = asyncio.run(run())
    with pytest.raises(EgressDenied) as caught:
        asyncio.run(check_chart_hosts(entries, EgressPolicy()))
    assert "chart steal 1.0.0" in caught.value.message
    assert "cloud metadata" in caught.value.message

    async def index_at_metadata() -> None:
        async with HelmRepoClient("http://169.254.169.254/charts", limits=FAST) as client:
            await client.fetch_index()

    with pytest.raises(EgressDenied):
        asyncio.run(index_at_metadata())


def test_served_bad_indexes(plain_helm_repo: NginxServer, prefix: str) -> None:
    bomb = ['apiVersion: v1\nx0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    bomb += [f"x{i}: &a{i} [{','.join([f'*a{i - 1}'] * 8)}]\n" for i in range(1, 9)]
    documents = {
        "html": "<!DOCTYPE html><html><body>Welcome to our charts!</body></html>\n",
        "bomb": "".join(bomb) + "entries: {}\n",
        "nourls": "apiVersion: v1\nentries:\n  lost:\n  - {name: lost, version: 0.0.1}\n",
    }
    for name, text in documents.items():
        plain_helm_repo.path(f"{prefix}/{name}/index.yaml").write_text(text)

    async def parse(name: str) -> None:
        async with HelmRepoClient(f"{plain_helm_repo.url}{prefix}/{name}",
                                  limits=FAST) as client:
            await entries_of(client)

    with pytest.raises(InvalidIndex, match="not a Helm repository index"):
        asyncio.run(parse("html"))
    with pytest.raises(IndexTooLarge, match="YAML bomb"):
        asyncio.run(parse("bomb"))
    with pytest.raises(InvalidIndex, match=r"chart lost 0\.0\.1 .* has no urls"):
        asyncio.run(parse("nourls"))


def test_size_caps(tls_helm_repo: NginxServer, tls_repo: Path, prefix: str) -> None:
    async def run() -> None:
        async with tls_client(tls_helm_repo, prefix,
                              index_limits=IndexLimits(max_index_bytes=200)) as client:
            await client.fetch_index()

    with pytest.raises(IndexTooLarge) as caught:
        asyncio.run(run())
    assert caught.value.limit == "max_index_bytes"
    assert "larger than 200 bytes" in caught.value.message

    async def chart() -> None:
        async with tls_client(tls_helm_repo, prefix,
                              archive_limits=ChartArchiveLimits(max_compressed=100)) as client:
            await client.get_chart((await entries_of(client))[0])

    from chartyard.oci import TooLarge

    with pytest.raises(TooLarge, match="max_compressed"):
        asyncio.run(chart())
    _ = ChartArchiveError  # archive errors are covered in tests/helm


def test_clients_of_one_host_share_its_in_flight_budget(tls_helm_repo: NginxServer,
                                                        tls_repo: Path, prefix: str) -> None:
    """Two clients (a sync and a chart page, say) never exceed the host's one budget."""
    budgets = HostBudgets(BudgetPolicy.fixed(1))

    async def run() -> None:
        async with tls_client(tls_helm_repo, prefix, budgets=budgets) as first, \
                tls_client(tls_helm_repo, prefix, budgets=budgets) as second:
            entries = await entries_of(first)
            await asyncio.gather(*(client.get_chart(entry) for client in (first, second)
                                   for entry in entries for _ in range(2)))
            assert first.stats.total == 1 + 2 * len(entries)
            assert second.stats.total == 2 * len(entries)

    asyncio.run(run())
    (budget,) = (budgets.for_host(h) for h in budgets.snapshot())
    assert budget.peak == 1  # 13 requests from two clients, never two at once
    assert budget.in_flight == 0
