"""An example third kind, kept in the tests: it proves what a new kind has to touch.

A "pull-through" registry is an OCI registry whose charts sit under one fixed path (as a
Harbor proxy-cache project or a Zot sync prefix does). It is the Basic kind's protocol with
its own name, and it opens its source its own way (it records each opening). Adding it to
chartyard for real would be this module plus one line in `_KINDS`
(``chartyard/registries/kinds/__init__.py``); the tests register it at run time instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

from chartyard.registries.kinds.basic import BasicKind
from chartyard.sources import ChartSource, RegistryTarget, SourceOptions


class PullThroughKind(BasicKind):
    """An OCI registry read through a pull-through cache; every source opening is recorded."""

    name = "pullthrough"
    metadata_kind = "oci-pullthrough"
    title = "Pull-through cache"
    list_caption = "Pull-through · OCI"
    cli_help = "Add a pull-through cache registry (an OCI registry fronting another)."
    opened: ClassVar[list[str]] = []

    def open_source(self, target: RegistryTarget, options: SourceOptions) -> Any:
        """Open the Basic kind's source, recording the endpoint it was opened for."""
        self.opened.append(target.endpoint.display)
        source: ChartSource = super().open_source(target, options)
        return source
