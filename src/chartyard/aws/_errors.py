"""Translate botocore failures into chartyard's typed OCI errors."""

from __future__ import annotations

import html
import re
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from chartyard.errors import ConfigurationError
from chartyard.oci import (
    AuthenticationFailed,
    Forbidden,
    NotFound,
    OCIError,
    RateLimited,
    RegistryUnreachable,
)


class EcrError(OCIError):
    """Report an Amazon ECR or STS failure that has no more specific type."""

    code = "EcrError"


class AssumeRoleFailed(EcrError, ConfigurationError):
    """Report that STS refused to let chartyard assume the configured IAM role."""

    code = "AssumeRoleFailed"


class MissingPermission(Forbidden, EcrError):
    """Report that the AWS identity lacks an IAM permission chartyard needs."""

    code = "MissingPermission"


class RepositoryNotFound(NotFound, EcrError):
    """Report that an ECR repository does not exist in the registry."""

    code = "NotFound"


AUTH_REJECTED_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "ExpiredToken",
        "ExpiredTokenException",
        "AuthFailure",
    }
)
ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
THROTTLED_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)
NOT_FOUND_CODES = frozenset({"RepositoryNotFoundException", "RegistryNotFoundException"})
# The one table from AWS error codes to chartyard's errors (their tree is in
# chartyard.errors): (codes, error type, message). Other codes become EcrError.
_CLIENT_ERRORS: tuple[tuple[frozenset[str], type[OCIError], str], ...] = (
    (ACCESS_DENIED_CODES, MissingPermission,
     "{who} is not allowed to call {action} on {registry}: grant {action} in its IAM policy "
     "({message})"),
    (AUTH_REJECTED_CODES, AuthenticationFailed,
     "AWS rejected {who} when calling {action} ({code}): check that the credentials are "
     "correct and not expired"),
    (NOT_FOUND_CODES, RepositoryNotFound, "{registry}: {message_or_code}"),
    (THROTTLED_CODES, RateLimited,
     "AWS throttled {action} on {registry} after retries ({code}); try again later"),
)
_XML_CODE = re.compile(r"<Code>([^<]{1,200})</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]{0,2000})</Message>")


def _error_fields(exc: ClientError) -> tuple[str, str]:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if code.isdigit() and "<Code>" in message:
        # A query-protocol XML error answering a JSON-protocol call (some front
        # ends, and moto when it enforces IAM): botocore then reports the HTTP
        # status as the code and the XML as the message. Recover the real ones.
        found_code = _XML_CODE.search(message)
        found_message = _XML_MESSAGE.search(message)
        if found_code:
            code = html.unescape(found_code.group(1).strip())
            message = html.unescape(found_message.group(1).strip()) if found_message else ""
    return code, message


def aws_error_code(exc: ClientError) -> str:
    """Return the AWS error code of a ClientError ("" if it has none)."""
    return _error_fields(exc)[0]


def aws_error_message(exc: ClientError) -> str:
    """Return the AWS error message of a ClientError ("" if it has none)."""
    return _error_fields(exc)[1]


def translate_client_error(exc: ClientError, *, action: str, who: str, registry: str) -> OCIError:
    """Map a ClientError from ``action`` (e.g. ``ecr:ListImages``) to a typed error.

    ``who`` names the credentials in messages, e.g. "the access key AKIA...".
    """
    code, message = aws_error_code(exc), aws_error_message(exc)
    details: dict[str, Any] = {
        "action": action,
        "registry": registry,
        "awsCode": code,
        "awsMessage": message,
    }
    for codes, error, text in _CLIENT_ERRORS:
        if code in codes:
            return error(text.format(who=who, action=action, registry=registry, code=code,
                                     message=message, message_or_code=message or code),
                         details=details)
    return EcrError(f"{action} on {registry} failed: {code}: {message}", details)


def translate_botocore_error(exc: BotoCoreError, *, action: str, registry: str) -> OCIError:
    """Map a client-side botocore failure (credentials, network) to a typed error."""
    details: dict[str, Any] = {"action": action, "registry": registry}
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return AuthenticationFailed(
            f"the chartyard server has no usable AWS credentials of its own for {action} "
            "(give it an instance role, IRSA, or AWS_* environment variables)",
            details,
        )
    if isinstance(
        exc,
        EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError,
    ):
        reason = "timeout" if isinstance(exc, ConnectTimeoutError | ReadTimeoutError) else "connect"
        return RegistryUnreachable(f"could not reach AWS for {action}: {exc}", reason, details)
    return EcrError(f"{action} on {registry} failed: {exc}", details)
