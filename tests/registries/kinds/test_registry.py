"""The registry of kinds: lookups, and what every kind must declare."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

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


def test_every_kind_body_is_a_wire_model() -> None:
    for kind in all_kinds():
        for model in (kind.body_model, kind.spec_model, kind.response_model):
            assert model.__module__.startswith("chartyard.wire."), (kind.name, model)


def _field_at(model: type[BaseModel], path: str) -> object:
    """Return the field a dotted spec path (API names) reaches in a request model."""
    for part in path.split("."):
        found = {f.alias or name: f for name, f in model.model_fields.items()}[part]
        if not isinstance(found.annotation, type) or not issubclass(found.annotation,
                                                                    BaseModel):
            return found
        model = found.annotation
    return model


def test_every_cli_spec_path_is_a_field_of_the_kinds_spec() -> None:
    for kind in all_kinds():
        paths = [o.spec_path for o in kind.cli_options if o.spec_path]
        assert "endpoint" in paths, kind.name
        for path in paths:
            _field_at(kind.spec_model, path)  # a KeyError names a path that does not exist
