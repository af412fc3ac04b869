"""`--help` of every command fits an 80-column terminal and shows no `<bool>` markers; every
command that talks to a server takes `-o json|yaml`."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from chartyard.cli import app

# Commands that run the server or act on the database directly, not through the API.
LOCAL = {"serve", "worker", "db upgrade", "admin create-tenant", "admin create-user",
         "admin rotate-secret-key"}


def _commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _commands()


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(p) or "chartyard" for p, _ in COMMANDS])
def test_help_fits_80_columns(path: list[str], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    widest = max(len(line) for line in result.output.splitlines())
    assert widest <= 80, result.output


def test_every_client_command_takes_output() -> None:
    missing = []
    for path, command in COMMANDS:
        name = " ".join(path)
        if getattr(command, "commands", None) is not None or name in LOCAL:
            continue
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        if not {"--output", "-o"} <= options:
            missing.append(name)
    assert missing == []
    assert len(COMMANDS) > 50
