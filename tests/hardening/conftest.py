"""Hardening fixtures: SQLite apps by default, hostile registry fronts, a fake resolver."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hardening._hostile import HostileRegistry, Rule


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only here; the PostgreSQL cases ask for `postgres_url` themselves."""
    return f"sqlite:///{tmp_path / 'chartyard.db'}"


@pytest.fixture
def hostile() -> Iterator[Callable[..., HostileRegistry]]:
    """Make hostile registry fronts: ``hostile(upstream_url, rule)``; closed after the test."""
    made: list[HostileRegistry] = []

    def make(upstream: str | None = None, rule: Rule | None = None) -> HostileRegistry:
        front = HostileRegistry(upstream, rule)
        made.append(front)
        return front

    yield make
    for front in made:
        front.close()


class FakeDNS:
    """Answer chosen host names from a script; every other name goes to the real resolver.

    ``answers[host]`` is a list of addresses handed out one lookup at a time
    (the last one repeats), which is how a DNS-rebinding attacker behaves.
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.lookups: dict[str, int] = {}

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0,
                 proto: int = 0, flags: int = 0) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        script = self.answers.get(name)
        if script is None:
            return list(self.real(host, port, family, type, proto, flags))
        n = self.lookups.get(name, 0)
        self.lookups[name] = n + 1
        address = script[min(n, len(script) - 1)]
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, int(port), 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Patch `socket.getaddrinfo` (what asyncio's resolver calls) with a scripted resolver."""
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake
