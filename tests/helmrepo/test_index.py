"""The streaming index parser on hand-written and hostile documents (no network)."""

from __future__ import annotations

import io

import pytest

from chartyard.helmrepo import (
    IndexEntry,
    IndexLimits,
    IndexTooLarge,
    InvalidIndex,
    iter_index,
    parse_repo_url,
)

REPO = parse_repo_url("https://charts.example.com/stable")
HEX = "ab" * 32


def parse(text: str, limits: IndexLimits = IndexLimits()) -> list[IndexEntry]:
    return list(iter_index(io.BytesIO(text.encode()), REPO, limits))


def index(entries: str) -> str:
    return f"apiVersion: v1\nentries:\n{entries}generated: '2024-01-01T00:00:00Z'\n"


def test_fields_urls_digest_and_text_versions() -> None:
    [nginx, redis] = parse(index(f"""\
  nginx:
  - name: nginx
    version: 1.10
    appVersion: 1.0
    description: web server
    keywords: [web, proxy]
    icon: https://example.com/nginx.png
    home: https://nginx.org
    sources: [https://github.com/nginx/nginx]
    maintainers:
    - name: ops
      email: ops@example.com
    created: "2024-05-01T10:11:12.5Z"
    digest: {HEX.upper()}
    deprecated: yes
    urls: [charts/nginx-1.10.tgz]
  redis:
  - version: 2.0.0
    urls: ["https://cdn.example.net/redis-2.0.0.tgz", mirror/redis-2.0.0.tgz]
"""))
    assert nginx.name == "nginx" and nginx.version == "1.10"  # text, not the float 1.1
    assert nginx.app_version == "1.0"
    assert nginx.description == "web server"
    assert nginx.keywords == ["web", "proxy"]
    assert nginx.icon == "https://example.com/nginx.png"
    assert nginx.home == "https://nginx.org"
    assert nginx.sources == ["https://github.com/nginx/nginx"]
    assert nginx.maintainers == [{"name": "ops", "email": "ops@example.com"}]
    assert nginx.created == "2024-05-01T10:11:12.5Z"
    assert nginx.digest == f"sha256:{HEX}"
    assert nginx.metadata["deprecated"] is True
    assert nginx.url == "https://charts.example.com/stable/charts/nginx-1.10.tgz"
    assert redis.urls == ("https://cdn.example.net/redis-2.0.0.tgz",
                          "https://charts.example.com/stable/mirror/redis-2.0.0.tgz")
    assert redis.digest is None and redis.metadata["name"] == "redis"


def test_relative_urls_keep_the_repository_query() -> None:
    repo = parse_repo_url("https://charts.example.com/repo/index.yaml?sig=abc")
    assert repo.url == "https://charts.example.com/repo/?sig=abc"
    assert repo.index_url == "https://charts.example.com/repo/index.yaml?sig=abc"
    assert repo.resolve("a-1.0.0.tgz") == "https://charts.example.com/repo/a-1.0.0.tgz?sig=abc"
    assert repo.resolve("/abs/a.tgz") == "https://charts.example.com/abs/a.tgz?sig=abc"
    assert repo.resolve("http://other/a.tgz") == "http://other/a.tgz"


def test_empty_and_null_entries() -> None:
    assert parse("apiVersion: v1\nentries:\n") == []
    assert parse("apiVersion: v1\nentries: {}\n") == []
    assert parse("apiVersion: v1\nentries:\n  a: ~\n") == []


def test_json_index_is_yaml_too() -> None:
    [entry] = parse('{"apiVersion": "v1", "entries": {"a": [{"version": "1.0.0", '
                    '"urls": ["a-1.0.0.tgz"]}]}}')
    assert entry.url == "https://charts.example.com/stable/a-1.0.0.tgz"


@pytest.mark.parametrize(("text", "says"), [
    ("<html><body>Not Found</body></html>", "not a Helm repository index"),
    ("apiVersion: v1\nx: `bad\n", "not valid YAML at line 2"),
    ("key: [unclosed\n", "not valid YAML"),
    ("- a\n- b\n", "holds a list"),
    ("", "is empty"),
    ("entries: {}\n", "has no apiVersion"),
    ("apiVersion: v1\nentries: [a]\n", "must map chart names"),
    ("apiVersion: v1\nentries: {}\n---\napiVersion: v1\n", "more than one YAML document"),
    ("apiVersion: v1\nentries:\n  a:\n  - urls: [a.tgz]\n", "has no version"),
    ("apiVersion: v1\nentries:\n  a: {version: 1}\n", "must be a list of chart versions"),
    ("apiVersion: v1\nentries:\n  ? [x]\n  : []\n", "mapping or sequence as a key"),
    ("\xff\xfe\x00garbage", "not valid YAML"),
])
def test_not_an_index(text: str, says: str) -> None:
    with pytest.raises(InvalidIndex) as caught:
        parse(text)
    assert says in caught.value.message
    assert caught.value.code == "InvalidIndex"


def test_entry_without_urls_names_chart_and_field() -> None:
    with pytest.raises(InvalidIndex) as caught:
        parse(index("  ok:\n  - {version: 1.0.0, urls: [ok.tgz]}\n"
                    "  broken:\n  - name: broken\n    version: 2.1.0\n"))
    assert "chart broken 2.1.0" in caught.value.message
    assert "has no urls" in caught.value.message
    assert caught.value.field == "entries.broken[0].urls"
    with pytest.raises(InvalidIndex, match="has no urls"):
        parse(index("  broken:\n  - {version: 2.1.0, urls: []}\n"))


def test_bad_digest_and_bad_field_types_name_the_field() -> None:
    with pytest.raises(InvalidIndex) as caught:
        parse(index("  a:\n  - {version: 1.0.0, urls: [a.tgz], digest: nothex}\n"))
    assert caught.value.field == "entries.a[0].digest"
    with pytest.raises(InvalidIndex) as caught:
        parse(index("  a:\n  - {version: 1.0.0, urls: [a.tgz], keywords: {x: y}}\n"))
    assert caught.value.field == "entries.a[0].keywords"
    assert "chart a 1.0.0" in caught.value.message


def test_billion_laughs_is_refused() -> None:
    bomb = ['apiVersion: v1\nx0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        bomb.append(f"x{level}: &a{level} [{refs}]\n")
    bomb.append("entries: {}\n")
    with pytest.raises(IndexTooLarge) as caught:
        parse("".join(bomb))
    assert caught.value.limit == "max_entry_nodes"
    assert "YAML bomb" in caught.value.message


def test_bomb_inside_an_entry_and_alias_count() -> None:
    levels = ["  a:\n  - version: 1.0.0\n    urls: [a.tgz]\n    keywords: &k0 [x, x, x, x]\n"]
    levels += [f"    k{i}: &k{i} [*k{i - 1}, *k{i - 1}, *k{i - 1}, *k{i - 1}]\n"
               for i in range(1, 12)]
    with pytest.raises(IndexTooLarge, match="max_entry_nodes"):
        parse(index("".join(levels)))
    many = "".join(f"    k{i}: *k\n" for i in range(20))
    with pytest.raises(IndexTooLarge) as caught:
        parse(index(f"  a:\n  - version: 1.0.0\n    urls: [a.tgz]\n    x: &k v\n{many}"),
              IndexLimits(max_aliases=10))
    assert caught.value.limit == "max_aliases"


def test_small_aliases_are_fine() -> None:
    [a, b] = parse(index("  a:\n  - version: 1.0.0\n    urls: [a.tgz]\n"
                         "    maintainers: &team [{name: ops}]\n"
                         "  b:\n  - version: 1.0.0\n    urls: [b.tgz]\n"
                         "    maintainers: *team\n"))
    assert a.maintainers == b.maintainers == [{"name": "ops"}]


def test_depth_and_count_caps_name_the_limit() -> None:
    deep = "apiVersion: v1\nx: " + "[" * 40 + "]" * 40 + "\nentries: {}\n"
    with pytest.raises(IndexTooLarge) as caught:
        parse(deep)
    assert caught.value.limit == "max_depth"
    very_deep = "apiVersion: v1\nx: " + "[" * 5000 + "\n"
    with pytest.raises(IndexTooLarge, match="max_depth"):
        parse(very_deep)
    many = "".join(f"  - {{version: 1.0.{i}, urls: [a.tgz]}}\n" for i in range(6))
    with pytest.raises(IndexTooLarge) as caught:
        parse(index(f"  a:\n{many}"), IndexLimits(max_versions=5))
    assert caught.value.limit == "max_versions"
    assert "more than 5 chart versions" in caught.value.message


def test_entries_are_yielded_one_at_a_time() -> None:
    """A broken entry late in the index still lets earlier entries stream out first."""
    text = index("  a:\n  - {version: 1.0.0, urls: [a.tgz]}\n  b:\n  - {version: 1.0.0}\n")
    stream = iter_index(io.BytesIO(text.encode()), REPO)
    assert next(stream).name == "a"
    with pytest.raises(InvalidIndex):
        next(stream)


@pytest.mark.parametrize(("endpoint", "says"), [
    ("", "empty"),
    ("oci://ghcr.io/org/charts", "OCI Registries"),
    ("https://user:pw@charts.example.com", "must not carry a username"),
    ("https://charts.example.com/#x", "fragment"),
])
def test_bad_endpoints(endpoint: str, says: str) -> None:
    from chartyard.oci import InvalidEndpoint

    with pytest.raises(InvalidEndpoint, match=says):
        parse_repo_url(endpoint)


def test_endpoint_forms() -> None:
    assert parse_repo_url("charts.example.com").url == "https://charts.example.com/"
    assert parse_repo_url("http://127.0.0.1:8080/a/b/").url == "http://127.0.0.1:8080/a/b/"
    assert parse_repo_url("https://x.io/a/index.yaml").index_url == "https://x.io/a/index.yaml"
