"""Version comparison on the wire: Chart.yaml changes, values diff, a profile's upgrades."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chartyard.wire.common import WireModel


class VersionRef(WireModel):
    """One side of a comparison."""

    version: str
    pack_uid: str = Field(alias="packUid")
    digest: str


class ChartChange(WireModel):
    """A Chart.yaml field (or `dependencies.<name>`) that differs, with both values."""

    field: str
    from_: Any = Field(alias="from")
    to: Any


class Comparison(WireModel):
    """What changes from one catalog version of a chart to another."""

    name: str
    registry_uid: str = Field(alias="registryUid")
    repository: str
    from_: VersionRef = Field(alias="from")
    to: VersionRef
    chart_changes: list[ChartChange] = Field(alias="chartChanges")
    values_diff: str = Field(alias="valuesDiff", description="a unified diff; empty if equal")
    new_defaults: str = Field(alias="newDefaults", description="the new values.yaml")


class PackPosition(WireModel):
    """A pack of a profile by its index (from 0) and name."""

    index: int
    name: str


class PackUpgradeComparison(Comparison):
    """What moving one pack of a profile to another version would change."""

    pack: PackPosition
    missing_overrides: list[str] = Field(
        alias="missingOverrides",
        description="dotted paths the profile sets that the new defaults no longer have")


class PackUpgrade(WireModel):
    """A profile's pack with its catalog versions and the upgrades available."""

    index: int
    name: str
    version: str | None
    versions: list[str]
    same_major: str | None = Field(alias="sameMajor")
    newer_major: str | None = Field(alias="newerMajor")


class ProfileUpgrades(WireModel):
    """Every pack of a profile, in layer order, with its upgrades."""

    items: list[PackUpgrade]
