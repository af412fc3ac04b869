"""The registry of registry families: OCI distribution and Helm index.

Register a new family by adding its module and one line to `_FAMILIES`; its kinds name it
in their ``family`` attribute. Code outside ``chartyard.registries`` asks the family of a
kind, a registry or a target here, and never compares family names or target types
(``tests/registries/test_family_boundaries.py`` fails if one comes back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chartyard.errors import NotFoundError
from chartyard.registries.families.base import (
    ChartContent,
    OpenRegistry,
    PackHost,
    PushedChart,
    PushUnsupported,
    RegistryFamily,
    SignatureMaterial,
    SyncHost,
)
from chartyard.registries.families.helm import HelmIndexFamily
from chartyard.registries.families.oci import OciFamily, RepositoryNotFound

if TYPE_CHECKING:
    from chartyard.registries.kinds import RegistryKind
    from chartyard.store.models import Registry

AnyFamily = RegistryFamily[Any, Any]

_FAMILIES: dict[str, AnyFamily] = {f.name: f for f in (OciFamily(), HelmIndexFamily())}


def all_families() -> tuple[AnyFamily, ...]:
    """Return every family, in the order the UI shows their tabs."""
    return tuple(_FAMILIES.values())


def get_family(name: str) -> AnyFamily:
    """Return the family called `name`, or raise 404 naming the known ones."""
    family = _FAMILIES.get(name)
    if family is None:
        raise NotFoundError(f"unknown registry family '{name}' (known: {', '.join(_FAMILIES)})")
    return family


def find_family(name: str | None) -> AnyFamily | None:
    """Return the family called `name`, or None."""
    return _FAMILIES.get(name or "")


def family_of_kind(kind: RegistryKind) -> AnyFamily:
    """Return the family a kind belongs to."""
    return get_family(kind.family)


def family_of(registry: Registry) -> AnyFamily:
    """Return the family of a stored registry."""
    from chartyard.registries.kinds import kind_of

    return family_of_kind(kind_of(registry))


def family_of_target(target: Any) -> AnyFamily:
    """Return the family of a connectable target (through the kind that built it)."""
    from chartyard.registries.kinds import get_kind

    return family_of_kind(get_kind(target.kind))


__all__ = [
    "AnyFamily",
    "ChartContent",
    "HelmIndexFamily",
    "OciFamily",
    "OpenRegistry",
    "PackHost",
    "PushUnsupported",
    "PushedChart",
    "RegistryFamily",
    "RepositoryNotFound",
    "SignatureMaterial",
    "SyncHost",
    "all_families",
    "family_of",
    "family_of_kind",
    "family_of_target",
    "find_family",
    "get_family",
]
