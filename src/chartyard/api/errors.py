"""Map every failure onto the JSON error shape `{code, message, details}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from chartyard.errors import ServiceError
from chartyard.oci import OCIError

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden",
               404: "ResourceNotFound", 405: "MethodNotAllowed", 409: "Conflict",
               413: "PayloadTooLarge", 415: "UnsupportedMediaType", 429: "TooManyRequests"}


def error_response(status: int, code: str, message: str,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """Return the JSON error shape."""
    return JSONResponse({"code": code, "message": message, "details": details or {}},
                        status_code=status, headers=headers)


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


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    return error_response(422, "ValidationError", f"{first['field']}: {first['message']}",
                          {"field": first["field"], "errors": errors})


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "Error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "InternalError",
                          "an unexpected error occurred; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(OCIError, _oci_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
