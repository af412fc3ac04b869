"""`chartyard profile mirror` and `profile bundle`; `chartyard bundle push`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, Progress, TextColumn

from chartyard.cli import config
from chartyard.cli.output import OutputFormat, OutputOption, emit, fail, table
from chartyard.cli.profile import ProfileArg
from chartyard.client import ChartyardClient
from chartyard.wire.mirrors import MirrorStatus

bundle_app = typer.Typer(no_args_is_help=True,
                         help="OCI image layout archives of profiles, for air-gapped sites.")

RegistryOption = Annotated[str, typer.Option(
    "--to", help="Target OCI registry (name or uid).", show_default=False)]
POLL_SECONDS = 0.5


def _rows(status: MirrorStatus) -> Group:
    charts = table(["CHART", "VERSION", "TARGET", "DIGEST", "COPIED"],
                   [(c.name, c.version, c.target, c.digest, "yes" if c.copied else "no")
                    for c in status.charts], title="Charts")
    parts: list[RenderableType] = [
        f"Mirror {status.uid}: {status.status}. {status.message}",
        f"Blobs copied {status.blobsCopied}, already there {status.blobsSkipped}; "
        f"{status.bytesCopied} bytes.", "", charts]
    if status.images:
        parts += ["", table(["IMAGE", "TARGET", "PLATFORMS", "RESULT"],
                            [(i.name, i.target, ", ".join(i.platforms),
                              i.error or ("copied" if i.copied else "already there"))
                             for i in status.images], title="Images")]
    return Group(*parts)


def _wait(client: ChartyardClient, uid: str) -> MirrorStatus:
    """Poll the mirror with a progress bar (charts, and bytes copied) until it ends."""
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:.0f}/{task.total:.0f} charts"),
                  console=console, transient=True) as bar:
        task = bar.add_task("Pending", total=1)
        while True:
            status = client.mirrors.get(uid)
            bar.update(task, total=max(status.chartsTotal, 1), completed=status.chartsDone,
                       description=f"{status.status}, {_size(status.bytesCopied)} copied")
            if status.status in ("Completed", "Failed"):
                return status
            time.sleep(POLL_SECONDS)


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def mirror(
    profile: ProfileArg,
    to: RegistryOption,
    base_path: Annotated[str, typer.Option(
        "--base-path", help="Repository path in the target, e.g. mirror/charts.")] = "",
    include_images: Annotated[bool, typer.Option(
        "--include-images", help="Copy the images the charts declare too.")] = False,
    wait: Annotated[bool, typer.Option(
        "--wait", help="Show progress and wait until the mirror ends.")] = False,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Copy a profile's charts (and images) into another OCI registry."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        target = client.registries.resolve(to)
        started = client.mirrors.start(uid, target.uid, base_path=base_path,
                                       include_images=include_images)
        if not wait:
            emit({"uid": started.uid}, output,
                 lambda: f"Mirror {started.uid} queued; follow it with "
                         f"`chartyard profile mirror-status {started.uid} --wait`.")
            return
        status = _wait(client, started.uid)
    emit(status.model_dump(mode="json"), output, lambda: _rows(status))
    if status.status == "Failed":
        raise typer.Exit(1)


def mirror_status(
    uid: Annotated[str, typer.Argument(help="The mirror's uid.", show_default=False)],
    wait: Annotated[bool, typer.Option(
        "--wait", help="Show progress and wait until the mirror ends.")] = False,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Show a mirror's status, charts, images and progress."""
    with config.connect(url) as client:
        status = _wait(client, uid) if wait else client.mirrors.get(uid)
    emit(status.model_dump(mode="json"), output, lambda: _rows(status))


def bundle(
    profile: ProfileArg,
    out: Annotated[Path, typer.Option("-o", "--output",
                                      help="Where to write the .tar.", show_default=False)],
    include_images: Annotated[bool, typer.Option(
        "--include-images", help="Put the images the charts declare in the archive.")] = False,
    url: config.UrlOption = None,
) -> None:
    """Write a profile's charts (and images) as an OCI image layout tar."""
    with config.connect(url) as client:
        uid = client.profiles.resolve_uid(profile)
        size = client.mirrors.download_bundle(uid, out, include_images=include_images)
    typer.echo(f"Wrote {out} ({size} bytes).")


@bundle_app.command("push")
def push(
    archive: Annotated[Path, typer.Argument(help="The bundle .tar.", show_default=False)],
    to: RegistryOption,
    url: config.UrlOption = None,
    output: OutputOption = OutputFormat.table,
) -> None:
    """Push a bundle into a registry (every digest checked first) and create its profile."""
    if not archive.is_file():
        fail("ValidationError", f"'{archive}' is not a readable file", field="FILE.tar")
    with config.connect(url) as client:
        target = client.registries.resolve(to)
        answer = client.mirrors.push_bundle(archive, target.uid)
    emit(answer, output, lambda: f"Pushed {answer.get('manifests')} manifests "
                                 f"({answer.get('blobsCopied')} blobs uploaded) into "
                                 f"'{target.name}'; profile {answer.get('profileUid')}.")


def register(app: typer.Typer) -> None:
    """Add `mirror` and `bundle` to the `profile` command group."""
    app.command("mirror")(mirror)
    app.command("mirror-status")(mirror_status)
    app.command("bundle")(bundle)
