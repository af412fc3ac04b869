"""Trust: the tenant's trusted signing keys and its signature policy."""

from __future__ import annotations

from typing import Any, cast

from chartyard.client._http import Http


class TrustApi:
    """The `/v1/trust` endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def keys(self) -> list[dict[str, Any]]:
        """Return the trusted keys."""
        return cast(list[dict[str, Any]], self._http.json("GET", "/v1/trust/keys")["items"])

    def add_key(self, name: str, public_key: str) -> dict[str, Any]:
        """Trust an ASCII-armored public key; return its uid and fingerprint."""
        return cast(dict[str, Any], self._http.json(
            "POST", "/v1/trust/keys", json={"name": name, "publicKey": public_key}))

    def remove_key(self, uid: str) -> None:
        """Stop trusting a key."""
        self._http.request("DELETE", f"/v1/trust/keys/{uid}")

    def policy(self) -> dict[str, Any]:
        """Return the signature policy."""
        return cast(dict[str, Any], self._http.json("GET", "/v1/trust/policy"))

    def set_policy(self, require_verified: bool) -> dict[str, Any]:
        """Set whether profile layers must be verified."""
        return cast(dict[str, Any], self._http.json(
            "PUT", "/v1/trust/policy", json={"requireVerified": require_verified}))
