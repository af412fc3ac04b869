"""Argument handling that needs no server: usage errors exit 2, secrets are never flags."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chartyard.cli import app

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> CliRunner:
    monkeypatch.setenv("CHARTYARD_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CHARTYARD_API_KEY", "unused")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return CliRunner()


@pytest.mark.parametrize("args", [
    ["registry", "add", "basic", "--name", "x", "--endpoint", "https://h", "--username", "u",
     "--password", "secret"],
    ["registry", "add", "ecr", "--name", "e", "--endpoint", ECR, "--access-key", "AK",
     "--secret-key", "s"],
    ["login", "--username", "admin", "--password", "secret"],
])
def test_secrets_are_not_accepted_as_flags(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "No such option" in result.output


@pytest.mark.parametrize(("args", "blamed"), [
    (["registry", "add", "ecr", "--name", "e", "--endpoint", ECR, "--access-key", "AK",
      "--role-arn", "arn:aws:iam::123456789012:role/r"], "--role-arn"),
    (["registry", "add", "ecr", "--name", "e", "--endpoint", ECR, "--public",
      "--access-key", "AK"], "--public"),
    (["registry", "add", "ecr", "--name", "e", "--endpoint", ECR, "--secret-key-stdin"],
     "--access-key"),
    (["registry", "add", "ecr", "--name", "e", "--endpoint", ECR], "--access-key"),
    (["registry", "add", "basic", "--name", "b", "--endpoint", "https://h",
      "--password-stdin"], "--username"),
    (["registry", "add", "basic", "--name", "b", "--endpoint", "https://h",
      "--ca-file", "/no/such/ca.pem"], "--ca-file"),
    (["registry", "list", "-o", "xml"], "--output"),
    (["registry", "list", "--url", "ftp://example.com"], "--url"),
    (["profile", "create", "p", "--type", "full-stack"], "--type"),
    (["profile", "export", "p", "--format", "kustomize"], "--format"),
    (["profile", "add-chart", "p", "c", "1.0.0"], "--registry"),
])
def test_usage_errors_exit_2_and_name_the_option(runner: CliRunner, args: list[str],
                                                 blamed: str) -> None:
    result = runner.invoke(app, args, input="")
    assert result.exit_code == 2, result.output
    assert blamed in result.output


def test_empty_secret_on_stdin_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["registry", "add", "basic", "--name", "b", "--endpoint",
                                 "https://h", "--username", "u", "--password-stdin"], input="\n")
    assert result.exit_code == 2, result.output
    assert "empty" in result.output
