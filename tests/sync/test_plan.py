"""Unit tests of `plan_repository`: the diff of remote tags against the catalog (pure)."""

from __future__ import annotations

from chartyard.sync.plan import Known, plan_repository

REPO = "org/app"


def test_empty_catalog_fetches_every_tag_in_remote_order() -> None:
    plan = plan_repository(REPO, ["2.0.0", "1.0.0"], {}, force=False)
    assert (plan.repository, plan.fetch, plan.drop, plan.recheck) == (
        REPO, ["2.0.0", "1.0.0"], [], [])


def test_known_tags_are_neither_fetched_nor_rechecked_without_force() -> None:
    known = {"1.0.0": Known(REPO, "sha256:a", "u1")}
    plan = plan_repository(REPO, ["1.0.0", "1.1.0"], known, force=False)
    assert plan.fetch == ["1.1.0"]
    assert plan.recheck == [] and plan.drop == []


def test_force_rechecks_every_known_remote_tag() -> None:
    one, two = Known(REPO, "sha256:a", "u1"), Known(REPO, "sha256:b", "u2")
    plan = plan_repository(REPO, ["1.0.0", "2.0.0", "3.0.0"], {"1.0.0": one, "2.0.0": two},
                           force=True)
    assert plan.fetch == ["3.0.0"]
    assert plan.recheck == [("1.0.0", one), ("2.0.0", two)]
    assert plan.drop == []


def test_tags_gone_from_the_registry_are_dropped() -> None:
    gone, kept = Known(REPO, "sha256:a", "u1"), Known(REPO, "sha256:b", "u2")
    plan = plan_repository(REPO, ["2.0.0"], {"1.0.0": gone, "2.0.0": kept}, force=False)
    assert plan.drop == [gone]
    assert plan.fetch == [] and plan.recheck == []


def test_ignored_artifacts_count_as_known() -> None:
    image = Known(REPO, "sha256:i", ignored_id=7)
    assert plan_repository(REPO, ["latest"], {"latest": image}, force=False).fetch == []
    assert plan_repository(REPO, [], {"latest": image}, force=False).drop == [image]


def test_duplicate_remote_tags_are_planned_once() -> None:
    plan = plan_repository(REPO, ["1.0.0", "1.0.0", "2.0.0", "1.0.0"], {}, force=False)
    assert plan.fetch == ["1.0.0", "2.0.0"]


def test_an_empty_repository_drops_everything_known() -> None:
    known = {"1.0.0": Known(REPO, "sha256:a", "u1"), "2.0.0": Known(REPO, "sha256:b", "u2")}
    plan = plan_repository(REPO, [], known, force=True)
    assert plan.drop == list(known.values())
    assert plan.fetch == [] and plan.recheck == []
