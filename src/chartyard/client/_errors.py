"""Errors raised by the client: the server's `{code, message, details}`, or no server at all."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """Report a failed API call with the server's status, code, message and details."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}

    @property
    def field(self) -> str | None:
        """Return the request field the server blamed, if any."""
        value = self.details.get("field")
        return str(value) if value else None

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        """Build the error from an error response, tolerating bodies that are not JSON."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            details = body.get("details")
            return cls(response.status_code, body["code"], str(body.get("message", "")),
                       details if isinstance(details, dict) else {})
        text = response.text.strip()[:300] or response.reason_phrase
        return cls(response.status_code, f"HTTP{response.status_code}",
                   f"{response.request.method} {response.request.url.path}: {text}")


class ServerUnreachable(ApiError):
    """Report that the chartyard server could not be reached at all."""

    def __init__(self, url: str, cause: Exception) -> None:
        reason = str(cause) or type(cause).__name__
        super().__init__(0, "ServerUnreachable", f"cannot reach chartyard at {url}: {reason}",
                         {"url": url})
