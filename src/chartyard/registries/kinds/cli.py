"""Build a registry's request spec from the CLI options its kind declares.

The one generic step for every kind: each `CliOption` with a ``spec_path`` puts its value
there; the kind's `RegistryKind.cli_rules` then applies what joins several options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chartyard.registries.kinds.base import CliOption, RegistryKind


def spec_from_cli(kind: RegistryKind, options: Mapping[str, Any],
                  read_secret: Callable[[bool, str], str | None]) -> dict[str, Any]:
    """Return the kind's spec fields from CLI options (by ``param``); raise `CliUsageError`.

    A ``ca_file`` option's value is the PEM text under ``ca_pem`` (the CLI reads the file).
    `read_secret(from_stdin, prompt)` returns a secret the kind's rules ask for.
    """
    spec: dict[str, Any] = {}
    for option in kind.cli_options:
        value = _value(option, options)
        if option.spec_path is not None and value is not None:
            _put(spec, option.spec_path, value)
    kind.cli_rules(options, spec, read_secret)
    return spec


def _value(option: CliOption, options: Mapping[str, Any]) -> Any:
    if option.ca_file:
        return options.get("ca_pem") or ""
    raw = options.get(option.param)
    if option.is_flag:
        return bool(raw)
    if option.multiple:
        return list(raw or [])
    return None if raw is None or raw == "" else raw  # empty text means "not given"


def _put(spec: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    holder = spec
    for part in parents:
        holder = holder.setdefault(part, {})
    holder[leaf] = value
