"""The moto harness itself: fails loudly when absent, resets, toggles IAM enforcement."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.conftest import AwsEnv
from tests.harness.components import MissingComponent
from tests.harness.moto_server import find_moto_server


def test_missing_moto_server_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingComponent, match="moto_server"):
        find_moto_server()


def test_reset_forgets_resources(aws_env: AwsEnv, ecr_admin: Any) -> None:
    ecr_admin.create_repository(repositoryName="to-forget")
    aws_env.server.reset()
    assert ecr_admin.describe_repositories()["repositories"] == []


def test_iam_enforcement_is_scoped(aws_env: AwsEnv) -> None:
    sts = aws_env.session().client("sts")
    with aws_env.server.iam_enforced(), pytest.raises(ClientError):
        sts.get_caller_identity()  # the environment's key is no IAM user in moto
    assert sts.get_caller_identity()["Account"] == "123456789012"
