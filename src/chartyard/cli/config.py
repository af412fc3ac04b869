"""Where the CLI finds its server and credentials: flags, environment, the credentials file.

Precedence: `--url` over `CHARTYARD_URL` over the server of the last `chartyard login`;
`CHARTYARD_API_KEY` over the session token stored for that server. Tokens live in
`$XDG_CONFIG_HOME/chartyard/credentials.json` (default `~/.config`), mode 0600.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chartyard.cli.output import fail

if TYPE_CHECKING:  # commands import the client (and its wire models) when they run
    from chartyard.client import ChartyardClient

ENV_URL = "CHARTYARD_URL"
ENV_API_KEY = "CHARTYARD_API_KEY"

UrlOption = Annotated[str | None, typer.Option(
    "--url", help=f"Server URL; overrides {ENV_URL} and the server of `chartyard login`.",
    show_default=False)]


def config_dir() -> Path:
    """Return chartyard's config directory, honouring XDG_CONFIG_HOME."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "chartyard"


def credentials_path() -> Path:
    """Return the path of the stored session tokens."""
    return config_dir() / "credentials.json"


def normalise_url(url: str) -> str:
    """Return the URL without a trailing slash; reject anything but http(s) as a usage error."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise typer.BadParameter(f"'{url}' is not a URL: write it as https://host[:port]",
                                 param_hint="--url")
    return url


def load_credentials() -> dict[str, Any]:
    """Return the credentials file as `{"current": url, "servers": {url: {...}}}`."""
    path = credentials_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"current": None, "servers": {}}
    except (OSError, ValueError) as exc:
        fail("InvalidCredentialsFile",
             f"cannot read {path}: {exc}; delete it and run `chartyard login` again")
    if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
        fail("InvalidCredentialsFile",
             f"{path} is not a chartyard credentials file; delete it and log in again")
    return data


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_login(url: str, username: str, token: str) -> Path:
    """Store a session token for `url` (mode 0600) and make `url` the current server."""
    data = load_credentials()
    data["servers"][url] = {"username": username, "token": token}
    data["current"] = url
    path = credentials_path()
    _write_private(path, json.dumps(data, indent=2) + "\n")
    return path


def forget_login(url: str) -> str | None:
    """Remove the token stored for `url`; return it (for revoking), or None."""
    data = load_credentials()
    entry = data["servers"].pop(url, None)
    if entry is None:
        return None
    if data.get("current") == url:
        data["current"] = next(iter(data["servers"]), None)
    _write_private(credentials_path(), json.dumps(data, indent=2) + "\n")
    return str(entry.get("token") or "") or None


def resolve_url(flag: str | None) -> str:
    """Return the server URL from `--url`, `CHARTYARD_URL` or the last login."""
    url = flag or os.environ.get(ENV_URL) or load_credentials().get("current")
    if not url:
        raise typer.BadParameter(
            f"no chartyard server given: pass --url, set {ENV_URL}, or run `chartyard login`",
            param_hint="--url")
    return normalise_url(str(url))


def _auth_for(url: str) -> tuple[str | None, str | None]:
    api_key = os.environ.get(ENV_API_KEY)
    if api_key:
        return None, api_key
    entry = load_credentials()["servers"].get(url) or {}
    token = entry.get("token")
    if not token:
        fail("NotLoggedIn", f"no credentials for {url}: set {ENV_API_KEY} or run "
                            f"`chartyard login --url {url}`")
    return str(token), None


@contextmanager
def connect(url_flag: str | None) -> Iterator[ChartyardClient]:
    """Yield an authenticated client; an `ApiError` inside prints code and message, exit 1."""
    from chartyard.client import ApiError, ChartyardClient

    url = resolve_url(url_flag)
    token, api_key = _auth_for(url)
    try:
        with ChartyardClient(url, token=token, api_key=api_key) as client:
            yield client
    except ApiError as exc:
        hint = None
        if exc.status == 401 and token:
            hint = (f"the session stored for {url} has expired or was revoked; "
                    f"run `chartyard login --url {url}`")
        fail(exc.code, exc.message, field=exc.field, hint=hint)
