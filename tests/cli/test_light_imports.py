"""The API client and the CLI load none of the server's stack.

They speak HTTP with the wire models; SQLAlchemy, boto3/botocore and FastAPI belong to the
server. Each check runs in a fresh interpreter, so modules other tests loaded do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SERVER_STACK = ("sqlalchemy", "boto3", "botocore", "fastapi")


def _loaded(module: str) -> dict[str, list[str]]:
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps({{p: sorted(m for m in sys.modules if m == p or m.startswith(p + '.'))"
        f" for p in {SERVER_STACK!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=120)
    loaded: dict[str, list[str]] = json.loads(out.stdout)
    return loaded


@pytest.mark.parametrize("module", ["chartyard.client", "chartyard.cli"])
def test_client_and_cli_load_no_server_stack(module: str) -> None:
    loaded = _loaded(module)
    assert {p: mods[:3] for p, mods in loaded.items() if mods} == {}


def test_the_check_sees_a_server_module() -> None:
    assert _loaded("chartyard.store.models")["sqlalchemy"]
