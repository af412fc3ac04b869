"""`chartyard charts verify`: a chart version's signature verdict and its reasons."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit


def render_verdict(body: dict[str, Any]) -> str:
    """Return the verdict as lines: status, signer, key, reason, when checked."""
    v = body["verification"]
    lines = [f"{body['name']} {body['version']}: {v['status']} ({v['method']})"]
    if v.get("signer"):
        lines.append(f"Signed by: {v['signer']}")
    if v.get("fingerprint"):
        lines.append(f"Key fingerprint: {v['fingerprint']}")
    if v.get("reason"):
        lines.append(f"Reason: {v['reason']}")
    lines.append(f"Chart digest: {body.get('digests', {}).get('chart') or '-'}")
    lines.append(f"Checked at: {v.get('checkedAt') or 'never'}")
    return "\n".join(lines)


def register(charts: typer.Typer) -> None:
    """Add `verify` to the `charts` group."""

    @charts.command("verify")
    def verify(
        chart: Annotated[str, typer.Argument(help="Chart name.", show_default=False)],
        version: Annotated[str, typer.Argument(help="Chart version (or tag).",
                                               show_default=False)],
        registry: Annotated[str, typer.Option("--registry", "-r", help="Registry name or uid.",
                                              show_default=False)],
        url: config.UrlOption = None,
        output: OutputOption = OutputFormat.table,
    ) -> None:
        """Print a chart version's signature verdict; exit 1 unless it is verified."""
        with config.connect(url) as client:
            ref = client.registries.resolve(registry)
            tag = client.charts.find_version(chart, version, ref.uid)
            detail = client.charts.get(tag.pack_uid)
        body = {"name": chart, "version": tag.version, "packUid": tag.pack_uid,
                "registryUid": ref.uid, "digests": detail.get("digests", {}),
                "verification": detail["verification"]}
        emit(body, output, lambda: render_verdict(body))
        if detail["verification"]["status"] != "verified":
            raise typer.Exit(1)
