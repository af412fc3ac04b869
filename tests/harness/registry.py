"""The real CNCF distribution registry (``docker-registry serve``) on 127.0.0.1.

Modes:
  ``plain``         HTTP, anonymous push and pull.
  ``htpasswd_tls``  TLS with a generated CA and a bcrypt (cost 4) htpasswd file.
  ``token``         Bearer token auth via :class:`TokenServer` (TLS optional).

Data lives in a filesystem directory, so ``stop()``/``start()`` keep it; the
port is chosen once, so ``url`` is stable across restarts.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import ssl
import tempfile
from pathlib import Path
from typing import Any, Literal, TypedDict

import bcrypt
import httpx
import yaml

from tests.harness.components import find_docker_registry
from tests.harness.pki import CA, make_ca
from tests.harness.procs import ManagedProcess, free_port, wait_until
from tests.harness.token_server import TokenPolicy, TokenServer

Mode = Literal["plain", "htpasswd_tls", "token"]

DEFAULT_USER = "chartyard"
DEFAULT_PASSWORD = "s3cret-pass"  # fixed so failures are easy to reproduce by hand


class RegistryError(RuntimeError):
    pass


class HelmTLS(TypedDict):
    """Keyword arguments for :class:`tests.harness.helm.Helm` methods."""

    ca_file: str | None
    plain_http: bool


class RegistryServer:
    """One ``docker-registry`` process and its temp dir. Call :meth:`close` when done."""

    def __init__(
        self,
        mode: Mode = "plain",
        *,
        tls: bool | None = None,
        username: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        extra_sans: list[str] | None = None,
        token_policy: TokenPolicy | None = None,
        token_expires_in: int = 60,
        base_dir: Path | None = None,
        start: bool = True,
        port: int | None = None,  # fixed port, e.g. 443 for a hostname without one
        host: str = "127.0.0.1",  # another loopback address, e.g. to share port 443
    ) -> None:
        self.mode: Mode = mode
        self.host = host
        self.tls = (mode == "htpasswd_tls") if tls is None else tls
        if mode == "htpasswd_tls" and not self.tls:
            raise ValueError("htpasswd_tls mode needs TLS")
        self._binary = find_docker_registry()
        self.root = Path(tempfile.mkdtemp(prefix=f"registry-{mode}-", dir=base_dir))
        self.data_dir = self.root / "data"
        self.data_dir.mkdir()
        self.log_path = self.root / "registry.log"
        self.port = port if port is not None else free_port()
        self._users: dict[str, str] = {}
        self._proc: ManagedProcess | None = None
        self.ca: CA | None = None
        self.token_server: TokenServer | None = None
        self._primary = (username, password) if mode != "plain" else None

        auth: dict[str, Any] = {}
        if self.tls or mode == "token":
            self.ca = make_ca(f"chartyard-test-ca-{mode}")
        if mode == "htpasswd_tls":
            self._users = {username: password}
            self._write_htpasswd()
            auth = {"htpasswd": {"realm": "chartyard-test", "path": str(self.htpasswd_path)}}
        elif mode == "token":
            assert self.ca is not None
            policy = token_policy or TokenPolicy()
            policy.users.setdefault(username, password)
            self.token_server = TokenServer(self.ca, policy, expires_in=token_expires_in)
            bundle = self.ca.write_cert(self.root / "token-root.pem")
            auth = {
                "token": {
                    "realm": self.token_server.realm,
                    "service": self.token_server.service,
                    "issuer": self.token_server.issuer,
                    "rootcertbundle": str(bundle),
                }
            }
        self._write_config(auth, [*(extra_sans or []), host])
        if start:
            self.start()

    # ---- configuration -------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / "config.yml"

    @property
    def htpasswd_path(self) -> Path:
        return self.root / "htpasswd"

    def _write_config(self, auth: dict[str, Any], extra_sans: list[str]) -> None:
        http: dict[str, Any] = {
            "addr": self.host_port,
            "secret": secrets.token_hex(16),
            "headers": {"X-Content-Type-Options": ["nosniff"]},
        }
        if self.tls:
            assert self.ca is not None
            tls_dir = self.root / "tls"
            tls_dir.mkdir()
            self.ca.write_cert(tls_dir / "ca.pem")
            cert, key = self.ca.write_server_cert(tls_dir, extra_sans)
            http["tls"] = {"certificate": str(cert), "key": str(key)}
        config: dict[str, Any] = {
            "version": 0.1,
            "log": {"level": "warn", "formatter": "text"},
            "storage": {
                "filesystem": {"rootdirectory": str(self.data_dir)},
                "delete": {"enabled": True},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            "http": http,
        }
        if auth:
            config["auth"] = auth
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def _write_htpasswd(self) -> None:
        lines = [
            f"{user}:{bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
            for user, pw in self._users.items()
        ]
        tmp = self.htpasswd_path.with_suffix(".tmp")
        tmp.write_text("".join(lines))
        os.replace(tmp, self.htpasswd_path)

    def set_user(self, user: str, password: str) -> None:
        """Add or change a user's password; the registry picks it up live."""
        if self.mode == "htpasswd_tls":
            self._users[user] = password
            self._write_htpasswd()
        elif self.token_server is not None:
            self.token_server.policy.users[user] = password
        else:
            raise RegistryError("plain registries have no users")
        if self._primary is not None and self._primary[0] == user:
            self._primary = (user, password)

    def remove_user(self, user: str) -> None:
        if self.mode == "htpasswd_tls":
            self._users.pop(user, None)
            self._write_htpasswd()
        elif self.token_server is not None:
            self.token_server.policy.users.pop(user, None)

    # ---- addresses and credentials -------------------------------------
    @property
    def host_port(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host_port}"

    @property
    def oci_url(self) -> str:
        """``oci://127.0.0.1:PORT`` as helm wants it (append ``/repo/path``)."""
        return f"oci://{self.host_port}"

    @property
    def ca_pem(self) -> str | None:
        return self.ca.cert_pem if self.tls and self.ca else None

    @property
    def ca_file(self) -> str | None:
        return str(self.root / "tls" / "ca.pem") if self.tls else None

    @property
    def username(self) -> str | None:
        return self._primary[0] if self._primary else None

    @property
    def password(self) -> str | None:
        return self._primary[1] if self._primary else None

    @property
    def auth(self) -> tuple[str, str] | None:
        return self._primary

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What to pass as httpx ``verify=`` to trust this registry."""
        if not self.tls:
            return True
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def helm_tls(self) -> HelmTLS:
        """``helm.pull(ref, v, d, **registry.helm_tls)``: ``--ca-file`` or ``--plain-http``."""
        return {"ca_file": self.ca_file, "plain_http": not self.tls}

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client with base_url and TLS trust set (no auth)."""
        return httpx.Client(base_url=self.url, verify=self.verify, **kwargs)

    # ---- lifecycle -----------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.running()

    def start(self, timeout: float = 60.0) -> None:
        if self.running:
            return
        self._proc = ManagedProcess(
            [str(self._binary), "serve", str(self.config_path)],
            log_path=self.log_path,
            env={"REGISTRY_HTTP_ADDR": self.host_port},
        )
        try:
            with self.client(timeout=1.0) as client:
                wait_until(
                    lambda: self._ready(client), timeout=timeout, what=f"registry on {self.url}"
                )
        except (TimeoutError, RegistryError) as exc:
            tail = self._proc.log_tail()
            self._proc.stop()
            raise RegistryError(f"registry failed to start: {exc}\n--- log ---\n{tail}") from exc

    def _ready(self, client: httpx.Client) -> bool:
        assert self._proc is not None
        if not self._proc.running():
            raise RegistryError(f"docker-registry exited with {self._proc.popen.returncode}")
        try:
            return client.get("/v2/").status_code in (200, 401)
        except httpx.TransportError:
            return False

    def notify(self, url: str, authorization: str) -> None:
        """Send the registry's notifications to ``url`` (restarts a running registry)."""
        config = yaml.safe_load(self.config_path.read_text())
        config["notifications"] = {"endpoints": [{
            "name": "chartyard", "url": url,
            "headers": {"Authorization": [authorization]},
            "timeout": "2s", "threshold": 5, "backoff": "1s",
            "ignoredmediatypes": ["application/octet-stream"],
            "ignore": {"actions": ["pull"]},
        }]}
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        if self.running:
            self.stop()
            self.start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()
            self._proc = None

    def pause(self) -> None:
        """SIGSTOP the registry: connections are accepted but never answered."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop everything and delete the temp dir."""
        self.stop()
        if self.token_server is not None:
            self.token_server.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> RegistryServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RegistryServer(mode={self.mode!r}, url={self.url!r}, running={self.running})"
