"""Run the real ``moto_server`` (AWS API mock) as a child process for tests.

boto3 is pointed at it through ``AWS_ENDPOINT_URL``, which botocore honours
natively, so the code under test has no test-only paths.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.components import MissingComponent
from tests.harness.procs import ManagedProcess, free_port, wait_until

_MOTO_INSTALL = "install the test extras: pip install 'moto[server]'"


def find_moto_server() -> Path:
    """Return the ``moto_server`` executable next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / "moto_server"
    if beside.is_file():
        return beside
    found = shutil.which("moto_server")
    if found:
        return Path(found)
    raise MissingComponent("moto_server", f"not in {beside.parent} or on PATH; {_MOTO_INSTALL}")


class MotoServer:
    """A ``moto_server -H 127.0.0.1 -p PORT`` process, ready when constructed."""

    def __init__(self, *, log_dir: Path | None = None, timeout: float = 30.0) -> None:
        executable = find_moto_server()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        directory = log_dir or Path(tempfile.mkdtemp(prefix="moto-", dir="/tmp"))
        self._process = ManagedProcess(
            [str(executable), "-H", "127.0.0.1", "-p", str(self.port)],
            log_path=directory / "moto_server.log",
        )
        try:
            wait_until(
                self._ready, timeout=timeout, interval=0.05, what=f"moto_server on {self.url}"
            )
        except BaseException:  # startup failed: do not leave the process behind
            self.stop()
            raise

    def _ready(self) -> bool:
        if not self._process.running():
            raise RuntimeError(f"moto_server exited during startup:\n{self._process.log_tail()}")
        try:
            self._post("/moto-api/reset", b"")
        except (urllib.error.URLError, ConnectionError):
            return False
        return True

    def _post(self, path: str, body: bytes) -> bytes:
        # A form content type would make the server parse the body away.
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            data: bytes = response.read()
            return data

    def reset(self) -> None:
        """Forget every resource moto holds, and turn IAM enforcement off again."""
        self._post("/moto-api/reset", b"")
        self._set_auth_threshold("inf")

    def _set_auth_threshold(self, count: str) -> str:
        reply = json.loads(self._post("/moto-api/reset-auth", count.encode()))
        return str(reply["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])

    @contextmanager
    def iam_enforced(self) -> Iterator[None]:
        """Make moto check signatures and IAM policies of every request inside the block."""
        self._set_auth_threshold("0")
        try:
            yield
        finally:
            self._set_auth_threshold("inf")

    def log_tail(self, limit: int = 4000) -> str:
        """Return the end of the server's log."""
        return self._process.log_tail(limit)

    def stop(self) -> None:
        """Stop the server process."""
        self._process.stop()
