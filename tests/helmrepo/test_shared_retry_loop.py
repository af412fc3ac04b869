"""The Helm index client paces 429s as the OCI client does: through `chartyard.http.Transfer`.

A registry or repository that answers 429 with ``Retry-After`` is pacing us, not failing:
those waits have their own budget (``max_throttled_retries``), separate from the retries of
5xx answers, and each is counted and reported to the host's shared budget. No real server
produces a sequence of 429s on demand, hence httpx.MockTransport.
"""

from __future__ import annotations

import asyncio

import httpx

from chartyard.helmrepo import HelmRepoClient
from chartyard.http import ClientLimits, HostBudgets

INDEX = b"apiVersion: v1\nentries:\n  a:\n  - {version: 1.0.0, urls: [a-1.0.0.tgz]}\n"


def test_paced_429s_do_not_spend_the_retry_budget_and_reach_the_host_budget() -> None:
    limits = ClientLimits(max_retries=1, max_throttled_retries=5, backoff_base=0.01,
                          backoff_max=0.02)
    answers = [httpx.Response(429, headers={"Retry-After": "0"}) for _ in range(4)]
    answers.append(httpx.Response(200, content=INDEX))
    budgets = HostBudgets()

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    async def run() -> tuple[int, int, int]:
        async with HelmRepoClient("https://charts.example.com/repo", limits=limits,
                                  transport=httpx.MockTransport(handler),
                                  budgets=budgets) as repo:
            with await repo.fetch_index() as download:
                found = sum(1 for _ in download.entries())
            return found, repo.stats.throttled, repo.stats.retries

    found, throttled, retries = asyncio.run(run())
    # Four 429s against a retry budget of one: only the shared loop's pacing gets through.
    assert (found, throttled, retries) == (1, 4, 4)
    assert budgets.snapshot()["charts.example.com"]["throttled"] >= 1
