"""One politeness budget per registry host: a sync and two validations share it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from chartyard.oci import BudgetPolicy, HostBudgets, parse_endpoint
from chartyard.registries.validation import validate_target
from chartyard.settings import Settings
from chartyard.sources import RegistryTarget
from tests.hardening._hostile import HostileRegistry, Reply
from tests.harness.app import Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.sync.conftest import catalog, sync_now

pytestmark = pytest.mark.timeout(180)


class CountingFront(HostileRegistry):
    """A proxy in front of the registry that counts requests in flight to it."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.now = self.peak = self.total = 0
        self._count = threading.Lock()

    def proxy(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Forward, slowly enough (10 ms) that requests overlap, counting the concurrency."""
        with self._count:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(0.01)
            return super().proxy(method, path, headers, body)
        finally:
            with self._count:
                self.now -= 1


@pytest.mark.parametrize("pinned", [3, None], ids=["pinned", "adaptive"])
def test_sync_and_two_validations_never_exceed_the_host_limit(
        api: Api, registry_factory: Any, chart_factory: Any, pinned: int | None) -> None:
    reg = registry_factory("plain")
    with OciPusher.for_registry(reg) as pusher:
        pusher.push_many([(f"apps/c{i}", f"1.{v}.0", chart_factory(f"c{i}", f"1.{v}.0"))
                          for i in range(12) for v in range(3)])
    front = CountingFront(reg.url)
    try:
        settings = Settings(max_in_flight_per_host=pinned, max_in_flight_cap=6)
        policy = settings.budget_policy
        limit = pinned or 6
        assert policy == (BudgetPolicy.fixed(3) if pinned else BudgetPolicy(initial=4, cap=6))
        api.ctx.sources.budgets = HostBudgets(policy)
        uid = api.post("/v1/registries/oci/basic?skipValidation=true", basic_body(
            "r", front.url, sync=True, base=["apps"])).json()["uid"]
        target = RegistryTarget("basic", parse_endpoint(front.url), base_paths=("apps",))
        stop = threading.Event()
        validations: list[int] = []

        def validate() -> None:
            while not stop.is_set():  # one validation after another, all through the sync
                asyncio.run(validate_target(target, api.ctx.sources, sync_on=True))
                validations.append(1)

        threads = [threading.Thread(target=validate) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            outcome = sync_now(api.ctx, uid)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert outcome.status == "Completed"
        assert len(catalog(api, uid)) == 12
        assert len(validations) >= 2
        budget = api.ctx.sources.budgets.for_host(f"127.0.0.1:{front.port}")
        assert front.peak <= limit, f"the registry saw {front.peak} requests in flight"
        assert budget.peak == front.peak or budget.peak <= limit
        assert front.peak >= 2  # the callers really did overlap
    finally:
        front.close()
