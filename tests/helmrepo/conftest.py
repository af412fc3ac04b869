"""nginx-served Helm repositories for the client tests: one TLS + basic auth, one plain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.nginx import DEFAULT_PASSWORD, DEFAULT_USER, NginxServer


@pytest.fixture(scope="session")
def tls_helm_repo(harness_dir: Path) -> Iterator[NginxServer]:
    """HTTPS with a test CA (``ca_pem``) and basic auth for ``username``/``password``."""
    with NginxServer(tls=True, users={DEFAULT_USER: DEFAULT_PASSWORD},
                     base_dir=harness_dir) as server:
        yield server


@pytest.fixture(scope="session")
def plain_helm_repo(harness_dir: Path) -> Iterator[NginxServer]:
    """Plain HTTP, no authentication."""
    with NginxServer(base_dir=harness_dir) as server:
        yield server
