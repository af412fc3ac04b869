"""Map every failure onto the JSON error shape `{code, message, details, ref}`.

`ref` is a fresh request reference, logged with the failure, so an operator can find the
server-side record of what a client reports.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from chartyard.api.allow import allow_header
from chartyard.errors import ChartyardError, ServiceError, error_body
from chartyard.helm import ChartArchiveError
from chartyard.limits import LimitExceeded
from chartyard.oci import OCIError

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden",
               404: "ResourceNotFound", 405: "MethodNotAllowed", 409: "Conflict",
               413: "PayloadTooLarge", 415: "UnsupportedMediaType", 429: "TooManyRequests"}


def error_response(status: int, code: str, message: str,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """Return the JSON error shape with a fresh `ref`, and log the failure under that ref."""
    ref = uuid.uuid4().hex
    log.info("request failed", extra={"ref": ref, "status": status, "code": code})
    return JSONResponse(error_body(code, message, details, ref=ref), status_code=status,
                        headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    retry = exc.details.get("retryAfter")
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return error_response(exc.status, exc.code, exc.message, exc.details, headers)


async def _oci_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OCIError)
    return error_response(422, exc.code, exc.message, dict(exc.details))


async def _chartyard_error(_: Request, exc: Exception) -> JSONResponse:
    # Any other error of chartyard's tree (see chartyard.errors): its own code and status.
    assert isinstance(exc, ChartyardError)
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def _chart_archive_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChartArchiveError)
    details = {"member": exc.member} if exc.member else {}
    return error_response(422, "InvalidChartArchive",
                          f"the chart archive in the registry cannot be read safely ({exc}); "
                          "re-push the chart with 'helm package' and 'helm push'", details)


async def _limit_exceeded(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LimitExceeded)
    return error_response(422, "LimitExceeded", str(exc),
                          {"limit": exc.limit, "maximum": exc.maximum})


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    # The database refused a value from the request (PostgreSQL: a NUL character, a number
    # out of range); that is bad input, not a server fault. The transaction is rolled back.
    assert isinstance(exc, DataError)
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "invalid value"
    log.warning("database refused a value from a request", extra={"reason": reason})
    return error_response(422, "InvalidValue",
                          f"a value in the request cannot be stored ({reason}); remove control "
                          "characters such as NUL and keep numbers and texts within range",
                          {"reason": reason})


async def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    # The database is restarting, unreachable or locked past the busy timeout: say so and
    # ask the client to retry, instead of an anonymous 500.
    log.warning("database unavailable", extra={"error": type(exc).__name__})
    return error_response(503, "DatabaseUnavailable",
                          "the database is briefly unavailable; retry in a moment",
                          headers={"Retry-After": "1"})


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    return error_response(422, "ValidationError", f"{first['field']}: {first['message']}",
                          {"field": first["field"], "errors": errors})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "Error")
    if exc.status_code == 404 and "endpoint" not in request.scope:
        # No route matched: Palette's clients read ResourceNotFound as "object deleted".
        return error_response(404, "RouteNotFound",
                              f"no route {request.method} {request.url.path}; see /docs",
                              {"method": request.method, "path": request.url.path})
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = {**(headers or {}), **allow_header(request)}
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "InternalError",
                          "an unexpected error occurred; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(OCIError, _oci_error)
    app.add_exception_handler(ChartyardError, _chartyard_error)
    app.add_exception_handler(ChartArchiveError, _chart_archive_error)
    app.add_exception_handler(LimitExceeded, _limit_exceeded)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
