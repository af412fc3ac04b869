"""OCI Distribution client: pure protocol, no web, database or service imports.

Endpoint parsing, the ``WWW-Authenticate`` parser, Basic and Bearer auth with
a per-scope token cache, per-registry TLS, bounded and retried requests under one
adaptive in-flight budget per host, and typed errors whose messages say what to do.
"""

from ._aimd import AimdController, BudgetPolicy
from ._auth import RegistryAuth
from ._budget import HostBudget, HostBudgets
from ._challenge import Challenge, parse_challenge
from ._client import RegistryClient
from ._config import BasicCredentials, ClientLimits
from ._egress import EgressDenied, EgressPolicy, parse_networks
from ._endpoint import Endpoint, parse_endpoint
from ._errors import (
    AuthenticationFailed,
    CatalogUnsupported,
    Forbidden,
    InvalidEndpoint,
    NotAnOCIRegistry,
    NotFound,
    OCIError,
    ProtocolError,
    RateLimited,
    RegistryUnreachable,
    ServerError,
    TLSVerificationFailed,
    TooLarge,
)
from ._manifest import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    MANIFEST_ACCEPT,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Manifest,
)
from ._names import (
    chart_name,
    is_path_component,
    is_repository_name,
    is_tag,
    is_under,
    oci_reference,
)
from ._rate import RatePacer, RatePolicy
from ._stats import RequestStats
from ._tls import TLSConfig

__all__ = [
    "DOCKER_LIST",
    "DOCKER_MANIFEST",
    "MANIFEST_ACCEPT",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "AimdController",
    "AuthenticationFailed",
    "BasicCredentials",
    "BudgetPolicy",
    "CatalogUnsupported",
    "Challenge",
    "ClientLimits",
    "Descriptor",
    "EgressDenied",
    "EgressPolicy",
    "Endpoint",
    "Forbidden",
    "HostBudget",
    "HostBudgets",
    "InvalidEndpoint",
    "Manifest",
    "NotAnOCIRegistry",
    "NotFound",
    "OCIError",
    "ProtocolError",
    "RateLimited",
    "RatePacer",
    "RatePolicy",
    "RegistryAuth",
    "RegistryClient",
    "RegistryUnreachable",
    "RequestStats",
    "ServerError",
    "TLSConfig",
    "TLSVerificationFailed",
    "TooLarge",
    "chart_name",
    "is_path_component",
    "is_repository_name",
    "is_tag",
    "is_under",
    "oci_reference",
    "parse_challenge",
    "parse_endpoint",
    "parse_networks",
]
