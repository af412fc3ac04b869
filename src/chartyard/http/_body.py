"""Bounded body reads, depth-limited JSON and digest checks."""

from __future__ import annotations

import hashlib
import re

import httpx

from chartyard.limits import LimitExceeded, load_json_bounded

from ._errors import ProtocolError, TooLarge, TruncatedBody

_DIGEST = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")
_HEX_LENGTHS = {"sha256": 64, "sha512": 128}


async def read_capped(
    response: httpx.Response, cap: int, *, what: str, truncate: bool = False
) -> bytes:
    """Stream ``response``'s body, stopping at ``cap`` bytes.

    Beyond ``cap``: raise ``TooLarge`` (or return the first ``cap`` bytes when
    ``truncate``). A body shorter than its Content-Length raises ``TruncatedBody``.
    """
    declared = response.headers.get("content-length", "")
    expected = int(declared) if declared.isdigit() else None
    if expected is not None and expected > cap and not truncate:
        raise _too_large(what, cap, expected)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            if truncate:
                return b"".join(chunks)[:cap]
            raise _too_large(what, cap, expected)
    ensure_complete(response, size)
    return b"".join(chunks)


def ensure_complete(response: httpx.Response, decoded: int) -> None:
    """Raise ``TruncatedBody`` if fewer bytes arrived than Content-Length promised.

    ``decoded`` is the body length after content decoding; it stands in for
    the raw count when httpx had the body before streaming (in-memory bodies).
    """
    declared = response.headers.get("content-length", "")
    received = response.num_bytes_downloaded or decoded
    if declared.isdigit() and received < int(declared):
        raise TruncatedBody(received, int(declared))


def _too_large(what: str, cap: int, declared: int | None) -> TooLarge:
    size = f"{declared} bytes" if declared is not None else "a body"
    return TooLarge(
        f"the registry sent {size} for {what}, more than the {cap}-byte limit; "
        "raise the limit only if this artifact is expected to be that big",
        {"limit": cap, "declared": declared},
    )


def loads_json(body: bytes, *, max_depth: int, what: str) -> object:
    """Parse JSON whose arrays and objects nest at most ``max_depth`` deep.

    The depth check is ``chartyard.limits``'s linear pre-scan, the one owner
    of depth-bounded JSON; its failures become ``ProtocolError`` naming ``what``.
    """
    try:
        return load_json_bounded(body, max_bytes=len(body), max_depth=max_depth)
    except LimitExceeded as exc:
        raise ProtocolError(f"{what} nests JSON deeper than {max_depth} levels") from exc
    except ValueError as exc:  # includes UnicodeDecodeError and JSONDecodeError
        raise ProtocolError(f"{what} is not valid JSON ({exc})") from exc


def check_digest_format(digest: str) -> tuple[str, str]:
    """Split ``algorithm:hex``; raise ``ProtocolError`` for malformed or unsupported digests."""
    match = _DIGEST.match(digest)
    algorithm = match.group(1) if match else ""
    if not match or len(match.group(2)) != _HEX_LENGTHS.get(algorithm, -1):
        raise ProtocolError(
            f"{digest!r} is not a supported digest (expected sha256:<64 hex> or sha512:<128 hex>)"
        )
    return algorithm, match.group(2).lower()


def is_digest(reference: str) -> bool:
    """Return True when ``reference`` looks like a digest rather than a tag."""
    return ":" in reference


def compute_digest(body: bytes, algorithm: str = "sha256") -> str:
    """Return ``algorithm:hex`` of ``body``."""
    return f"{algorithm}:{hashlib.new(algorithm, body).hexdigest()}"


def verify_digest(body: bytes, digest: str, *, what: str) -> None:
    """Raise ``ProtocolError`` unless ``body`` hashes to ``digest``."""
    algorithm, expected = check_digest_format(digest)
    actual = compute_digest(body, algorithm)
    if actual != f"{algorithm}:{expected}":
        raise ProtocolError(
            f"{what} does not match its digest: expected {digest}, got {actual}; "
            "the registry or a proxy served corrupted content",
            {"expected": digest, "actual": actual},
        )
