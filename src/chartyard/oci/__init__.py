"""OCI Distribution client: pure protocol, no web, database or service imports.

Endpoint parsing, the ``WWW-Authenticate`` parser, Basic and Bearer auth with
a per-scope token cache, per-registry TLS, bounded and retried requests under one
adaptive in-flight budget per host, and typed errors whose messages say what to do.
"""

from chartyard.http import (
    AimdController,
    BasicCredentials,
    BudgetPolicy,
    ClientLimits,
    EgressDenied,
    EgressPolicy,
    HostBudget,
    HostBudgets,
    OCIError,
    ProtocolError,
    RateLimited,
    RegistryUnreachable,
    RequestStats,
    ServerError,
    TLSConfig,
    TLSVerificationFailed,
    TooLarge,
    parse_networks,
)

from ._auth import RegistryAuth
from ._challenge import Challenge, parse_challenge
from ._chart import (
    ChartArtifact,
    ConversionError,
    PackagedChart,
    chart_artifact,
    config_json,
    file_chunks,
    read_chart_yaml,
)
from ._client import RegistryClient
from ._copy import ArtifactReader, Copied, Copier, NoProgress, Progress
from ._endpoint import Endpoint, parse_endpoint
from ._errors import (
    AuthenticationFailed,
    CatalogUnsupported,
    Forbidden,
    InvalidEndpoint,
    NotAnOCIRegistry,
    NotFound,
)
from ._manifest import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    MANIFEST_ACCEPT,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Manifest,
    parse_manifest,
)
from ._names import (
    chart_name,
    is_path_component,
    is_repository_name,
    is_tag,
    is_under,
    oci_reference,
)
from ._push import RawManifest, RegistryWriter, push_scope

__all__ = [
    "DOCKER_LIST",
    "DOCKER_MANIFEST",
    "MANIFEST_ACCEPT",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "AimdController",
    "ArtifactReader",
    "AuthenticationFailed",
    "BasicCredentials",
    "BudgetPolicy",
    "CatalogUnsupported",
    "Challenge",
    "ChartArtifact",
    "ClientLimits",
    "ConversionError",
    "Copied",
    "Copier",
    "Descriptor",
    "EgressDenied",
    "EgressPolicy",
    "Endpoint",
    "Forbidden",
    "HostBudget",
    "HostBudgets",
    "InvalidEndpoint",
    "Manifest",
    "NoProgress",
    "NotAnOCIRegistry",
    "NotFound",
    "OCIError",
    "PackagedChart",
    "Progress",
    "ProtocolError",
    "RateLimited",
    "RawManifest",
    "RegistryAuth",
    "RegistryClient",
    "RegistryUnreachable",
    "RegistryWriter",
    "RequestStats",
    "ServerError",
    "TLSConfig",
    "TLSVerificationFailed",
    "TooLarge",
    "chart_artifact",
    "chart_name",
    "config_json",
    "file_chunks",
    "is_path_component",
    "is_repository_name",
    "is_tag",
    "is_under",
    "oci_reference",
    "parse_challenge",
    "parse_endpoint",
    "parse_manifest",
    "parse_networks",
    "push_scope",
    "read_chart_yaml",
]
