"""AWS error codes are recovered when a JSON-protocol call gets an XML error body."""

from __future__ import annotations

from botocore.exceptions import ClientError

from chartyard.aws._errors import aws_error_code, aws_error_message

XML_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Errors><Error>'
    "<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/u is not "
    "authorized to perform: ecr:ListImages &amp; more</Message><Type>Sender</Type>"
    "</Error></Errors></ErrorResponse>"
)


def _error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ListImages")


def test_xml_error_behind_an_http_status_code_is_recovered() -> None:
    exc = _error("403", XML_DENIED)
    assert aws_error_code(exc) == "AccessDenied"
    assert aws_error_message(exc) == (
        "User: arn:aws:iam::123456789012:user/u is not authorized to perform: "
        "ecr:ListImages & more"
    )


def test_regular_errors_are_unchanged() -> None:
    exc = _error("RepositoryNotFoundException", "The repository <Code>x</Code> was not found")
    assert aws_error_code(exc) == "RepositoryNotFoundException"
    assert aws_error_message(exc) == "The repository <Code>x</Code> was not found"
    bare = _error("502", "Bad Gateway")
    assert (aws_error_code(bare), aws_error_message(bare)) == ("502", "Bad Gateway")
