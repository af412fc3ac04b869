"""Tests for chart version handling: tags, validity, ordering, suggestions."""

from __future__ import annotations

import random

import pytest

from chartyard.helm import (
    is_semver,
    nearest_versions,
    sort_versions_desc,
    tag_to_version,
    version_sort_key,
    version_to_tag,
)


@pytest.mark.parametrize(
    "tag,version",
    [
        ("1.0.0", "1.0.0"),
        ("1.0.0_build.1", "1.0.0+build.1"),
        ("1.0.0-rc.1_sha.abc-def", "1.0.0-rc.1+sha.abc-def"),
        ("v61.2.0", "v61.2.0"),
    ],
)
def test_tag_version_mapping_round_trips(tag: str, version: str) -> None:
    assert tag_to_version(tag) == version
    assert version_to_tag(version) == tag


@pytest.mark.parametrize(
    "version",
    [
        "0.0.0",
        "1.2.3",
        "v1.2.3",
        "1.0.0-rc.1",
        "1.0.0-0.3.7",
        "1.0.0-x-y.z",
        "1.0.0+001",
        "v1.0.0-a+b",
    ],
)
def test_is_semver_accepts(version: str) -> None:
    assert is_semver(version)


@pytest.mark.parametrize(
    "version",
    [
        "",
        "1.2",  # Masterminds accepts partial versions; SemVer 2 does not
        "1",
        "V1.2.3",
        "vv1.2.3",
        "01.2.3",
        "1.0.0-01",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-a..b",
        " 1.2.3",
        "1.2.3\n",
        "1.0.0_build.1",  # a tag, not a version
        "latest",
        "9" * 5000 + ".0.0",  # int() refuses this many digits
    ],
)
def test_is_semver_rejects(version: str) -> None:
    assert not is_semver(version)


def test_sort_table_from_brief() -> None:
    versions = ["1.10.0", "1.9.0", "1.0.0-rc.1", "1.0.0", "1.0.0+b2", "bogus"]
    assert sort_versions_desc(versions) == [
        "1.10.0",
        "1.9.0",
        "1.0.0+b2",
        "1.0.0",
        "1.0.0-rc.1",
        "bogus",
    ]


def test_sort_follows_semver_precedence_for_prereleases() -> None:
    # The SemVer 2 spec's own example, section 11.
    ascending = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]
    shuffled = ascending[:]
    random.Random(7).shuffle(shuffled)
    assert sort_versions_desc(shuffled) == ascending[::-1]


def test_sort_numeric_identifiers_compare_numerically_and_below_alphanumeric() -> None:
    assert sort_versions_desc(["1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-99999999999999999999"]) == [
        "1.0.0-a",
        "1.0.0-99999999999999999999",
        "1.0.0-10",
        "1.0.0-2",
    ]


def test_sort_v_prefix_orders_with_plain_versions() -> None:
    assert sort_versions_desc(["v2.0.0", "1.5.0", "v1.0.0", "3.0.0-rc.1"]) == [
        "3.0.0-rc.1",
        "v2.0.0",
        "1.5.0",
        "v1.0.0",
    ]


def test_sort_build_metadata_breaks_ties_deterministically() -> None:
    assert sort_versions_desc(["1.0.0+b.10", "1.0.0", "1.0.0+b.2", "1.0.0+a"]) == [
        "1.0.0+b.10",
        "1.0.0+b.2",
        "1.0.0+a",
        "1.0.0",
    ]


def test_sort_invalid_versions_last_alphabetically() -> None:
    assert sort_versions_desc(["stable", "0.0.1", "latest", "1.2", "dev", "latest-x"]) == [
        "0.0.1",
        "1.2",
        "dev",
        "latest",
        "latest-x",
        "stable",
    ]


def test_sort_key_is_a_total_order() -> None:
    versions = [
        "1.0.0",
        "v1.0.0",
        "1.0.0+001",
        "1.0.0+1",
        "1.0.0-rc.1",
        "bogus",
        "",
        "1.2",
        "2.0.0",
    ]
    keys = [version_sort_key(v) for v in versions]
    assert len(set(keys)) == len(versions)  # distinct strings never tie
    expected = sorted(versions, key=version_sort_key)
    rng = random.Random(42)
    for _ in range(20):
        rng.shuffle(versions)
        assert sorted(versions, key=version_sort_key) == expected


def test_sort_key_reverse_matches_sort_versions_desc() -> None:
    versions = ["2.0.0", "bogus", "1.0.0", "alpha", "1.0.0-rc.1"]
    assert sorted(versions, key=version_sort_key, reverse=True) == sort_versions_desc(versions)
    assert sorted(versions, key=version_sort_key)[:2] == ["bogus", "alpha"]


def test_nearest_versions_prefers_same_minor_then_releases() -> None:
    available = ["61.2.0", "61.3.0", "61.2.5", "60.9.9", "latest", "61.2.0-rc.1", "62.0.0"]
    assert nearest_versions("61.2.1", available) == ["61.2.0", "61.2.5", "61.3.0"]
    # Pre-releases come after every release; non-semver tags never appear.
    assert nearest_versions("61.2.1", available, n=10) == [
        "61.2.0",
        "61.2.5",
        "61.3.0",
        "62.0.0",
        "60.9.9",
        "61.2.0-rc.1",
    ]


def test_nearest_versions_partial_target_prefers_newest_match() -> None:
    available = ["61.1.0", "61.2.0", "61.2.3", "70.0.0"]
    assert nearest_versions("61.2", available, n=2) == ["61.2.3", "61.2.0"]
    assert nearest_versions("v70", available, n=1) == ["70.0.0"]


def test_nearest_versions_prerelease_target_keeps_prereleases() -> None:
    available = ["2.0.0-rc.2", "1.9.0", "2.0.0-rc.1"]
    assert nearest_versions("2.0.0-rc.3", available, n=2) == ["2.0.0-rc.2", "2.0.0-rc.1"]


def test_nearest_versions_understands_tag_spelling() -> None:
    assert nearest_versions("1.0.0_build.1", ["1.0.0_build.2", "3.0.0"], n=1) == ["1.0.0_build.2"]


def test_nearest_versions_non_version_target_uses_similarity() -> None:
    assert nearest_versions("lates", ["1.0.0", "latest", "stable"]) == ["latest"]
    assert nearest_versions("zzzz", ["1.0.0", "latest"]) == []


def test_nearest_versions_edge_cases() -> None:
    assert nearest_versions("1.0.0", []) == []
    assert nearest_versions("1.0.0", ["1.0.1"], n=0) == []
    assert nearest_versions("1.0.0", ["1.0.1", "1.0.1", "1.0.2"]) == ["1.0.1", "1.0.2"]
