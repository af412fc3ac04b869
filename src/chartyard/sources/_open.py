"""Open a chart source: an OCI registry over ``/v2/``, or ECR listed through its API."""

from __future__ import annotations

import asyncio

from chartyard.aws import EcrClient
from chartyard.oci import RegistryClient
from chartyard.sources._base import ChartSource, EcrTarget, RegistryTarget, SourceOptions
from chartyard.sources._ecr import EcrSource
from chartyard.sources._oci import OciSource


def open_source(target: RegistryTarget, options: SourceOptions) -> ChartSource:
    """Return an OCI distribution source for the target; the caller closes it."""
    budget = options.budgets.for_host(target.endpoint.authority)
    client = RegistryClient(target.endpoint, target.credentials, target.tls,
                            limits=options.limits, transport=options.transport,
                            egress=options.egress, budget=budget)
    return OciSource(client, target.endpoint, target.base_paths, target.repositories)


def open_ecr_source(target: RegistryTarget, ecr: EcrTarget,
                    options: SourceOptions) -> ChartSource:
    """Return a source that lists through the ECR API and pulls with its registry token."""
    budget = options.budgets.for_host(target.endpoint.authority)
    aws = EcrClient(ecr.endpoint, ecr.auth, role_cache=options.role_cache,
                    token_cache=options.token_cache)

    async def make_client(session: EcrClient) -> RegistryClient:
        credentials = await asyncio.to_thread(session.registry_credentials)
        return RegistryClient(target.endpoint, credentials, target.tls,
                              limits=options.limits, transport=options.transport,
                              egress=options.egress, budget=budget)

    return EcrSource(aws, target.endpoint, target.base_paths, target.repositories, make_client)
