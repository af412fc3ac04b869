"""Egress guard: refuse connections to addresses a registry must never live at (SSRF).

Registry endpoints are user input, and so is everything they lead to: redirects
to blob storage and the token realms named in ``WWW-Authenticate``. A control
plane that follows them blindly can be pointed at a cloud metadata service and
made to fetch credentials.

The guard runs inside the HTTP connection pool, on the addresses a host name
*resolves to at connect time*: every connection (the endpoint, each redirect,
each token realm) resolves the host itself, checks every address, and then
connects to a checked address while TLS SNI and the ``Host`` header keep the
name. A name that resolves to a harmless address when a registry is saved and
to 169.254.169.254 later (DNS rebinding) is therefore still refused.

Always refused: link-local (169.254.0.0/16, fe80::/10), cloud metadata
(169.254.169.254, fd00:ec2::254, 100.100.100.200), unspecified (0.0.0.0/8, ::),
multicast (224.0.0.0/4, ff00::/8) and the IPv4 broadcast address. IPv4-mapped
(``::ffff:a.b.c.d``) and NAT64 (``64:ff9b::/96``) addresses are judged by the
IPv4 address they carry. Loopback and private ranges are allowed, because
self-hosted registries live there; an operator's deny list blocks more, and a
non-empty allow list admits only the addresses inside it. Neither list can
re-open an always-refused range.

Not covered: connections made without this package's transport (a custom
``transport=`` passed to ``RegistryClient``, boto3's AWS API calls).
"""

from __future__ import annotations

import ipaddress
import select
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import anyio
import httpcore
import httpx

from chartyard.errors import ConfigurationError

from ._errors import OCIError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# (network, why it is refused); more specific entries first so messages name them.
_ALWAYS_DENIED: tuple[tuple[str, str], ...] = (
    ("169.254.169.254/32", "a cloud metadata service address"),
    ("fd00:ec2::254/128", "a cloud metadata service address"),
    ("100.100.100.200/32", "a cloud metadata service address"),
    ("169.254.0.0/16", "a link-local address"),
    ("fe80::/10", "a link-local address"),
    ("0.0.0.0/8", "an unspecified address"),
    ("::/128", "an unspecified address"),
    ("224.0.0.0/4", "a multicast address"),
    ("ff00::/8", "a multicast address"),
    ("255.255.255.255/32", "the broadcast address"),
)
ALWAYS_DENIED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(net), why) for net, why in _ALWAYS_DENIED
)


class EgressDenied(OCIError, ConfigurationError):
    """Report a connection refused because its address is denied by the egress policy."""

    def __init__(self, host: str, address: str, network: str, rule: str, why: str) -> None:
        shown = address if host == address else f"{address} (the address of {host})"
        super().__init__(
            f"chartyard will not connect to {shown}: it is {why}; registries, their "
            "redirects and token services must not point there; use the registry's own "
            "address" + ("" if rule == "always" else ", or ask the operator to change "
                         "CHARTYARD_EGRESS_DENY / CHARTYARD_EGRESS_ALLOW"),
            {"host": host, "address": address, "network": network, "rule": rule},
        )
        self.host = host
        self.address = address


def parse_networks(values: Iterable[str], *, setting: str) -> tuple[IPNetwork, ...]:
    """Parse CIDRs or bare addresses; raise ValueError naming ``setting`` and the bad entry."""
    networks: list[IPNetwork] = []
    for raw in values:
        text = raw.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{setting}: {text!r} is not an IP network; write CIDRs such as "
                "10.0.0.0/8 or fd00::/8, separated by commas"
            ) from exc
    return tuple(networks)


def _effective(address: IPAddress) -> IPAddress:
    """Return the IPv4 address an IPv4-mapped or NAT64 IPv6 address reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


@dataclass(frozen=True)
class EgressPolicy:
    """Decide which resolved addresses registry connections may reach.

    ``deny`` adds refused networks; a non-empty ``allow`` admits only addresses
    inside it. The always-refused ranges apply whatever the lists say.
    """

    deny: tuple[IPNetwork, ...] = ()
    allow: tuple[IPNetwork, ...] = ()

    DENY_SETTING: ClassVar[str] = "CHARTYARD_EGRESS_DENY"
    ALLOW_SETTING: ClassVar[str] = "CHARTYARD_EGRESS_ALLOW"

    @classmethod
    def from_cidrs(cls, deny: Iterable[str] = (), allow: Iterable[str] = ()) -> EgressPolicy:
        """Build a policy from CIDR strings (as the settings hold them)."""
        return cls(parse_networks(deny, setting=cls.DENY_SETTING),
                   parse_networks(allow, setting=cls.ALLOW_SETTING))

    def check(self, host: str, address: str) -> None:
        """Raise ``EgressDenied`` if ``host``'s resolved ``address`` may not be reached."""
        ip = ipaddress.ip_address(address)
        candidates = dict.fromkeys((ip, _effective(ip)))
        for candidate in candidates:
            for network, why in ALWAYS_DENIED:
                if candidate.version == network.version and candidate in network:
                    raise EgressDenied(host, address, str(network), "always", why)
            for network in self.deny:
                if candidate.version == network.version and candidate in network:
                    raise EgressDenied(host, address, str(network), "deny",
                                       f"inside {network}, which {self.DENY_SETTING} blocks")
        if self.allow and not any(
            c.version == n.version and c in n for c in candidates for n in self.allow
        ):
            allowed = ", ".join(str(n) for n in self.allow)
            raise EgressDenied(host, address, "", "allow",
                               f"outside {self.ALLOW_SETTING} ({allowed})")


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address against the policy, then connect to a checked address."""

    def __init__(self, policy: EgressPolicy,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first reachable address of ``host``; refuse if any is denied.

        Any denied address refuses the host as a whole: a name that mixes a
        harmless address with a metadata address is hostile, not unlucky.
        """
        addresses = await self._resolve(host, port, timeout)
        for address in addresses:
            self._policy.check(host, address)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return _PooledStream(await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                ))
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # _resolve never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refuse: registry clients only make TCP connections."""
        raise httpcore.ConnectError("unix sockets are not used for registries")

    async def sleep(self, seconds: float) -> None:
        """Sleep on the inner backend."""
        await self._inner.sleep(seconds)

    async def _resolve(self, host: str, port: int, wait: float | None) -> list[str]:
        """Return the distinct addresses of ``host`` in resolver order."""
        try:
            with anyio.fail_after(wait):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:  # socket.gaierror: the name does not resolve
            raise httpcore.ConnectError(str(exc)) from exc
        unique = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not unique:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        return unique


class _PooledStream(httpcore.AsyncNetworkStream):
    """Wrap a connection's stream so the pool's idle check costs one ``poll``.

    httpcore asks every idle connection ``get_extra_info("is_readable")`` each time a
    request enters or leaves the pool; anyio answers by building its whole attribute
    map (a ``getpeername`` call included), which was a third of a sync's CPU.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int,
                   timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's signature
        """Read from the inner stream."""
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes,
                    timeout: float | None = None) -> None:  # noqa: ASYNC109 - httpcore's signature
        """Write to the inner stream."""
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close the inner stream."""
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade the inner stream; the TLS stream runs over the same socket."""
        return _PooledStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        """Answer ``is_readable`` from the socket itself; ask the inner stream the rest."""
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """Return whether ``sock`` has data (or EOF) to read; a closed socket counts as readable."""
    fd = sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An ``httpx.AsyncHTTPTransport`` whose every connection passes the egress policy.

    Proxies are not supported (the registry client never uses the environment's).
    """

    def __init__(self, policy: EgressPolicy, *, verify: ssl.SSLContext,
                 limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )
