"""One authenticated HTTP session to a chartyard server; every error becomes an `ApiError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from chartyard import __version__
from chartyard.client._errors import ApiError, ServerUnreachable

Params = Mapping[str, str | int | bool | None]


class Http:
    """Send requests relative to the server URL and decode errors."""

    def __init__(self, url: str, *, token: str | None = None, api_key: str | None = None,
                 timeout: float = 30.0, verify: bool | str = True,
                 transport: httpx.BaseTransport | None = None) -> None:
        if token and api_key:
            raise ValueError("give either a session token or an API key, not both")
        headers = {"User-Agent": f"chartyard-client/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if api_key:
            headers["ApiKey"] = api_key
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout,
                                    verify=verify, transport=transport)

    def request(self, method: str, path: str, *, json: Any = None,
                params: Params | None = None) -> httpx.Response:
        """Send one request; raise `ApiError` for an error status, `ServerUnreachable` if down."""
        query = {k: (str(v).lower() if isinstance(v, bool) else v)
                 for k, v in (params or {}).items() if v is not None}
        try:
            response = self._client.request(method, path, json=json, params=query)
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.url, exc) from exc
        if response.is_error:
            raise ApiError.from_response(response)
        return response

    def json(self, method: str, path: str, *, json: Any = None,
             params: Params | None = None) -> Any:
        """Send one request and return its decoded JSON body."""
        response = self.request(method, path, json=json, params=params)
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(response.status_code, "InvalidResponse",
                           f"{method} {path} did not return JSON") from exc

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
