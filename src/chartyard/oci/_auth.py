"""Registry auth as an ``httpx.Auth``: Basic, and the Docker/OCI Bearer token flow."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncGenerator, Callable, Generator

import httpx

from chartyard.http import (
    KIND,
    MAX_BYTES,
    RETRYABLE_STATUS,
    SCOPE,
    BasicCredentials,
    ClientLimits,
    ProtocolError,
    RetryableStatus,
    ensure_complete,
)

from ._challenge import Challenge, parse_challenge
from ._errors import AuthenticationFailed
from ._tokens import TokenCache, TokenKey, parse_token_response


class RegistryAuth(httpx.Auth):
    """Authenticate registry requests the way ``docker login`` and helm do.

    Sends the request; on a 401 reads the ``WWW-Authenticate`` challenge. For
    ``Basic`` it retries with the credentials. For ``Bearer`` it yields a token
    request (``GET realm?service=&scope=``, Basic-authenticated when credentials
    are set) through the same client, then retries with the token. Tokens live
    on this instance per (realm, service, scope) and are sent pre-emptively to
    later requests of the same scope. A token granting less than asked is not
    an error here: the registry's final 401/403 is returned to the caller.

    Only the async flow is implemented: it does I/O (bounded token reads) and
    takes locks, as httpx advises. Not supported: the OAuth2 POST token flow,
    refresh tokens, and schemes other than Basic and Bearer.
    """

    def __init__(
        self,
        credentials: BasicCredentials | None,
        *,
        origin: str,
        limits: ClientLimits,
        user_agent: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = credentials
        self._origin = httpx.URL(origin)
        self._limits = limits
        self._user_agent = user_agent
        self._cache = TokenCache(clock)
        self._site: tuple[str, str] | None = None  # (realm, service) last seen
        self._basic = False  # the registry asked for Basic once: send it up front

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Refuse to run in a sync client."""
        raise RuntimeError("RegistryAuth only works with httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send ``request``, answering one 401 challenge with Basic or a Bearer token."""
        if not _same_origin(request.url, self._origin):
            yield request  # never attach registry credentials to another host
            return
        raw_scope = request.extensions.get(SCOPE)
        scope = raw_scope if isinstance(raw_scope, str) else None
        used = self._apply_cached(request, scope or "")
        sent_basic = request.headers.get("Authorization", "").startswith("Basic ")
        response = yield request
        if response.status_code != 401:
            return
        challenge = _pick(parse_challenge(", ".join(response.headers.get_list("www-authenticate"))))
        if challenge is None:
            return
        if challenge.scheme == "basic":
            if self._credentials is None or sent_basic:
                return  # nothing (new) to offer
            self._basic = True
            request.headers["Authorization"] = self._basic_header()
            yield request
            return
        realm = challenge.params.get("realm", "")
        service = challenge.params.get("service", "")
        wanted = challenge.params.get("scope") or scope or ""
        key = TokenKey(realm, service, scope if scope is not None else wanted)
        self._site = (realm, service)
        if used is not None:
            self._cache.discard(key, used)
        async with self._cache.lock(key):
            token = self._cache.get(key)
            if token is None or token == used:
                answer = yield self._token_request(request, realm, service, wanted)
                token, expires_in = await self._read_token(answer)
                self._cache.put(key, token, expires_in)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def _apply_cached(self, request: httpx.Request, scope: str) -> str | None:
        """Set a cached Bearer token (returned) or known-needed Basic header up front."""
        if self._site is not None:
            token = self._cache.get(TokenKey(*self._site, scope))
            if token is not None:
                request.headers["Authorization"] = f"Bearer {token}"
                return token
        if self._basic and self._credentials is not None:
            request.headers["Authorization"] = self._basic_header()
        return None

    def _token_request(
        self, original: httpx.Request, realm: str, service: str, scope: str
    ) -> httpx.Request:
        url = httpx.URL(realm)
        if url.scheme not in ("http", "https") or not url.host:
            raise ProtocolError(f"the registry's token realm {realm!r} is not an http(s) URL")
        params: list[tuple[str, str | int | float | bool | None]] = []
        if service:
            params.append(("service", service))
        params += [("scope", item) for item in scope.split()]
        headers = {
            "User-Agent": self._user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "identity",  # keep the byte cap meaningful
        }
        if self._credentials is not None:
            if url.scheme != "https" and url.host != self._origin.host:
                raise AuthenticationFailed(
                    f"the registry's token service {url.copy_with(query=None)} is plain HTTP "
                    "on another host; chartyard will not send credentials there; serve "
                    "the token service over HTTPS"
                )
            headers["Authorization"] = self._basic_header()
        extensions = {KIND: "token", MAX_BYTES: self._limits.max_token_response_bytes}
        if "timeout" in original.extensions:
            extensions["timeout"] = original.extensions["timeout"]
        return httpx.Request(
            "GET", url.copy_merge_params(params), headers=headers, extensions=extensions
        )

    async def _read_token(self, response: httpx.Response) -> tuple[str, float]:
        status = response.status_code
        where = f"the token server {response.request.url.host}"
        if status in RETRYABLE_STATUS:
            raise RetryableStatus(where, status, response.headers.get("retry-after"))
        if status in (401, 403):
            who = self._credentials.username if self._credentials else None
            raise AuthenticationFailed(
                f"{where} rejected the credentials for user {who!r} ({status}); check the "
                "username and password or token"
                if who
                else f"{where} refused an anonymous token ({status}); set a username and "
                "password",
                {"status": status},
            )
        if status != 200:
            raise ProtocolError(f"{where} answered {status} instead of a token")
        body = await response.aread()
        ensure_complete(response, len(body))
        if len(body) > self._limits.max_token_response_bytes:
            raise ProtocolError(f"{where} sent an oversized answer ({len(body)} bytes)")
        return parse_token_response(body, max_depth=self._limits.max_json_depth)

    def _basic_header(self) -> str:
        assert self._credentials is not None
        pair = f"{self._credentials.username}:{self._credentials.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def _pick(challenges: list[Challenge]) -> Challenge | None:
    """Prefer Bearer, then Basic; ignore schemes we do not speak."""
    by_scheme = {c.scheme: c for c in reversed(challenges)}
    return by_scheme.get("bearer") or by_scheme.get("basic")


def _same_origin(url: httpx.URL, origin: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (origin.scheme, origin.host, origin.port)
