"""An example third kind, kept in the tests: it proves what a new kind has to touch.

A "pull-through" registry is an OCI registry whose charts sit under one fixed path (as a
Harbor proxy-cache project or a Zot sync prefix does). It is the Basic kind's protocol with
its own name and one more field, ``spec.upstream`` (the registry the cache fronts), and it
opens its source its own way (it records each opening). Its form is the Basic kind's plus
one declared section, with the endpoint relabelled and explicit repositories hidden; no
template is added. Adding it to chartyard for real would be this
module plus one line in `_KINDS` (``chartyard/registries/kinds/__init__.py``); the tests
register it at run time instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from chartyard.errors import InvalidInput
from chartyard.registries.kinds.base import Normalised
from chartyard.registries.kinds.basic import BasicKind
from chartyard.registries.kinds.form import Input, Section
from chartyard.sources import ChartSource, RegistryTarget, SourceOptions
from chartyard.store.models import Registry
from chartyard.wire.registries import Str
from chartyard.wire.registry_kinds import (
    BasicRegistryBody,
    BasicRegistryResponse,
    BasicRegistrySpec,
    BasicSpecBody,
)


class PullThroughSpec(BasicRegistrySpec):
    """The Basic spec plus the registry the cache fronts."""

    upstream: Str = ""


class PullThroughBody(BasicRegistryBody):
    """Create or update body of a pull-through registry."""

    spec: PullThroughSpec


class PullThroughSpecBody(BasicSpecBody):
    """The Basic spec as returned, plus ``upstream``."""

    upstream: str = ""


class PullThroughResponse(BasicRegistryResponse):
    """A pull-through registry as returned."""

    spec: PullThroughSpecBody


class PullThroughKind(BasicKind):
    """An OCI registry read through a pull-through cache; every source opening is recorded."""

    name = "pullthrough"
    metadata_kind = "oci-pullthrough"
    title = "Pull-through cache"
    list_caption = "Pull-through · OCI"
    body_model = PullThroughBody
    spec_model = PullThroughSpec
    response_model = PullThroughResponse
    form = replace(BasicKind.form, sections=(*BasicKind.form.sections, Section(
        "cache", "Upstream", intro="The registry this cache fronts, as `docker.io`.",
        items=(Input("upstream", "Upstream registry", "upstream", placeholder="docker.io",
                     help="Charts are read from the cache, never from the upstream."),))),
        labels={"endpoint": "Cache endpoint"}, hidden=frozenset({"repositories"}))
    cli_help = "Add a pull-through cache registry (an OCI registry fronting another)."
    opened: ClassVar[list[str]] = []

    def normalise(self, body: Any, *, creating: bool) -> Normalised:
        """Return the Basic kind's stored form plus the upstream, which is required."""
        assert isinstance(body, PullThroughBody)
        upstream = body.spec.upstream.strip()
        if not upstream:
            raise InvalidInput("spec.upstream", "spec.upstream is required: give the registry "
                               "the cache fronts, e.g. docker.io")
        norm = super().normalise(body, creating=creating)
        return replace(norm, spec={**norm.spec, "upstream": upstream})

    def body(self, registry: Registry, secret_names: set[str],
             external_id: str) -> PullThroughResponse:
        """Return the Basic kind's body plus the upstream."""
        basic = super().body(registry, secret_names, external_id).model_dump()
        basic["spec"]["upstream"] = registry.spec.get("upstream", "")
        return PullThroughResponse.model_validate(basic)

    def open_source(self, target: RegistryTarget, options: SourceOptions) -> Any:
        """Open the Basic kind's source, recording the endpoint it was opened for."""
        self.opened.append(target.endpoint.display)
        source: ChartSource = super().open_source(target, options)
        return source
