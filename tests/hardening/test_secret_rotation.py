"""`chartyard admin rotate-secret-key` as a real subprocess, while a server keeps serving."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select

from chartyard.store.crypto import SecretBox
from chartyard.store.models import Registry
from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.registry import RegistryServer

PASSWORD = "Rotate-Admin-Pass-1"


def _server(data_dir: Path, key: str) -> ChartyardServer:
    return ChartyardServer(data_dir, admin_password=PASSWORD, worker=False,
                           extra_env={"CHARTYARD_SECRET_KEY": key})


def _stored_token(data_dir: Path) -> str:
    engine = create_engine(f"sqlite:///{data_dir / 'chartyard.db'}")
    try:
        with engine.connect() as conn:
            token = conn.scalar(select(Registry.secrets_enc))
    finally:
        engine.dispose()
    assert token
    return str(token)


@pytest.mark.timeout(180)
def test_rotate_secret_key_without_downtime(tmp_path: Path,
                                            tls_registry: RegistryServer) -> None:
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    data = tmp_path / "data"
    assert tls_registry.username and tls_registry.password and tls_registry.ca_pem
    body = basic_body("tls", tls_registry.url, username=tls_registry.username,
                      password=tls_registry.password, ca=tls_registry.ca_pem)

    old = _server(data, key_a)  # the registry's password is stored under key A
    try:
        with httpx.Client(base_url=old.url, timeout=30,
                          headers={"Authorization": f"Bearer {old.token()}"}) as client:
            created = client.post("/v1/registries/oci/basic", json=body)
            assert created.status_code == 201, created.text
            uid = created.json()["uid"]
    finally:
        old.close()
    SecretBox([key_a]).decrypt(_stored_token(data))

    server = _server(data, f"{key_b},{key_a}")  # new key first, old key still readable
    statuses: Counter[int] = Counter()
    stop = threading.Event()
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}

        def keep_using_the_secret() -> None:
            with httpx.Client(base_url=server.url, timeout=30, headers=headers) as client:
                while not stop.is_set():
                    # Validation decrypts the stored password and logs in to the registry.
                    statuses[client.post(f"/v1/registries/oci/{uid}/basic/validate")
                             .status_code] += 1
                    statuses[client.get(f"/v1/registries/oci/{uid}/basic").status_code] += 1

        poller = threading.Thread(target=keep_using_the_secret)
        poller.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
        env.update(CHARTYARD_DATA_DIR=str(data), CHARTYARD_SECRET_KEY=f"{key_b},{key_a}")
        rotated = subprocess.run([sys.executable, "-m", "chartyard", "admin",
                                  "rotate-secret-key"], env=env, capture_output=True,
                                 text=True, timeout=60, check=False)
        stop.set()
        poller.join(30)
        assert rotated.returncode == 0, rotated.stderr
        assert "re-encrypted the secrets of 1 registries" in rotated.stdout
        assert set(statuses) == {200, 204} and sum(statuses.values()) >= 2, statuses
        with httpx.Client(base_url=server.url, timeout=30, headers=headers) as client:
            assert client.post(f"/v1/registries/oci/{uid}/basic/validate").status_code == 204
        assert "Traceback" not in server.log_text()
    finally:
        stop.set()
        server.close()

    token = _stored_token(data)
    assert SecretBox([key_b]).decrypt(token)["password"] == tls_registry.password
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox([key_a]).decrypt(token)  # the old key alone no longer reads it

    alone = _server(data, key_b)  # key B alone serves and logs in to the registry
    try:
        with httpx.Client(base_url=alone.url, timeout=30,
                          headers={"Authorization": f"Bearer {alone.token()}"}) as client:
            assert client.post(f"/v1/registries/oci/{uid}/basic/validate").status_code == 204
            reply = client.get(f"/v1/registries/oci/{uid}/basic").json()
            assert reply["spec"]["auth"]["passwordSet"] is True
    finally:
        alone.close()
