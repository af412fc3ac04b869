"""Registry endpoints: what a user types, parsed into scheme, host, port and path."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

from ._errors import InvalidEndpoint
from ._names import is_path_component, oci_reference

_EXPECTED = (
    "expected host[:port][/path], e.g. 'ghcr.io/org/charts', 'https://harbor.example.com', "
    "'oci://registry.example.com:5000' or 'http://127.0.0.1:5000' for plain HTTP"
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Endpoint:
    """Hold a parsed registry endpoint; ``path`` prefixes every repository."""

    scheme: Literal["https", "http"]
    host: str
    port: int | None
    path: str

    @property
    def authority(self) -> str:
        """Return ``host[:port]``."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Return ``scheme://host[:port]``, the origin of all API calls."""
        return f"{self.scheme}://{self.authority}"

    @property
    def display(self) -> str:
        """Return the endpoint as a user would write it (``http://`` kept, ``https://`` not)."""
        text = self.authority + (f"/{self.path}" if self.path else "")
        return f"http://{text}" if self.scheme == "http" else text

    def repository(self, name: str) -> str:
        """Return the full repository name of ``name`` under this endpoint's path."""
        name = name.strip("/")
        return f"{self.path}/{name}" if self.path else name

    def relative(self, repository: str) -> str | None:
        """Return ``repository`` relative to this endpoint's path, or None if outside it."""
        if not self.path:
            return repository
        prefix = self.path + "/"
        if repository.startswith(prefix) and len(repository) > len(prefix):
            return repository[len(prefix) :]
        return None

    def oci_ref(self, name: str) -> str:
        """Return the ``oci://`` reference helm uses for chart ``name``."""
        return oci_reference(self.authority, self.repository(name))


def parse_endpoint(raw: str) -> Endpoint:
    """Parse a user-typed registry endpoint.

    Accepts ``host[:port][/path]`` with an optional ``https://`` or ``oci://``
    prefix (both mean HTTPS) or ``http://`` (plain HTTP, on purpose). Surrounding
    whitespace and trailing slashes are dropped; the host is lowercased.

    Not supported: userinfo (``user:pass@``), query strings, fragments,
    internationalised (non-ASCII) host names, and repository paths that are not
    valid lowercase OCI repository name components.
    """
    text = raw.strip()
    if not text:
        raise InvalidEndpoint(f"the endpoint is empty; {_EXPECTED}")
    if any(ch.isspace() for ch in text):
        raise InvalidEndpoint(f"the endpoint {raw!r} contains whitespace; {_EXPECTED}")
    scheme: Literal["https", "http"] = "https"
    match = _SCHEME.match(text)
    if match:
        given = match.group(1).lower()
        if given == "http":
            scheme = "http"
        elif given not in ("https", "oci"):
            raise InvalidEndpoint(f"the scheme {given!r}:// is not supported; {_EXPECTED}")
        text = text[match.end() :]
    if "?" in text or "#" in text:
        raise InvalidEndpoint(
            f"the endpoint {raw!r} has a query string or fragment; {_EXPECTED}"
        )
    authority, _, path = text.partition("/")
    if "@" in authority:
        raise InvalidEndpoint(
            "the endpoint must not contain credentials (user:password@); "
            f"put them in the authentication fields instead; {_EXPECTED}"
        )
    host, port = _parse_authority(authority, raw)
    return Endpoint(scheme=scheme, host=host, port=port, path=_parse_path(path, raw))


def _parse_authority(authority: str, raw: str) -> tuple[str, int | None]:
    if not authority:
        raise InvalidEndpoint(f"the endpoint {raw!r} has no host; {_EXPECTED}")
    port_text: str | None = None
    if authority.startswith("["):
        end = authority.find("]")
        host, rest = authority[: end + 1], authority[end + 1 :]
        if end < 0 or not _is_ipv6(host[1:-1]):
            raise InvalidEndpoint(f"{authority!r} is not a valid bracketed IPv6 address")
        if rest:
            if not rest.startswith(":"):
                raise InvalidEndpoint(f"unexpected {rest!r} after the IPv6 address; {_EXPECTED}")
            port_text = rest[1:]
        host = host.lower()
    elif authority.count(":") > 1:
        raise InvalidEndpoint(f"put an IPv6 address in brackets, e.g. '[::1]:5000' (got {raw!r})")
    else:
        host, sep, tail = authority.partition(":")
        port_text = tail if sep else None
        host = host.lower()
        if not _is_hostname(host):
            raise InvalidEndpoint(
                f"{host!r} is not a valid host name or IP address (letters, digits, '-' "
                f"and '.' only; IPv6 goes in brackets); {_EXPECTED}"
            )
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InvalidEndpoint(f"the port {port_text!r} is not a number from 1 to 65535")
    return host, int(port_text)


def _parse_path(path: str, raw: str) -> str:
    path = path.rstrip("/")
    if not path:
        return ""
    for part in path.split("/"):
        if part in ("", ".", ".."):
            raise InvalidEndpoint(
                f"the path of {raw!r} has an empty, '.' or '..' segment; "
                "write it as plain segments like 'org/charts'"
            )
        if part != part.lower():
            raise InvalidEndpoint(
                f"the path segment {part!r} has uppercase letters; OCI repository "
                "names are lowercase"
            )
        if not is_path_component(part):
            raise InvalidEndpoint(
                f"the path segment {part!r} is not a valid repository name component "
                "(lowercase letters and digits, separated by '.', '_', '__' or '-')"
            )
    return path


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_hostname(host: str) -> bool:
    if not host or len(host) > 253 or not host.isascii():
        return False
    return all(_LABEL.match(label) for label in host.removesuffix(".").split("."))
