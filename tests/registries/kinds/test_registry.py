"""The registry of kinds: lookups, and what every kind must declare."""

from __future__ import annotations

import pytest

from chartyard.errors import NotFoundError
from chartyard.registries.kinds import all_kinds, get_kind


def test_kinds_are_unique_and_complete() -> None:
    names = [k.name for k in all_kinds()]
    assert len(names) == len(set(names)) >= 2
    for kind in all_kinds():
        assert kind.metadata_kind and kind.title and kind.form.sections
        assert kind.cli_options and kind.secret_fields
        assert "helm" in kind.providers


def test_unknown_kind_is_404_naming_the_known_ones() -> None:
    with pytest.raises(NotFoundError) as err:
        get_kind("gcr")
    assert all(k.name in err.value.message for k in all_kinds())
