"""`chartyard login`/`logout`, the credentials file, and where the CLI finds its server."""

from __future__ import annotations

import json
import stat

from tests.cli.conftest import ADMIN_PASSWORD, Cli
from tests.harness.chartyard_server import ChartyardServer


def test_login_writes_a_private_token_file_that_later_commands_use(
        cli: Cli, cy_server: ChartyardServer) -> None:
    env = {"CHARTYARD_API_KEY": None, "CHARTYARD_URL": None}
    r = cli("login", "--url", cy_server.url + "/", "--username", "admin", "--password-stdin",
            input=ADMIN_PASSWORD + "\n", env=env)
    assert r.code == 0, r
    assert ADMIN_PASSWORD not in r.out + r.err

    path = cli.config_home / "chartyard" / "credentials.json"  # XDG_CONFIG_HOME is honoured
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["current"] == cy_server.url
    assert stored["servers"][cy_server.url]["username"] == "admin"
    assert stored["servers"][cy_server.url]["token"]
    assert ADMIN_PASSWORD not in path.read_text()

    # Neither URL nor API key in the environment: both come from the login.
    listed = cli("registry", "list", "-o", "json", env=env)
    assert isinstance(listed.json(), list)

    out = cli("logout", env=env)
    assert out.code == 0, out
    assert json.loads(path.read_text())["servers"] == {}
    again = cli("registry", "list", "--url", cy_server.url, env=env)
    assert again.code == 1, again
    assert "NotLoggedIn" in again.err and "chartyard login" in again.err


def test_expired_session_says_to_log_in_again(cli: Cli, cy_server: ChartyardServer) -> None:
    env = {"CHARTYARD_API_KEY": None}
    assert cli("login", "-u", "admin", "--password-stdin", input=ADMIN_PASSWORD,
               env=env).code == 0
    path = cli.config_home / "chartyard" / "credentials.json"
    data = json.loads(path.read_text())
    data["servers"][cy_server.url]["token"] = "revoked-or-expired"
    path.write_text(json.dumps(data))
    r = cli("registry", "list", env=env)
    assert r.code == 1, r
    assert "Unauthorized" in r.err and "chartyard login --url" in r.err


def test_wrong_password_is_refused_and_nothing_is_stored(cli: Cli) -> None:
    r = cli("login", "--username", "admin", "--password-stdin", input="not-the-password\n")
    assert r.code == 1, r
    assert "not-the-password" not in r.out + r.err
    assert "Error:" in r.err
    assert not (cli.config_home / "chartyard" / "credentials.json").exists()


def test_api_key_from_the_environment_wins(cli: Cli) -> None:
    r = cli("registry", "list", "-o", "json")
    assert isinstance(r.json(), list)
    bad = cli("registry", "list", env={"CHARTYARD_API_KEY": "cy_not-a-key"})
    assert bad.code == 1, bad
    assert "Unauthorized" in bad.err


def test_missing_server_is_a_usage_error_and_unreachable_server_exits_1(cli: Cli) -> None:
    r = cli("registry", "list", env={"CHARTYARD_URL": None})
    assert r.code == 2, r
    assert "CHARTYARD_URL" in r.err
    bad_scheme = cli("registry", "list", "--url", "ftp://example.com")
    assert bad_scheme.code == 2, bad_scheme
    down = cli("registry", "list", "--url", "http://127.0.0.1:9")
    assert down.code == 1, down
    assert "ServerUnreachable" in down.err
