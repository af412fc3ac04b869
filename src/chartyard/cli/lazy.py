"""Command groups that import their module only when used, so `chartyard --help` stays fast.

The top-level app declares each group's name and one-line help; the group's commands (and
the client and wire models they import) load the first time anything reads them: running or
completing a command of the group, or its own `--help`.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from a loader run on first access."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded = False
        super().__init__(*args, **kwargs)

    def load(self) -> typer.Typer:
        """Return the group's Typer app (`lazy_group` sets this per group)."""
        raise NotImplementedError

    @property
    def commands(self) -> MutableMapping[str, Any]:
        """Return the group's commands, importing them the first time."""
        if not self._loaded:
            self._loaded = True
            real = typer.main.get_group(self.load())
            self._commands.update(real.commands)
        return self._commands

    @commands.setter
    def commands(self, value: MutableMapping[str, Any]) -> None:
        self._commands = value


def lazy_group(app: typer.Typer, name: str, help: str,
               loader: Callable[[], typer.Typer]) -> None:
    """Add group `name` to `app`; `loader` returns its Typer app when it is first used."""
    group_class = type(f"Lazy_{name}", (LazyGroup,), {"load": lambda _self: loader()})
    app.add_typer(typer.Typer(cls=group_class, no_args_is_help=True), name=name, help=help)
