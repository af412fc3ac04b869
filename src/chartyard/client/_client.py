"""The client object: one connection to a chartyard server and its API groups."""

from __future__ import annotations

from types import TracebackType

import httpx

from chartyard.client._auth import AuthApi
from chartyard.client._charts import ChartsApi
from chartyard.client._events import EventsApi
from chartyard.client._http import Http
from chartyard.client._mirrors import MirrorsApi
from chartyard.client._profiles import ProfilesApi
from chartyard.client._registries import RegistriesApi
from chartyard.client._trust import TrustApi
from chartyard.client._users import ApiKeysApi, UsersApi


class ChartyardClient:
    """Talk to a chartyard server with a session token or an API key.

    >>> with ChartyardClient("http://127.0.0.1:8080", api_key=key) as cy:
    ...     for row in cy.registries.list(): ...
    """

    def __init__(self, url: str, token: str | None = None, api_key: str | None = None, *,
                 timeout: float = 30.0, verify: bool | str = True,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = Http(url, token=token, api_key=api_key, timeout=timeout, verify=verify,
                          transport=transport)
        self.auth = AuthApi(self._http)
        self.registries = RegistriesApi(self._http)
        self.charts = ChartsApi(self._http)
        self.profiles = ProfilesApi(self._http)
        self.users = UsersApi(self._http)
        self.api_keys = ApiKeysApi(self._http)
        self.events = EventsApi(self._http)
        self.trust = TrustApi(self._http)
        self.mirrors = MirrorsApi(self._http)

    @property
    def url(self) -> str:
        """Return the server URL without a trailing slash."""
        return self._http.url

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> ChartyardClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
