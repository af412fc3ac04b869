"""Build and run container images without a daemon: mmdebstrap + buildah (vfs, chroot).

Public image registries are unreachable here, so the base image is a Debian rootfs made
by ``mmdebstrap``; the tarball is cached per day under ``$CHARTYARD_TEST_CACHE`` (default
``~/.cache/chartyard-tests``), and so is the base image built from it.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.harness.components import find_image_tools

SUITE = "bookworm"


def cache_dir() -> Path:
    """Return the directory that keeps the rootfs tarball between runs."""
    path = Path(os.environ.get("CHARTYARD_TEST_CACHE",
                               Path.home() / ".cache" / "chartyard-tests"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class Buildah:
    """Run ``buildah --storage-driver vfs`` commands; every command checks its exit code."""

    def __init__(self) -> None:
        self.buildah, self.mmdebstrap = find_image_tools()

    def run(self, *args: str, timeout: float = 1200, capture: bool = True) -> str:
        """Run one buildah command and return its stdout."""
        argv = [str(self.buildah), "--storage-driver", "vfs", *args]
        proc = subprocess.run(argv, capture_output=capture, text=True, timeout=timeout,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n"
                               f"{proc.stdout}\n{proc.stderr}")
        return proc.stdout or ""

    def argv(self, *args: str) -> list[str]:
        """Return the argv of a buildah command, for long-running ones."""
        return [str(self.buildah), "--storage-driver", "vfs", *args]

    def image_exists(self, name: str) -> bool:
        """Tell whether a local image of that name exists."""
        argv = [str(self.buildah), "--storage-driver", "vfs", "inspect", "--type", "image", name]
        return subprocess.run(argv, capture_output=True, timeout=120, check=False).returncode == 0

    def inspect_image(self, name: str) -> dict[str, Any]:
        """Return buildah's description of an image."""
        data: dict[str, Any] = json.loads(self.run("inspect", "--type", "image", name))
        return data

    def rootfs(self) -> Path:
        """Return today's Debian rootfs tarball with python3, making it once per day."""
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
        target = cache_dir() / f"debian-{SUITE}-python-{stamp}.tar"
        if target.is_file():
            return target
        for stale in cache_dir().glob(f"debian-{SUITE}-python-*.tar"):
            stale.unlink()
        partial = target.with_name(target.name + ".part.tar")
        subprocess.run(
            [str(self.mmdebstrap), "--quiet", "--format=tar", "--variant=apt",
             "--include=python3,python3-venv", SUITE, str(partial)],
            check=True, timeout=1200, capture_output=True)
        partial.rename(target)
        return target

    def base_image(self) -> str:
        """Return a local base image (Debian + python3 + venv) built from the cached rootfs."""
        tarball = self.rootfs()
        name = f"localhost/chartyard-test-base:{tarball.stem.rsplit('-', 1)[-1]}"
        if self.image_exists(name):
            return name
        # Yesterday's base images are stale copies of 220 MB each (vfs): drop them.
        listed = self.run("images", "--format", "{{.Name}}:{{.Tag}}")
        for stale in listed.split():
            if stale.startswith("localhost/chartyard-test-base:") and stale != name:
                self.run("rmi", "-f", stale)
        with tempfile.TemporaryDirectory(prefix="chartyard-base-") as tmp:
            try:
                os.link(tarball, Path(tmp) / "rootfs.tar")
            except OSError:  # another file system
                shutil.copyfile(tarball, Path(tmp) / "rootfs.tar")
            (Path(tmp) / "Containerfile").write_text("FROM scratch\nADD rootfs.tar /\n")
            self.run("bud", "--isolation", "chroot", "-q", "-t", name, tmp)
        return name



def build_volumes() -> list[str]:
    """Return ``--volume`` flags that give RUN steps this machine's pip settings and CAs."""
    flags = []
    for path in ("/etc/pip.conf", "/etc/ssl/certs"):
        if os.path.exists(path):
            flags += ["--volume", f"{path}:{path}:ro"]
    return flags
