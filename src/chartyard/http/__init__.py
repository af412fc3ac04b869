"""The one HTTP layer every registry client uses: OCI, Helm index and future ones.

It holds the egress guard (`EgressPolicy`, `GuardedTransport`), the metered
transport (request counting, sliced decoding, caps), bounded body reads, the
per-host politeness budget (`HostBudgets`), and the one retry loop (`Transfer`:
5xx, broken connections, 429 and ``Retry-After``), with the transport errors whose
messages say what to do. It imports nothing from the clients built on it.
"""

from ._aimd import AimdController, BudgetPolicy
from ._body import (
    check_digest_format,
    compute_digest,
    ensure_complete,
    is_digest,
    loads_json,
    read_capped,
    verify_digest,
)
from ._budget import HostBudget, HostBudgets, Slot
from ._config import BasicCredentials, ClientLimits
from ._egress import EgressDenied, EgressPolicy, GuardedTransport, parse_networks
from ._errors import (
    OCIError,
    ProtocolError,
    RateLimited,
    RegistryUnreachable,
    RetryableStatus,
    ServerError,
    TLSVerificationFailed,
    TooLarge,
    TruncatedBody,
)
from ._neterr import describe_transport_error
from ._rate import RatePacer, RatePolicy
from ._retry import (
    RETRYABLE_EXCEPTIONS,
    RETRYABLE_STATUS,
    backoff_delay,
    parse_rate_limit,
    parse_retry_after,
)
from ._stats import RequestStats
from ._tls import TLSConfig
from ._transfer import ERROR_BODY_BYTES, Fetched, Sink, TooLargeBody, Transfer
from ._transport import KIND, MAX_BYTES, SCOPE, MeteredTransport

__all__ = [
    "ERROR_BODY_BYTES",
    "KIND",
    "MAX_BYTES",
    "RETRYABLE_EXCEPTIONS",
    "RETRYABLE_STATUS",
    "SCOPE",
    "AimdController",
    "BasicCredentials",
    "BudgetPolicy",
    "ClientLimits",
    "EgressDenied",
    "EgressPolicy",
    "Fetched",
    "GuardedTransport",
    "HostBudget",
    "HostBudgets",
    "MeteredTransport",
    "OCIError",
    "ProtocolError",
    "RateLimited",
    "RatePacer",
    "RatePolicy",
    "RegistryUnreachable",
    "RequestStats",
    "RetryableStatus",
    "ServerError",
    "Sink",
    "Slot",
    "TLSConfig",
    "TLSVerificationFailed",
    "TooLarge",
    "TooLargeBody",
    "Transfer",
    "TruncatedBody",
    "backoff_delay",
    "check_digest_format",
    "compute_digest",
    "describe_transport_error",
    "ensure_complete",
    "is_digest",
    "loads_json",
    "parse_networks",
    "parse_rate_limit",
    "parse_retry_after",
    "read_capped",
    "verify_digest",
]
