"""`chartyard registry` against a live server and the real TLS registry."""

from __future__ import annotations

import uuid
from typing import Any

import yaml

from tests.cli.conftest import Cli, SyncedRegistry


def _row(rows: Any, name: str) -> dict[str, Any]:
    found = [r for r in rows if r["metadata"]["name"] == name]
    assert len(found) == 1, rows
    return dict(found[0])


def test_add_reads_password_from_stdin_and_ca_from_file(synced: SyncedRegistry) -> None:
    reg = synced.charts.registry
    assert synced.added.code == 0, synced.added
    assert f"Registry '{synced.name}' created" in synced.added.out
    assert reg.password and reg.password not in synced.added.out + synced.added.err


def test_sync_wait_completes_with_the_pushed_charts(synced: SyncedRegistry) -> None:
    assert synced.synced.code == 0, synced.synced
    assert f"Sync of '{synced.name}' completed" in synced.synced.out
    assert "3 chart versions in 2 repositories" in synced.synced.out


def test_list_and_show_as_json_and_yaml(cli: Cli, synced: SyncedRegistry) -> None:
    row = _row(cli("registry", "list", "-o", "json").json(), synced.name)
    assert row["spec"]["chartCount"] == 2
    assert row["status"]["syncStatus"]["status"] == "Completed"
    assert row["status"]["syncStatus"]["progress"]["chartVersions"] == 3

    shown = cli("registry", "show", synced.name, "--output", "yaml")
    assert shown.code == 0, shown
    body = yaml.safe_load(shown.out)
    assert body["metadata"]["uid"] == row["metadata"]["uid"]
    assert body["spec"]["auth"]["passwordSet"] is True
    assert body["spec"]["auth"]["tls"]["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert body["spec"]["baseContentPath"] == synced.charts.prefix  # a string, as in Palette
    reg = synced.charts.registry
    assert reg.password and reg.password not in shown.out

    by_uid = cli("registry", "show", row["metadata"]["uid"], "-o", "json").json()
    assert by_uid["metadata"]["name"] == synced.name  # type: ignore[index]

    table = cli("registry", "list")
    assert table.code == 0, table
    assert synced.name in table.out and "Completed" in table.out


def test_sync_without_wait_returns_at_once(cli: Cli, synced: SyncedRegistry) -> None:
    r = cli("registry", "sync", synced.name, "-o", "json")
    status = r.json()
    assert status["status"] in ("Pending", "InProgress", "Completed")  # type: ignore[index]


def test_wrong_password_fails_validation_with_its_code(cli: Cli, synced: SyncedRegistry) -> None:
    reg = synced.charts.registry
    assert reg.ca_file and reg.username
    r = cli("registry", "add", "basic", "--name", "wrong-pass", "--endpoint", reg.url,
            "--username", reg.username, "--password-stdin", "--ca-file", reg.ca_file,
            "--no-sync", input="Wrong-Password-987\n")
    assert r.code == 1, r
    assert "AuthenticationFailed" in r.err
    assert "Wrong-Password-987" not in r.out + r.err
    assert "wrong-pass" not in str(cli("registry", "list", "-o", "json").json())


def test_validate_and_sync_report_revoked_credentials(cli: Cli, synced: SyncedRegistry) -> None:
    reg = synced.charts.registry
    assert reg.ca_file
    user, password = f"cli-{uuid.uuid4().hex[:6]}", f"pw-{uuid.uuid4().hex}"
    reg.set_user(user, password)
    name = f"revoked-{uuid.uuid4().hex[:6]}"
    try:
        added = cli("registry", "add", "basic", "--name", name, "--endpoint", reg.url,
                    "--username", user, "--password-stdin", "--ca-file", reg.ca_file,
                    "--base-path", synced.charts.prefix, input=password + "\n")
        assert added.code == 0, added
        first = cli("registry", "sync", name, "--wait")  # let the first sync end before revoking
        assert first.code == 0, first
        ok = cli("registry", "validate", name)
        assert ok.code == 0, ok
        assert "is valid" in ok.out
        reg.remove_user(user)

        failed = cli("registry", "validate", name)
        assert failed.code == 1, failed
        assert "AuthenticationFailed" in failed.err

        sync = cli("registry", "sync", name, "--wait")
        assert sync.code == 1, sync
        shown: Any = cli("registry", "show", name, "-o", "json").json()
        status = shown["status"]["syncStatus"]
        assert status["status"] == "Failed"
        assert status["reason"] and f"Error: {status['reason']}: " in sync.err
        assert password not in sync.out + sync.err
    finally:
        reg.remove_user(user)
    deleted = cli("registry", "delete", name)
    assert deleted.code == 0, deleted
    assert name not in str(cli("registry", "list", "-o", "json").json())


def test_unknown_registry_is_resource_not_found(cli: Cli) -> None:
    r = cli("registry", "show", "no-such-registry")
    assert r.code == 1, r
    assert "ResourceNotFound" in r.err and "no-such-registry" in r.err


def test_server_validation_errors_name_the_field(cli: Cli) -> None:
    r = cli("registry", "add", "ecr", "--name", "ecr-bad-role",
            "--endpoint", "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "--role-arn", "not-an-arn", "--no-sync")
    assert r.code == 1, r
    assert "ValidationError" in r.err and "spec.credentials.sts.arn" in r.err

    r = cli("registry", "add", "basic", "--name", "sync-without-paths",
            "--endpoint", "https://127.0.0.1:9", "--sync")
    assert r.code == 1, r
    assert "ValidationError" in r.err and "spec.baseContentPath" in r.err


def test_usage_error_exits_2(cli: Cli) -> None:
    missing = cli("registry", "add", "basic", "--name", "x")
    assert missing.code == 2, missing
    assert "--endpoint" in missing.err
