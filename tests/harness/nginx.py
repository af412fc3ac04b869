"""Real nginx serving classic Helm repositories (``index.yaml`` + chart archives).

One `NginxServer` is one ``nginx -g 'daemon off;'`` process with a config of
its own: pid, logs and temp paths live under a private temp dir. It serves
``root`` at ``/``, optionally over TLS (a fresh test CA, see `pki`) and behind
HTTP basic auth (an htpasswd file, bcrypt cost 4). Two extra locations exist on
every server for protocol edge cases a plain file server produces:

- ``/_novalidators/...`` serves the same files without ``ETag`` and
  ``Last-Modified`` (nginx's sub filter drops both), as some CDNs do;
- ``/_status/<code>/...`` answers every request with ``<code>`` (see `STATUS_CODES`).

The access log records ``method uri status user`` per request, so tests can
count what reached the server (`requests`).
"""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import tempfile
from pathlib import Path

import bcrypt
import httpx

from tests.harness.components import MissingComponent
from tests.harness.pki import CA, make_ca
from tests.harness.procs import ManagedProcess, free_port, wait_until

DEFAULT_USER = "chartyard"
DEFAULT_PASSWORD = "repo-s3cret"  # fixed so failures are easy to reproduce by hand
STATUS_CODES = (204, 403, 404, 429, 500, 502, 503)


def find_nginx() -> Path:
    """Return the nginx binary or raise `MissingComponent`."""
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise MissingComponent("nginx", "no `nginx` on PATH or in /usr/sbin")


class NginxServer:
    """One nginx process serving ``root``; call `close` when done."""

    def __init__(self, *, tls: bool = False, users: dict[str, str] | None = None,
                 base_dir: Path | None = None, extra_sans: list[str] | None = None,
                 start: bool = True) -> None:
        self._binary = find_nginx()
        self.dir = Path(tempfile.mkdtemp(prefix="nginx-", dir=base_dir))
        self.dir.chmod(0o755)
        self.root = self.dir / "root"
        self.root.mkdir()
        self.root.chmod(0o755)
        (self.dir / "tmp").mkdir()
        self.tls = tls
        self.port = free_port()
        self.ca: CA | None = make_ca("chartyard-test-ca-nginx") if tls else None
        self.users = dict(users or {})
        self._proc: ManagedProcess | None = None
        if self.users:
            self._write_htpasswd()
        self._write_config(extra_sans or [])
        if start:
            self.start()

    # ---- configuration -------------------------------------------------
    @property
    def access_log(self) -> Path:
        return self.dir / "access.log"

    @property
    def config_path(self) -> Path:
        return self.dir / "nginx.conf"

    def _write_htpasswd(self) -> None:
        lines = [f"{u}:{bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
                 for u, p in self.users.items()]
        path = self.dir / "htpasswd"
        path.write_text("".join(lines))
        path.chmod(0o644)

    def _write_config(self, extra_sans: list[str]) -> None:
        d = self.dir
        listen = f"127.0.0.1:{self.port}"
        tls_lines = ""
        if self.ca is not None:
            tls_dir = d / "tls"
            tls_dir.mkdir()
            self.ca.write_cert(tls_dir / "ca.pem")
            cert, key = self.ca.write_server_cert(tls_dir, extra_sans)
            key.chmod(0o644)
            listen += " ssl"
            tls_lines = f"ssl_certificate {cert};\n    ssl_certificate_key {key};"
        auth = (f'auth_basic "chartyard-test";\n    auth_basic_user_file {d}/htpasswd;'
                if self.users else "")
        user = "user root root;" if os.geteuid() == 0 else ""
        statuses = "\n    ".join(f"location /_status/{code}/ {{ return {code}; }}"
                                  for code in STATUS_CODES)
        temps = "\n  ".join(f"{name}_temp_path {d}/tmp/{name};"
                            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.config_path.write_text(f"""{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
  types {{ application/yaml yaml; application/gzip tgz; text/html html; }}
  default_type application/octet-stream;
  log_format counted '$request_method $uri $status $remote_user';
  access_log {d}/access.log counted;
  {temps}
  server {{
    listen {listen};
    {tls_lines}
    {auth}
    root {self.root};
    location / {{ }}
    location /_novalidators/ {{
      alias {self.root}/;
      etag off;
      sub_filter_types *;
      sub_filter '@@chartyard-never-matches@@' '';
    }}
    {statuses}
  }}
}}
""")

    # ---- addresses -----------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL with a trailing slash: ``http(s)://127.0.0.1:PORT/``."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/"

    @property
    def ca_pem(self) -> str | None:
        return self.ca.cert_pem if self.ca else None

    @property
    def ca_file(self) -> str | None:
        return str(self.dir / "tls" / "ca.pem") if self.ca else None

    @property
    def username(self) -> str | None:
        return next(iter(self.users), None)

    @property
    def password(self) -> str | None:
        return self.users[self.username] if self.username else None

    def path(self, relative: str) -> Path:
        """Return ``root/relative``, creating its parent directories."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    # ---- access log ----------------------------------------------------
    def requests(self, uri_prefix: str = "", *, at_least: int = 0,
                 timeout: float = 30.0) -> list[tuple[str, str, int, str]]:
        """Return (method, uri, status, user) of every logged request under ``uri_prefix``.

        nginx writes a request's log line after the client already has the
        answer, so a caller that just made ``at_least`` requests waits for
        their lines instead of racing the log.
        """
        if at_least:
            wait_until(lambda: len(self._logged(uri_prefix)) >= at_least, timeout=timeout,
                       what=f"{at_least} logged requests under {uri_prefix!r}")
        return self._logged(uri_prefix)

    def _logged(self, uri_prefix: str) -> list[tuple[str, str, int, str]]:
        if not self.access_log.exists():
            return []
        found = []
        for line in self.access_log.read_text().splitlines():
            method, uri, status, user = [*line.split(" "), "", "", ""][:4]
            if uri.startswith(uri_prefix):
                found.append((method, uri, int(status), user))
        return found

    def clear_log(self) -> None:
        """Empty the access log (nginx keeps appending to the same file)."""
        if self.access_log.exists():
            self.access_log.write_text("")

    # ---- lifecycle -----------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.running()

    def start(self, timeout: float = 15.0) -> None:
        if self.running:
            return
        self._proc = ManagedProcess(
            [str(self._binary), "-c", str(self.config_path), "-g", "daemon off;"],
            log_path=self.dir / "nginx.out",
        )
        verify: ssl.SSLContext | bool = (ssl.create_default_context(cafile=self.ca_file)
                                         if self.ca else True)
        with httpx.Client(verify=verify, timeout=2.0) as client:
            def ready() -> bool:
                assert self._proc is not None
                if not self._proc.running():
                    error_log = self.dir / "error.log"
                    errors = error_log.read_text() if error_log.exists() else ""
                    raise RuntimeError(f"nginx exited: {self._proc.log_tail()}{errors}")
                try:
                    client.get(self.url + "_status/204/ready")
                except httpx.TransportError:
                    return False
                return True

            wait_until(ready, timeout=timeout, what=f"nginx on {self.url}")

    def pause(self) -> None:
        """SIGSTOP nginx: connections are accepted by the kernel but never answered."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()
            self._proc = None

    def close(self) -> None:
        """Stop nginx and delete its directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> NginxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
