"""Listing repositories, tags and digests from ECR against a real moto server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chartyard.aws import EcrClient, RepositoryNotFound
from chartyard.oci import NotFound
from tests.aws.conftest import ACCOUNT, AwsEnv, CallCounter, answer, digest_of, put_chart

HookedSession = Callable[..., tuple[Any, CallCounter]]
REPOSITORIES = ["team-a/nginx", "team-a/infra/redis", "team-a", "team-ab/x", "other/y"]


@pytest.fixture
def seeded(ecr_admin: Any) -> Any:
    for name in REPOSITORIES:
        ecr_admin.create_repository(repositoryName=name)
    return ecr_admin


@pytest.mark.parametrize(
    ("bases", "expected"),
    [
        (["team-a"], ["team-a", "team-a/infra/redis", "team-a/nginx"]),
        (["team-a/"], ["team-a", "team-a/infra/redis", "team-a/nginx"]),
        (["/team-a/infra"], ["team-a/infra/redis"]),
        (["team-ab", "other"], ["other/y", "team-ab/x"]),
        (["team-a/nginx"], ["team-a/nginx"]),
        (["team"], []),
        ([], sorted(REPOSITORIES)),
        ([""], sorted(REPOSITORIES)),
    ],
)
def test_list_repositories_under_base_paths(
    seeded: Any, make_client: Callable[..., EcrClient], bases: list[str], expected: list[str]
) -> None:
    assert make_client().list_repositories(bases) == expected


def test_list_repositories_sends_registry_id_and_page_size(
    seeded: Any, make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session("ecr.DescribeRepositories")
    make_client(boto_session=session, page_size=2).list_repositories(["team-a"])
    assert calls.calls[0]["registryId"] == ACCOUNT
    assert calls.calls[0]["maxResults"] == 2


def test_list_repositories_follows_next_token(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    """moto ignores maxResults, so the pages come from a hook that answers like ECR does."""
    names = [f"team-a/chart-{i:03d}" for i in range(7)] + ["other/z"]
    seen: list[dict[str, Any]] = []

    def paged(params: dict[str, Any]) -> dict[str, Any]:
        body = json.loads(params["body"])
        seen.append(body)
        start = int(body.get("nextToken", "0"))
        size = body["maxResults"]
        page: dict[str, Any] = {
            "repositories": [{"repositoryName": name} for name in names[start : start + size]]
        }
        if start + size < len(names):
            page["nextToken"] = str(start + size)
        return page

    session = aws_env.session()
    answer(session, "ecr.DescribeRepositories", paged)
    result = make_client(boto_session=session, page_size=3).list_repositories(["team-a"])
    assert result == [f"team-a/chart-{i:03d}" for i in range(7)]
    assert [body.get("nextToken") for body in seen] == [None, "3", "6"]


def test_list_tags_excludes_untagged_images(
    seeded: Any, make_client: Callable[..., EcrClient]
) -> None:
    put_chart(seeded, "team-a/nginx", "1.0.0", digest_of(1))
    put_chart(seeded, "team-a/nginx", "1.1.0", digest_of(2))
    put_chart(seeded, "team-a/nginx", "latest", digest_of(2))  # second tag, same image
    put_chart(seeded, "team-a/nginx", "0.9.0", digest_of(3))
    put_chart(seeded, "team-a/nginx", None, digest_of(4))  # an untagged image
    every = seeded.list_images(repositoryName="team-a/nginx")["imageIds"]
    assert {"imageDigest": digest_of(4)} in every or any(
        image.get("imageTag") is None for image in every
    ), "moto should hold an untagged image"

    tags = make_client().list_tags("team-a/nginx")
    assert sorted(tags) == ["0.9.0", "1.0.0", "1.1.0", "latest"]
    assert len(tags) == len(set(tags))
    assert make_client().list_tags("team-a/nginx") == tags  # stable order


def test_list_tags_sends_tagged_filter(
    seeded: Any, make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session("ecr.ListImages")
    assert make_client(boto_session=session).list_tags("team-a/nginx") == []
    assert calls.calls[0]["filter"] == {"tagStatus": "TAGGED"}
    assert calls.calls[0]["registryId"] == ACCOUNT


def test_describe_tag_digests(seeded: Any, make_client: Callable[..., EcrClient]) -> None:
    put_chart(seeded, "team-a/nginx", "1.0.0", digest_of(1))
    put_chart(seeded, "team-a/nginx", "1.1.0", digest_of(2))
    put_chart(seeded, "team-a/nginx", "stable", digest_of(2))
    client = make_client()
    assert client.describe_tag_digests("team-a/nginx", ["1.1.0", "1.0.0", "1.1.0"]) == {
        "1.1.0": digest_of(2),
        "1.0.0": digest_of(1),
    }
    assert client.describe_tag_digests("team-a/nginx", []) == {}


def test_describe_tag_digests_skips_vanished_tags(
    seeded: Any, make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    """DescribeImages fails a whole batch for one missing tag; the others still resolve."""
    put_chart(seeded, "team-a/nginx", "1.0.0", digest_of(1))
    put_chart(seeded, "team-a/nginx", "2.0.0", digest_of(2))
    session, calls = hooked_session("ecr.DescribeImages")
    result = make_client(boto_session=session).describe_tag_digests(
        "team-a/nginx", ["1.0.0", "deleted", "2.0.0"]
    )
    assert result == {"1.0.0": digest_of(1), "2.0.0": digest_of(2)}
    assert len(calls) == 2  # the failed batch, then one listing of tagged images
    assert calls.calls[1]["filter"] == {"tagStatus": "TAGGED"}


def test_describe_tag_digests_batches_by_100(
    seeded: Any, make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    for i in range(205):
        put_chart(seeded, "other/y", f"0.0.{i}", digest_of(1000 + i))
    tags = [f"0.0.{i}" for i in range(205)]
    session, calls = hooked_session("ecr.DescribeImages")
    result = make_client(boto_session=session).describe_tag_digests("other/y", tags)
    assert result == {f"0.0.{i}": digest_of(1000 + i) for i in range(205)}
    assert list(result) == tags
    assert [len(call["imageIds"]) for call in calls.calls] == [100, 100, 5]


def test_missing_repository_is_not_found(
    seeded: Any, make_client: Callable[..., EcrClient]
) -> None:
    client = make_client()
    with pytest.raises(RepositoryNotFound) as excinfo:
        client.list_tags("team-a/missing")
    assert isinstance(excinfo.value, NotFound)
    assert "team-a/missing" in str(excinfo.value)
    with pytest.raises(NotFound):
        client.describe_tag_digests("team-a/missing", ["1.0.0"])
