"""Turn the profile editor's form into a profile body: layers kept, reordered, removed,
re-versioned or added, with each layer's values checked and errors placed at their line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chartyard.errors import InvalidInput
from chartyard.store.models import ClusterProfile
from chartyard.values import parse_values

MAX_LAYERS = 50


@dataclass
class Layer:
    """One layer as the editor shows and submits it."""

    name: str
    tag: str
    registry_uid: str
    source: str | None
    values: str
    order: int
    error: str | None = None
    error_line: int | None = None


@dataclass
class EditForm:
    """The editor's state: layers in their new order, and what went wrong."""

    description: str
    layers: list[Layer]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether nothing in the form is wrong."""
        return not self.errors and not any(layer.error for layer in self.layers)


def check_values(text: str) -> tuple[str | None, int | None]:
    """Return (None, None) for valid values, else the message and the line it points at."""
    try:
        parse_values(text, "values")
    except InvalidInput as exc:
        line = exc.details.get("line")
        message = exc.message.removeprefix("values: ").removeprefix("values ")
        if message.startswith("is not valid YAML: "):
            message = "Invalid YAML: " + message.removeprefix("is not valid YAML: ")
        else:
            message = "Values " + message
        return message, line if isinstance(line, int) else None
    return None, None


def layers_of(profile: ClusterProfile) -> list[Layer]:
    """Return the profile's packs as editor layers, in layer order."""
    return [Layer(p.name, p.tag, p.registry_uid or "", p.source, p.values, i + 1)
            for i, p in enumerate(profile.packs)]


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def read_form(form: Mapping[str, str]) -> EditForm:
    """Read the submitted layers: drop removed ones, sort by order, check every values text."""
    count = min(_int(form.get("layers", "0"), 0), MAX_LAYERS)
    layers: list[Layer] = []
    for i in range(count):
        if form.get(f"remove_{i}"):
            continue
        layers.append(Layer(
            name=form.get(f"name_{i}", ""), tag=form.get(f"version_{i}", "").strip(),
            registry_uid=form.get(f"registry_{i}", ""), source=form.get(f"source_{i}") or None,
            values=form.get(f"values_{i}", "").replace("\r\n", "\n"),
            order=_int(form.get(f"order_{i}", ""), i + 1)))
    new_chart = form.get("add_chart", "").strip()
    if new_chart:
        layers.append(Layer(new_chart, form.get("add_version", "").strip(),
                            form.get("add_registry", ""), None, "", 10_000))
    layers.sort(key=lambda layer: layer.order)
    out = EditForm(description=form.get("description", "").strip(), layers=layers)
    for layer in layers:
        if not layer.tag:
            layer.error = "choose a version"
            continue
        layer.error, layer.error_line = check_values(layer.values)
    for order, layer in enumerate(layers, 1):
        layer.order = order
    return out


def profile_body(profile: ClusterProfile, form: EditForm, version: str) -> dict[str, Any]:
    """Return the PUT body of the edited profile under `version`."""
    annotations = {k: v for k, v in (profile.annotations or {}).items() if k != "description"}
    if form.description:
        annotations["description"] = form.description
    packs = [{"name": layer.name, "tag": layer.tag, "registryUid": layer.registry_uid,
              "values": layer.values, **({"source": layer.source} if layer.source else {})}
             for layer in form.layers]
    return {"metadata": {"name": profile.name, "annotations": annotations,
                         "labels": dict(profile.labels or {})},
            "spec": {"version": version,
                     "template": {"type": profile.profile_type,
                                  "cloudType": profile.cloud_type, "packs": packs}}}
