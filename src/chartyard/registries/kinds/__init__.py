"""The registry of registry kinds: what routes, forms, the CLI and services ask.

Register a new kind by adding its module and one line to `_KINDS`. Nothing outside this
package compares kind strings (README, "Contributing" has the grep that proves it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chartyard.errors import NotFoundError
from chartyard.registries.kinds.base import (
    CliOption,
    CliUsageError,
    ExportAccess,
    Normalised,
    RegistryKind,
)
from chartyard.registries.kinds.basic import BasicKind
from chartyard.registries.kinds.ecr import EcrKind
from chartyard.registries.kinds.helm import HelmKind

if TYPE_CHECKING:
    from chartyard.store.models import Registry

_KINDS: dict[str, RegistryKind] = {k.name: k for k in (BasicKind(), EcrKind(), HelmKind())}

DEFAULT_KIND = "basic"


def register_kind(kind: RegistryKind) -> Callable[[], None]:
    """Add a kind at run time (a plugin, or an example in the tests); return its removal.

    Routes are built from the kinds when ``chartyard.api.routes.registries`` is imported:
    register before the app is created.
    """
    if kind.name in _KINDS:
        raise ValueError(f"a registry kind named '{kind.name}' is already registered")
    _KINDS[kind.name] = kind

    def unregister() -> None:
        _KINDS.pop(kind.name, None)

    return unregister


def all_kinds() -> tuple[RegistryKind, ...]:
    """Return every registered kind, in the order the UI offers them."""
    return tuple(_KINDS.values())


def get_kind(name: str) -> RegistryKind:
    """Return the kind called `name`, or raise 404 naming the known kinds."""
    kind = _KINDS.get(name)
    if kind is None:
        raise NotFoundError(f"unknown registry kind '{name}' (known: {', '.join(_KINDS)})")
    return kind


def find_kind(name: str | None) -> RegistryKind | None:
    """Return the kind called `name`, or None."""
    return _KINDS.get(name or "")


def kind_of(registry: Registry) -> RegistryKind:
    """Return the kind of a stored registry."""
    return get_kind(registry.kind)


def default_kind() -> RegistryKind:
    """Return the kind a new registry form starts with."""
    return _KINDS[DEFAULT_KIND]


__all__ = [
    "CliOption",
    "CliUsageError",
    "ExportAccess",
    "Normalised",
    "RegistryKind",
    "all_kinds",
    "default_kind",
    "find_kind",
    "get_kind",
    "kind_of",
    "register_kind",
]
