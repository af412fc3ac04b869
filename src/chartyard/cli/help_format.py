"""Make `--help` say only what helps: no `<bool>` type markers next to flags.

Typer prints a type column for every option; for an on/off flag it shows `<bool>`,
which tells nothing the flag's name does not, and widens the table past 80 columns.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperOption

_original = TyperOption.display_type_rich


def _display_type(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag or self.count:
        return None
    shown: str | None = _original(self, ctx)
    return shown


def tidy() -> None:
    """Hide the type marker of flags in every command's help (idempotent)."""
    setattr(TyperOption, "display_type_rich", _display_type)  # noqa: B010

