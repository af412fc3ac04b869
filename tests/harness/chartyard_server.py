"""Run a real `chartyard serve` process for end-to-end tests (CLI, browser, logs)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.harness.procs import free_port


class ChartyardServer:
    """A `chartyard serve` subprocess with its own data dir; stderr goes to `log_path`."""

    def __init__(self, data_dir: Path, *, admin_password: str, database_url: str | None = None,
                 extra_env: dict[str, str] | None = None, worker: bool = True,
                 workers: int = 1, args: list[str] | None = None,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        scheme = "https" if args and "--tls-cert" in args else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.verify = verify  # trust for HTTPS
        self.admin_password = admin_password
        self.log_path = data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
        env.update({
            "CHARTYARD_DATA_DIR": str(data_dir),
            "CHARTYARD_ADMIN_PASSWORD": admin_password,
            "CHARTYARD_WORKER_POLL_SECONDS": "0.2",
            "CHARTYARD_LOG_LEVEL": "DEBUG",
        })
        if database_url:
            env["CHARTYARD_DATABASE_URL"] = database_url
        env.update(extra_env or {})
        data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        argv = [sys.executable, "-m", "chartyard", "serve", "--port", str(self.port)]
        if not worker:
            argv.append("--no-worker")
        if workers > 1:
            argv += ["--workers", str(workers)]
        argv += args or []
        self.proc = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chartyard exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=10,
                             verify=self.verify).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"chartyard did not become healthy:\n{self.log_path.read_text()}")

    def token(self, username: str = "admin", password: str | None = None) -> str:
        """Return a session token."""
        r = httpx.post(f"{self.url}/v1/auth/authenticate", verify=self.verify,
                       json={"username": username, "password": password or self.admin_password})
        r.raise_for_status()
        return str(r.json()["Authorization"])

    def log_text(self) -> str:
        """Return everything the server has printed."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        """Stop the server."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
