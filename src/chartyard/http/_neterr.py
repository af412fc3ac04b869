"""Turn httpx transport exceptions into errors that say what went wrong and what to do."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator

import httpx

from ._errors import OCIError, RegistryUnreachable, TLSVerificationFailed
from ._tls import fetch_peer_certificate, verify_failure_reason


async def describe_transport_error(exc: httpx.TransportError, *, wait: float) -> OCIError:
    """Classify ``exc`` as a TLS verification failure or an unreachable registry.

    For TLS failures this makes one more, non-verifying handshake to report
    the subject and issuer of the certificate the server presented.
    """
    url = _request_url(exc)
    host = url.host if url is not None else "the registry"
    port = (url.port or (443 if url.scheme == "https" else 80)) if url is not None else None
    where = f"{host}:{port}" if port else host
    chain = list(_causes(exc))
    verify = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if verify is not None and port is not None:
        peer = await asyncio.to_thread(fetch_peer_certificate, host, port, wait)
        subject, issuer = peer if peer else (None, None)
        seen = f"; it presents a certificate for {subject} issued by {issuer}" if peer else ""
        return TLSVerificationFailed(
            f"the TLS certificate of {where} could not be verified "
            f"({verify_failure_reason(verify)}){seen}; upload the registry's CA certificate "
            "or enable Insecure Skip TLS Verify",
            subject=subject,
            issuer=issuer,
            details={"host": host, "port": port},
        )
    reason, message = _reason(exc, chain, host, where, wait)
    return RegistryUnreachable(message, reason, {"host": host, "port": port})


def _reason(
    exc: httpx.TransportError,
    chain: list[BaseException],
    host: str,
    where: str,
    timeout: float,
) -> tuple[str, str]:
    url = _request_url(exc)
    url_scheme = url.scheme if url is not None else ""
    if isinstance(exc, httpx.TimeoutException) or _has(chain, TimeoutError):
        return "timeout", (
            f"{where} did not answer in time (timeout after {timeout:g} s); check the "
            "endpoint, firewalls and proxies between chartyard and the registry"
        )
    if _has(chain, socket.gaierror):
        return "dns", (
            f"cannot resolve the host name {host!r} (DNS lookup failed); check the "
            "endpoint's spelling and this server's DNS"
        )
    if _has(chain, ConnectionRefusedError):
        return "refused", (
            f"{where} refused the connection (connection refused); check the host and "
            "port and that the registry is running"
        )
    # A TLS port hangs up on plain HTTP: say so for http:// endpoints.
    hint = "; if the registry serves HTTPS, drop the http:// prefix" if url_scheme == "http" else ""
    if isinstance(exc, httpx.RemoteProtocolError):
        return "reset", (
            f"{where} closed the connection without answering (connection reset){hint}"
        )
    if _has(chain, ConnectionResetError) or isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "reset", (
            f"{where} reset the connection (connection reset); try again, and check "
            f"proxies or load balancers in front of the registry{hint}"
        )
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        hint = (
            "; the server may speak plain HTTP: use an http:// endpoint if that is intended"
            if "WRONG_VERSION_NUMBER" in str(tls)
            else ""
        )
        return "other", f"the TLS handshake with {where} failed ({tls}){hint}"
    return "other", f"cannot reach {where} ({exc or type(exc).__name__}); check the endpoint"


def _request_url(exc: httpx.TransportError) -> httpx.URL | None:
    try:
        return exc.request.url
    except RuntimeError:  # httpx raises this when no request is attached
        return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _has(chain: list[BaseException], kind: type[BaseException]) -> bool:
    return any(isinstance(e, kind) for e in chain)
