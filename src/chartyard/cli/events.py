"""`chartyard registry events NAME [--rotate-secret]`: where a registry sends its events."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, fields
from chartyard.cli.registry import RegistryArg
from chartyard.cli.registry import app as registry_app


def _describe(info: dict[str, Any], secret: str | None) -> Any:
    last = info.get("lastEvent")
    last_text = "none received"
    if last:
        ref = last["repository"] + (f":{last['tag']}" if last.get("tag") else "")
        last_text = f"{last['action']} {ref} at {info['lastEventTime']}"
    pairs = [("URL", info["url"]),
             ("Secret", secret or ("set" if info["secretSet"] else "not set (--rotate-secret)")),
             ("Last event", last_text),
             ("Received", f"{info['received']} events: {info['refreshed']} refreshes, "
                          f"{info['ignored']} ignored, {info['outOfScope']} out of scope")]
    return fields(pairs)


@registry_app.command("events")
def events(
    name: RegistryArg,
    rotate_secret: Annotated[bool, typer.Option(
        "--rotate-secret", help="Create or replace the event secret and print it once.")] = False,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Show the URL a registry's notifications go to and the last event received."""
    secret = None
    with config.connect(url) as client:
        ref = client.registries.resolve(name)
        if rotate_secret:
            secret = client.events.rotate_secret(ref.uid)["secret"]
        info = client.events.get(ref.uid)
    body = {**info, **({"secret": secret} if secret else {})}
    emit(body, output, lambda: _describe(info, secret))
