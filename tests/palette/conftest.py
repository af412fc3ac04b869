"""Palette's spec subset, the wire contract, loaded once for the tests beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SPEC_PATH = Path(__file__).with_name("palette-apis-subset.json")


def load_spec() -> dict[str, Any]:
    """Return Palette's spec subset (Swagger 2.0) as a dict."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


@pytest.fixture(scope="session")
def palette_spec() -> dict[str, Any]:
    """Palette's spec subset."""
    return load_spec()


# The ECR world of tests/ecr (moto, the TLS registry on the ECR host name, helm-pushed
# charts) serves the Terraform replay of ECR registries too.
from tests.ecr.conftest import (  # noqa: E402, F401
    aws_environment,
    ecr_host_lock,
    ecr_world,
    hosts_entry,
    moto,
)
