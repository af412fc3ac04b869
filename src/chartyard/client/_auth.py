"""Sessions, identity and API keys."""

from __future__ import annotations

from chartyard.client._http import Http
from chartyard.client._types import ApiKey, Identity


class AuthApi:
    """Authenticate, read the caller, and manage API keys."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def authenticate(self, username: str, password: str) -> str:
        """Exchange a username and password for a session token."""
        body = self._http.json("POST", "/v1/auth/authenticate",
                               json={"username": username, "password": password})
        return str(body["Authorization"])

    def logout(self) -> None:
        """Invalidate the session token this client sends."""
        self._http.request("POST", "/v1/auth/logout")

    def me(self) -> Identity:
        """Return the caller's identity and role."""
        return Identity.model_validate(self._http.json("GET", "/v1/users/me"))

    def create_api_key(self, name: str = "api-key") -> ApiKey:
        """Create an API key for the caller; the key is returned only this once."""
        return ApiKey.model_validate(self._http.json("POST", "/v1/apikeys", json={"name": name}))
