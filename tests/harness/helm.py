"""The real helm binary, isolated in its own config, cache and data dirs."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.harness.components import find_helm

_DIGEST_RE = re.compile(r"Digest:\s*(sha256:[0-9a-f]{64})")


class HelmError(RuntimeError):
    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        super().__init__(
            f"`{' '.join(argv)}` exited with {returncode}\n--- stderr ---\n{stderr.strip()}"
            f"\n--- stdout ---\n{stdout.strip()}"
        )
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def _tls_flags(
    *, ca_file: str | None, insecure: bool, plain_http: bool, insecure_flag: str
) -> list[str]:
    flags: list[str] = []
    if ca_file:
        flags += ["--ca-file", ca_file]
    if insecure:
        flags.append(insecure_flag)
    if plain_http:
        flags.append("--plain-http")
    return flags


def registry_host(oci_url: str) -> str:
    """``oci://127.0.0.1:5000/a/b`` (or ``127.0.0.1:5000/a``) -> ``127.0.0.1:5000``."""
    if "://" not in oci_url:
        oci_url = f"oci://{oci_url}"
    return urlsplit(oci_url).netloc


class Helm:
    """Runs helm with ``HELM_CONFIG_HOME``/``CACHE``/``DATA`` in a private temp dir.

    Registry logins are kept in that config dir, so they last for the life of
    this object. Every failure raises :class:`HelmError` with helm's stderr.
    """

    def __init__(
        self, binary: Path | None = None, home: Path | None = None, timeout: float = 120.0
    ) -> None:
        self.binary = binary or find_helm()
        self._owns_home = home is None
        self.home = home or Path(tempfile.mkdtemp(prefix="helm-home-"))
        self.timeout = timeout
        self.env = {
            "HOME": str(self.home),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_DATA_HOME": str(self.home / "data"),
            "DOCKER_CONFIG": str(self.home / "docker"),
            "KUBECONFIG": str(self.home / "kubeconfig"),
            "NO_COLOR": "1",
        }

    def run(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(self.binary), *args]
        proc = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            env={**self.env, **(env or {})},
            check=False,
        )
        if proc.returncode != 0:
            raise HelmError(argv, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def version(self) -> str:
        """e.g. ``v4.1.4``."""
        return self.run("version", "--template", "{{ .Version }}").stdout.strip()

    @property
    def major(self) -> int:
        return int(self.version().lstrip("v").split(".")[0])

    def login(
        self,
        host: str,
        username: str,
        password: str,
        *,
        ca_file: str | None = None,
        insecure: bool = False,
        plain_http: bool = False,
    ) -> None:
        self.run(
            "registry",
            "login",
            registry_host(host),
            "--username",
            username,
            "--password-stdin",
            *_tls_flags(
                ca_file=ca_file,
                insecure=insecure,
                plain_http=plain_http,
                insecure_flag="--insecure",
            ),
            input=password,
        )

    def logout(self, host: str) -> None:
        self.run("registry", "logout", registry_host(host))

    def push(
        self,
        tgz_path: Path | str,
        oci_url: str,
        *,
        ca_file: str | None = None,
        insecure: bool = False,
        plain_http: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> str:
        """``helm push`` to ``oci://host/path`` (the chart name is appended); returns the digest.

        With credentials, ``helm registry login`` runs first.
        """
        tls = _tls_flags(
            ca_file=ca_file,
            insecure=insecure,
            plain_http=plain_http,
            insecure_flag="--insecure-skip-tls-verify",
        )
        if username is not None:
            self.login(
                oci_url,
                username,
                password or "",
                ca_file=ca_file,
                insecure=insecure,
                plain_http=plain_http,
            )
        proc = self.run("push", str(tgz_path), oci_url, *tls)
        match = _DIGEST_RE.search(proc.stdout + proc.stderr)
        if not match:
            raise HelmError(
                ["push", str(tgz_path), oci_url],
                0,
                proc.stdout,
                "no digest in helm push output\n" + proc.stderr,
            )
        return match.group(1)

    def _fetch_flags(
        self,
        version: str | None,
        ca_file: str | None,
        insecure: bool,
        plain_http: bool,
        username: str | None,
        password: str | None,
    ) -> list[str]:
        flags = _tls_flags(
            ca_file=ca_file,
            insecure=insecure,
            plain_http=plain_http,
            insecure_flag="--insecure-skip-tls-verify",
        )
        if version is not None:
            flags += ["--version", version]
        if username is not None:
            flags += ["--username", username, "--password", password or ""]
        return flags

    def pull(
        self,
        ref: str,
        version: str | None,
        dest_dir: Path,
        *,
        ca_file: str | None = None,
        insecure: bool = False,
        plain_http: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> Path:
        """``helm pull oci://host/repo/chart`` into ``dest_dir``; returns the .tgz path."""
        dest_dir.mkdir(parents=True, exist_ok=True)
        before = set(dest_dir.iterdir())
        self.run(
            "pull",
            ref,
            "-d",
            str(dest_dir),
            *self._fetch_flags(version, ca_file, insecure, plain_http, username, password),
        )
        new = sorted(p for p in set(dest_dir.iterdir()) - before if p.suffix == ".tgz")
        if len(new) != 1:
            raise HelmError(["pull", ref], 0, "", f"expected one new .tgz in {dest_dir}, got {new}")
        return new[0]

    def template(
        self,
        chart: str | Path,
        version: str | None = None,
        *,
        values_file: Path | str | None = None,
        set_values: Mapping[str, str] | None = None,
        release: str = "test",
        ca_file: str | None = None,
        insecure: bool = False,
        plain_http: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> str:
        """``helm template`` of a local path/.tgz or an ``oci://`` ref; returns the manifests."""
        args = [
            "template",
            release,
            str(chart),
            *self._fetch_flags(version, ca_file, insecure, plain_http, username, password),
        ]
        if values_file is not None:
            args += ["--values", str(values_file)]
        for key, value in (set_values or {}).items():
            args += ["--set", f"{key}={value}"]
        return self.run(*args).stdout

    def show_chart(
        self,
        ref: str | Path,
        version: str | None = None,
        *,
        ca_file: str | None = None,
        insecure: bool = False,
        plain_http: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        """``helm show chart``, parsed."""
        out = self.run(
            "show",
            "chart",
            str(ref),
            *self._fetch_flags(version, ca_file, insecure, plain_http, username, password),
        ).stdout
        loaded = yaml.safe_load(out)
        if not isinstance(loaded, dict):
            raise HelmError(["show", "chart", str(ref)], 0, out, "output is not a mapping")
        return loaded

    def show_values(
        self,
        ref: str | Path,
        version: str | None = None,
        *,
        ca_file: str | None = None,
        insecure: bool = False,
        plain_http: bool = False,
        username: str | None = None,
        password: str | None = None,
    ) -> str:
        return self.run(
            "show",
            "values",
            str(ref),
            *self._fetch_flags(version, ca_file, insecure, plain_http, username, password),
        ).stdout

    def close(self) -> None:
        if self._owns_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Helm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
