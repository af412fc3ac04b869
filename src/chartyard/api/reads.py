"""The hot read endpoints' dependency and their answers: cheap JSON with an ETag.

`CatalogRead` hands a route the caller's credentials and the app context without touching
the database or hopping threads (an async dependency); the route's own worker thread then
authenticates and reads on one connection (`chartyard.catalog.reads`). Answers are encoded
once, by pydantic-core's JSON encoder, and carry a strong `ETag` with
`Cache-Control: private, no-cache`: the UI and the CLI revalidate with `If-None-Match` and
get a bodiless 304 when nothing changed. Authentication and the read still run on every
request, so a revoked key or a new chart version shows at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BaseModel
from pydantic_core import to_json

from chartyard.api.deps import ApiKeyHeader, AuthorizationHeader, bearer_token
from chartyard.catalog.reads import CatalogReads, Credentials, catalog_reads
from chartyard.context import AppContext

CACHE_CONTROL = "private, no-cache"
# Answers differ per caller: a shared cache must never reuse one for another credential.
VARY = "Authorization, ApiKey, Cookie"


@dataclass(frozen=True)
class CatalogReader:
    """One request's way into the lean catalog reads."""

    ctx: AppContext
    credentials: Credentials
    request: Request

    @contextmanager
    def open(self) -> Iterator[CatalogReads]:
        """Authenticate the caller and yield its reads, all in one read transaction."""
        with catalog_reads(self.ctx, self.credentials) as reads:
            yield reads

    def respond(self, body: Any) -> Response:
        """Return `body` as JSON with its ETag, or a 304 if the client holds that version."""
        return conditional_json(self.request, to_json(body))

    def respond_checked(self, model: type[BaseModel], body: Any) -> Response:
        """Return `body` shaped by `model` first: for answers carrying stored chart metadata."""
        shaped = model.model_validate(body).model_dump_json(by_alias=True)
        return conditional_json(self.request, shaped.encode())


async def catalog_reader(
        request: Request,
        _authorization: Annotated[str | None, Depends(AuthorizationHeader)] = None,
        _api_key: Annotated[str | None, Depends(ApiKeyHeader)] = None) -> CatalogReader:
    """Return the request's reader: its credentials (headers or UI cookie), no I/O."""
    ctx: AppContext = request.app.state.ctx
    return CatalogReader(ctx, Credentials(request.headers.get("apikey"),
                                          bearer_token(request)), request)


CatalogRead = Annotated[CatalogReader, Depends(catalog_reader)]


def etag_of(content: bytes) -> str:
    """Return the strong entity tag of a response body."""
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    """Tell whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110)."""
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def conditional_json(request: Request, content: bytes) -> Response:
    """Return a JSON answer with ETag and Cache-Control; 304 when `If-None-Match` matches."""
    etag = etag_of(content)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match[:4096], etag):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
