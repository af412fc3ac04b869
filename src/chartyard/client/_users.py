"""Users of the tenant (tenant admins), the caller's API keys, and registry event secrets."""

from __future__ import annotations

import builtins
from typing import Any, cast

from chartyard.client._errors import ApiError
from chartyard.client._http import Http
from chartyard.client._types import ApiKey


class UsersApi:
    """The `/v1/users` endpoints: list, create, change role, disable, reset password."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> list[dict[str, Any]]:
        """Return the tenant's users."""
        return cast(list[dict[str, Any]], self._http.json("GET", "/v1/users")["items"])

    def resolve(self, ref: str) -> dict[str, Any]:
        """Find a user by username or uid; raise a 404 `ApiError` when absent."""
        for row in self.list():
            if ref in (row["username"], row["uid"]):
                return row
        raise ApiError(404, "ResourceNotFound", f"no user has the username or uid '{ref}'",
                       {"field": "user"})

    def create(self, username: str, password: str, role: str = "viewer") -> dict[str, Any]:
        """Create a user in the caller's tenant."""
        return cast(dict[str, Any], self._http.json(
            "POST", "/v1/users", json={"username": username, "password": password, "role": role}))

    def update(self, uid: str, *, role: str | None = None,
               disabled: bool | None = None) -> dict[str, Any]:
        """Change a user's role, or disable (revoking sessions and keys) or enable them."""
        body = {k: v for k, v in (("role", role), ("disabled", disabled)) if v is not None}
        return cast(dict[str, Any], self._http.json("PATCH", f"/v1/users/{uid}", json=body))

    def reset_password(self, uid: str, password: str) -> None:
        """Set a user's password; their sessions end."""
        self._http.request("POST", f"/v1/users/{uid}/password", json={"password": password})


class ApiKeysApi:
    """The caller's API keys."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> builtins.list[dict[str, Any]]:
        """Return the caller's own API keys (never their secrets)."""
        return cast(builtins.list[dict[str, Any]],
                    self._http.json("GET", "/v1/users/me/apikeys")["items"])

    def create(self, name: str = "api-key") -> ApiKey:
        """Create an API key; the key is returned only this once."""
        return ApiKey.model_validate(self._http.json("POST", "/v1/apikeys", json={"name": name}))

    def revoke(self, uid: str) -> None:
        """Revoke an API key."""
        self._http.request("DELETE", f"/v1/apikeys/{uid}")
