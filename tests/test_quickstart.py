"""The README's first command serves on 127.0.0.1:8080 with the embedded defaults."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_chartyard_serve_defaults_answer_healthz(tmp_path: Path) -> None:
    script = shutil.which("chartyard", path=str(Path(sys.executable).parent))
    assert script, "the console script 'chartyard' is not installed (pip install .)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
    env["HOME"] = str(tmp_path)  # the default data dir lives under ~/.local/share
    proc = subprocess.Popen([script, "serve"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120  # generous: CI is a busy 2-core box
        status = None
        while time.monotonic() < deadline and status != 200:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                status = httpx.get("http://127.0.0.1:8080/healthz", timeout=10).status_code
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200
        assert httpx.get("http://127.0.0.1:8080/readyz").json()["status"] == "ready"
        data_dir = tmp_path / ".local" / "share" / "chartyard"
        assert (data_dir / "chartyard.db").exists()
        assert oct((data_dir / "secret.key").stat().st_mode & 0o777) == "0o600"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    # No CHARTYARD_ADMIN_PASSWORD: a password is generated and printed once.
    assert "created user 'admin' of tenant 'default' with password:" in out


def test_serve_with_several_api_processes(tmp_path: Path) -> None:
    from tests.harness.chartyard_server import ChartyardServer

    server = ChartyardServer(tmp_path / "data", admin_password="Admin-pass-123", workers=2)
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        # Tokens are in the database: any process accepts any other's.
        for _ in range(12):
            r = httpx.get(f"{server.url}/v1/registries/oci/summary", headers=headers)
            assert r.status_code == 200
        assert server.proc.poll() is None
        assert "Traceback" not in server.log_text()  # no process lost a migration race
    finally:
        server.close()
