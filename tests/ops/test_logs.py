"""Log format and access logs of a real server: JSON lines, no colour copies, no secrets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from tests.harness.chartyard_server import ChartyardServer


def _wait_for(server: ChartyardServer, needle: str, timeout: float = 30) -> str:
    """Return the log once it holds `needle` (access lines follow the response)."""
    deadline = time.monotonic() + timeout
    while needle not in (log := server.log_text()):
        assert time.monotonic() < deadline, f"{needle!r} never logged:\n{log}"
        time.sleep(0.1)
    return log


SECRETS = ("tok-SECRET-query-1", "apikey-SECRET-2", "bearer-SECRET-3", "cookie-SECRET-4")


def test_json_logs_hold_no_tokens_keys_or_colour(tmp_path: Path) -> None:
    # CHARTYARD_LOG_FORMAT unset and stderr not a terminal: JSON by default.
    server = ChartyardServer(tmp_path / "data", admin_password="logs-admin-pass", worker=False,
                             extra_env={"CHARTYARD_LOG_LEVEL": "INFO"})
    try:
        token = server.token()
        with httpx.Client(base_url=server.url) as client:
            client.get(f"/v1/packs?q=x&token={SECRETS[0]}&apiKey={SECRETS[1]}",
                       headers={"Authorization": f"Bearer {token}"})
            client.get("/v1/registries/oci/summary", headers={"ApiKey": SECRETS[1]})
            client.get("/v1/registries/oci/summary",
                       headers={"Authorization": f"Bearer {SECRETS[2]}"})
            client.get("/settings/registries",
                       headers={"Cookie": f"chartyard_session={SECRETS[3]}"})
            client.get("/no/such/route")
        log = _wait_for(server, '"path": "/no/such/route"')
    finally:
        server.close()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "chartyard.access"]
    assert {r["route"] for r in access} >= {"/v1/packs", "/v1/registries/oci/summary",
                                           "<unmatched>"}
    assert any(r["path"] == "/v1/packs" and r["status"] == 200 for r in access)
    for secret in (*SECRETS, token, "logs-admin-pass"):
        assert secret not in log
    assert not any("color_message" in r for r in records)


def test_a_start_prints_what_an_operator_needs_and_no_library_chatter(tmp_path: Path) -> None:
    """At INFO: the address, the database and the worker; no alembic or uvicorn INFO lines."""
    server = ChartyardServer(tmp_path / "data", admin_password="logs-admin-pass",
                             extra_env={"CHARTYARD_LOG_LEVEL": "INFO"})
    try:
        log = _wait_for(server, "sync worker started")
    finally:
        server.close()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    start = [r for r in records if r["logger"] == "chartyard.server"]
    assert len(start) == 1, records
    assert start[0]["url"] == server.url
    assert start[0]["database"].startswith("sqlite:///") and start[0]["embedded_worker"] is True
    assert any(r["logger"] == "chartyard.store.migrate" for r in records)
    chatter = [r for r in records if not r["logger"].startswith("chartyard")]
    assert chatter == [], chatter  # alembic's plugin setup, uvicorn's banner
    assert "logs-admin-pass" not in log


def test_debug_lets_library_lines_through_as_json(tmp_path: Path) -> None:
    server = ChartyardServer(tmp_path / "data", admin_password="logs-admin-pass", worker=False,
                             extra_env={"CHARTYARD_LOG_LEVEL": "DEBUG"})
    try:
        log = _wait_for(server, "Application startup complete")
    finally:
        server.close()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(r["logger"].startswith("uvicorn") for r in records)
    assert not any(r["logger"].startswith(("httpx", "httpcore", "botocore")) for r in records)


def test_text_format_when_asked(tmp_path: Path) -> None:
    server = ChartyardServer(tmp_path / "data", admin_password="logs-admin-pass", worker=False,
                             extra_env={"CHARTYARD_LOG_FORMAT": "text",
                                        "CHARTYARD_LOG_LEVEL": "INFO"})
    try:
        httpx.get(f"{server.url}/healthz")
        log = _wait_for(server, "GET /healthz 200")
    finally:
        server.close()
    assert "INFO chartyard.access GET /healthz 200" in log
    assert not any(line.startswith("{") for line in log.splitlines())
