"""Registry events: the URL to configure, the last event received, and the secret."""

from __future__ import annotations

from typing import Any, cast

from chartyard.client._http import Http


class EventsApi:
    """The `/v1/registries/{uid}/events` endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def get(self, uid: str) -> dict[str, Any]:
        """Return the URL to configure, whether a secret is set and the last event received."""
        return cast(dict[str, Any], self._http.json("GET", f"/v1/registries/{uid}/events"))

    def rotate_secret(self, uid: str) -> dict[str, Any]:
        """Create or rotate the event secret; the answer holds it this once."""
        return cast(dict[str, Any],
                    self._http.json("POST", f"/v1/registries/{uid}/events/secret"))
