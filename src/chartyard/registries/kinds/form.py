"""A kind's Add / Edit registry form, declared as plain data that one generic form renders.

As Airflow's providers do with ``get_ui_field_behaviour()``, a kind says what its form holds
(sections, inputs, labels, help, conditions, its endpoint's placeholder and help) and the
web layer renders every kind with one template. The same declaration reads a submitted form
into the request body (`KindForm.read`, `KindForm.spec`) and fills the form of a saved
registry from its GET body (`KindForm.values_from_spec`): each input names the spec path it
edits. A kind with a rule the paths cannot express adds it in `RegistryKind.finish_form_spec`.

Help and intro texts are plain text; `code` in backticks is shown as code. Nothing here
imports the web stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

InputType = Literal["text", "password", "textarea", "select", "radio", "checkbox", "switch"]

SHARED_INPUTS = ("name", "providerType", "sync", "endpoint", "baseContentPath",
                 "repositories", "insecureSkipVerify")
"""The generic form's own inputs, which a kind may relabel (`KindForm.labels`)."""
HIDEABLE_INPUTS = ("providerType", "repositories", "insecureSkipVerify")
"""The shared inputs a kind may hide (`KindForm.hidden`)."""

MAX_SECRET = 1024

# Which input an error code most likely concerns: connection errors of every kind, and the
# sync-scope errors of OCI kinds.
CONNECTION_ERRORS: Mapping[str, str] = {
    "TLSVerificationFailed": "caCertificate",
    "RegistryUnreachable": "endpoint",
    "InvalidEndpoint": "endpoint",
}
OCI_SCOPE_ERRORS: Mapping[str, str] = {
    "NotAnOCIRegistry": "endpoint",
    "CatalogUnsupported": "repositories",
    "NotFound": "baseContentPath",
    "RepositoryNotFound": "repositories",
}
"""The longest secret read from a form (taken as typed, spaces included)."""


@dataclass(frozen=True)
class Choice:
    """One option of a ``select`` or ``radio`` input; `id` names a radio's element."""

    value: str
    label: str
    id: str = ""


@dataclass(frozen=True)
class Action:
    """A button beside an input that opens a side panel (`Drawer`) of the form."""

    label: str
    drawer: str


@dataclass(frozen=True)
class Input:
    """One input: its name (and element id), label, the spec path it edits, and how it shows.

    ``path`` is dotted below ``spec`` (``auth.username``); errors naming ``spec.<path>`` (or
    one of `error_paths`) are shown next to it. An input without a path only steers the
    form (a radio that shows or hides others). A ``password`` input is never filled: when
    the spec's `stored_flag` is true, leaving it empty keeps the stored secret.
    """

    name: str
    label: str
    path: str | None = None
    type: InputType = "text"
    choices: tuple[Choice, ...] = ()
    default: str | bool = ""
    placeholder: str = ""
    help: str = ""
    stored_flag: str | None = None
    """The spec path of the GET body's "a secret is stored" flag (``auth.passwordSet``)."""
    stored_help: str = ""
    """The help shown instead of `help` while a secret is stored."""
    autocomplete: str = "off"
    max_length: int = 256
    show_when: str = ""
    """Conditions ``input:value`` joined by ``;``, all of which must hold to show it."""
    error_paths: tuple[str, ...] = ()
    action: Action | None = None

    @property
    def is_flag(self) -> bool:
        """Return whether the input is a checkbox or switch."""
        return self.type in ("checkbox", "switch")

    def choice_id(self, choice: Choice) -> str:
        """Return the element id of one of a radio's choices."""
        return choice.id or f"{self.name}-{choice.value}"


@dataclass(frozen=True)
class Group:
    """Inputs shown together: in two columns, and only while `show_when` holds.

    With `clear_when_hidden`, a submitted form drops what was typed in the group while it
    was hidden (a "No Authentication" choice drops typed credentials).
    """

    items: tuple[Item, ...]
    show_when: str = ""
    columns: int = 1
    clear_when_hidden: bool = False


Item: TypeAlias = Input | Group


@dataclass(frozen=True)
class Section:
    """One card of the form with a heading (its element id is ``<id>-h``) and an intro."""

    id: str
    heading: str
    items: tuple[Item, ...]
    intro: str = ""

    def inputs(self) -> list[Input]:
        """Return the section's inputs, groups flattened."""
        return list(_walk(self.items))


@dataclass(frozen=True)
class Drawer:
    """A side panel with the trust and permission policies a cloud role needs.

    The form fills it from the kind's `KindForm.requirements_url` (``trustPolicy``,
    ``iamPolicy``, ``s3LayerEndpoint``) and the tenant's STS account.
    """

    id: str
    title: str
    intro: str
    layers_note: str = ""


@dataclass(frozen=True)
class KindForm:
    """Everything the registry form shows and reads for one kind.

    The inputs every kind shares (name, endpoint, synchronization, paths, TLS) are the
    generic form's; a kind gives its endpoint's placeholder and help, where its spec keeps
    TLS (`tls_path`), its own sections, and which input an error code most likely concerns.
    """

    sections: tuple[Section, ...] = ()
    endpoint_placeholder: str = ""
    endpoint_help: str = ""
    strips_scheme: bool = False
    """Whether a pasted ``https://`` is removed from the endpoint as it is typed."""
    requirements_url: str | None = None
    """An API path the form asks (with ``?endpoint=``) for setup hints, if any."""
    tls_path: str = "tls"
    tls_note: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Error codes (``AuthenticationFailed``) mapped to the input that most likely caused them."""
    drawers: tuple[Drawer, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    """Shared inputs relabelled for this kind, by input name (``endpoint``: ``Cache URL``)."""
    hidden: frozenset[str] = frozenset()
    """Shared inputs this kind does not use (`HIDEABLE_INPUTS`); a submitted form drops them."""

    def inputs(self) -> list[Input]:
        """Return every input of the kind's sections."""
        return [i for s in self.sections for i in s.inputs()]

    def defaults(self) -> dict[str, Any]:
        """Return the input values of a new registry."""
        return {i.name: i.default for i in self.inputs()}

    def error_inputs(self) -> dict[str, str]:
        """Return API field paths (``spec.auth.username``) mapped to the inputs showing them."""
        table = {f"spec.{self.tls_path}.certificate": "caCertificate",
                 f"spec.{self.tls_path}.insecureSkipVerify": "insecureSkipVerify"}
        for i in self.inputs():
            for path in ((f"spec.{i.path}",) if i.path else ()) + i.error_paths:
                table[path] = i.name
        return table

    def read(self, raw: Callable[[str], str | None]) -> dict[str, Any]:
        """Return the input values of a submitted form; `raw` gives one field, or None.

        Text is trimmed and capped, secrets are taken as typed, a choice not offered falls
        back to the default, and a hidden group marked `clear_when_hidden` reads as empty.
        """
        values: dict[str, Any] = {}
        for i in self.inputs():
            given = raw(i.name)
            if i.is_flag:
                values[i.name] = (given or "").strip().lower() in ("on", "true", "1", "yes")
            elif i.type == "password":
                values[i.name] = (given or "")[:MAX_SECRET]
            else:
                text = (given or "").strip()[:i.max_length]
                offered = {c.value for c in i.choices}
                values[i.name] = text if not offered or text in offered else i.default
        for group in _groups(self.sections):
            if group.clear_when_hidden and not shown(group.show_when, values):
                for i in _walk(group.items):
                    values[i.name] = False if i.is_flag else ""
        return values

    def spec(self, values: Mapping[str, Any], ca_pem: str, insecure: bool) -> dict[str, Any]:
        """Return the spec fields of the kind's inputs and TLS; an empty secret is None."""
        spec: dict[str, Any] = {}
        for i in self.inputs():
            if i.path is None:
                continue
            value = values.get(i.name, i.default)
            if i.is_flag:
                value = bool(value)
            elif i.type == "password":
                value = value or None  # keeps the stored secret
            _put(spec, i.path, value)
        _put(spec, f"{self.tls_path}.certificate", ca_pem)
        _put(spec, f"{self.tls_path}.insecureSkipVerify", insecure)
        return spec

    def values_from_spec(self, spec: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Return the input values of a GET body's spec, and the inputs whose secret is set."""
        values = self.defaults()
        stored: set[str] = set()
        for i in self.inputs():
            if i.stored_flag and _get(spec, i.stored_flag):
                stored.add(i.name)
            if i.path is None or i.type == "password":
                continue
            value = _get(spec, i.path)
            if i.is_flag:
                values[i.name] = bool(value)
            elif value is not None:
                offered = {c.value for c in i.choices}
                values[i.name] = str(value) if not offered or value in offered else i.default
        return values, stored

    def tls_from_spec(self, spec: Mapping[str, Any]) -> tuple[str, bool]:
        """Return the CA bundle and Insecure Skip TLS Verify of a GET body's spec."""
        tls = _get(spec, self.tls_path) or {}
        return (tls.get("certificate") or tls.get("ca") or "",
                bool(tls.get("insecureSkipVerify")))


def control_value(values: Mapping[str, Any], name: str) -> str:
    """Return an input's value as a condition compares it (a flag is ``on`` or ``off``)."""
    value = values.get(name, "")
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def shown(show_when: str, values: Mapping[str, Any]) -> bool:
    """Return whether every ``input:value`` condition holds (``a,b`` accepts either)."""
    for condition in filter(None, (c.strip() for c in show_when.split(";"))):
        name, _, accepted = condition.partition(":")
        if control_value(values, name) not in accepted.split(","):
            return False
    return True


def label_variants(forms: Iterable[tuple[str, KindForm]], name: str,
                   default: str) -> list[tuple[str, tuple[str, ...]]]:
    """Return a shared input's labels, each with the kinds showing it (one: no relabelling)."""
    variants: dict[str, tuple[str, ...]] = {}
    for kind, form in forms:
        label = form.labels.get(name, default)
        variants[label] = (*variants.get(label, ()), kind)
    return list(variants.items())


def kinds_using(forms: Iterable[tuple[str, KindForm]], name: str) -> tuple[str, ...]:
    """Return the kinds that show a shared input (those not hiding it)."""
    return tuple(kind for kind, form in forms if name not in form.hidden)


@dataclass(frozen=True)
class SharedSection:
    """A section as one family's form shows it: the kinds declaring it and their defaults."""

    section: Section
    kinds: tuple[str, ...]
    defaults: dict[str, Any]


def shared_sections(forms: Iterable[tuple[str, KindForm]]) -> list[SharedSection]:
    """Return each distinct section of several kinds' forms once, with the kinds declaring it.

    Kinds that declare the same section (a kind built on another) share its inputs; two
    different sections with one id, or one input name in two sections, are an error.
    """
    out: dict[str, SharedSection] = {}
    owner: dict[str, str] = {}
    for kind, form in forms:
        for section in form.sections:
            seen = out.get(section.id)
            if seen is None:
                for i in section.inputs():
                    if owner.setdefault(i.name, section.id) != section.id:
                        raise ValueError(f"input '{i.name}' of section '{section.id}' is "
                                         f"already in section '{owner[i.name]}'")
                out[section.id] = SharedSection(section, (kind,), form.defaults())
            elif seen.section == section:
                out[section.id] = SharedSection(section, (*seen.kinds, kind), seen.defaults)
            else:
                raise ValueError(f"kind '{kind}' declares another section '{section.id}'")
    return list(out.values())


def _walk(items: Iterable[Item]) -> Iterable[Input]:
    for item in items:
        if isinstance(item, Group):
            yield from _walk(item.items)
        else:
            yield item


def _groups(items: Iterable[Section | Item]) -> Iterable[Group]:
    for item in items:
        if isinstance(item, Section):
            yield from _groups(item.items)
        elif isinstance(item, Group):
            yield item
            yield from _groups(item.items)


def _get(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
