"""Process and port helpers shared by the harness servers.

Every child process is started in its own session (process group) so that it
and anything it forks can be stopped together; all live processes and
registered cleanups are also run at interpreter exit, as a backstop for
fixture finalizers that never ran.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

_cleanups: dict[int, Callable[[], None]] = {}
_cleanups_lock = threading.Lock()
_next_handle = 0


def register_cleanup(fn: Callable[[], None]) -> int:
    """Run ``fn`` at interpreter exit unless unregistered first; returns a handle."""
    global _next_handle
    with _cleanups_lock:
        _next_handle += 1
        _cleanups[_next_handle] = fn
        return _next_handle


def unregister_cleanup(handle: int) -> None:
    with _cleanups_lock:
        _cleanups.pop(handle, None)


@atexit.register
def _run_cleanups() -> None:
    with _cleanups_lock:
        pending = list(_cleanups.values())[::-1]
        _cleanups.clear()
    for fn in pending:
        with contextlib.suppress(Exception):
            fn()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        return sock.connect_ex((host, port)) == 0


def wait_for(predicate: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns a true value and return that value.

    Raise AssertionError naming ``what`` after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float = 60.0,
    interval: float = 0.02,
    what: str = "condition",
) -> None:
    """Poll ``predicate`` until it is true; raise TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


def wait_for_port(port: int, *, timeout: float = 60.0) -> None:
    wait_until(lambda: port_open(port), timeout=timeout, what=f"127.0.0.1:{port} to accept")


class ManagedProcess:
    """A child process in its own process group, with output appended to a log file."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.log_path = log_path
        self._log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
        self._cleanup = register_cleanup(self.stop)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, limit: int = 4000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")

    def send_signal(self, sig: signal.Signals) -> None:
        """Signal the whole process group (e.g. SIGSTOP/SIGCONT to simulate a hang)."""
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, sig)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the process group, then SIGKILL it if it does not exit in time."""
        unregister_cleanup(self._cleanup)
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, signal.SIGCONT)  # a paused process cannot exit
            _signal_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=timeout)
        # The leader is gone; make sure nothing it forked lingers in its group.
        _signal_group(self.popen.pid, signal.SIGKILL)
        if not self._log.closed:
            self._log.close()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
