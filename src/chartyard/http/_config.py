"""Client configuration: credentials and limits."""

from __future__ import annotations

from dataclasses import dataclass

_MiB = 1024 * 1024


@dataclass(frozen=True)
class BasicCredentials:
    """Hold a registry username and password (or token); repr hides the password."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"BasicCredentials(username={self.username!r}, password='***')"


@dataclass(frozen=True)
class ClientLimits:
    """Bound every timeout, retry, concurrency level and read size of one client."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_in_flight: int = 8
    max_retries: int = 4
    # 429 answers carrying Retry-After are paced, not failures: their own retry budget.
    max_throttled_retries: int = 20
    backoff_base: float = 0.25
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    max_manifest_bytes: int = 4 * _MiB
    max_token_response_bytes: int = 64 * 1024
    max_json_depth: int = 64
    catalog_page_size: int = 1000
    # Not in the first draft of the contract: bounds for paginated listings.
    max_pages: int = 10_000
    max_page_bytes: int = 8 * _MiB

    def __post_init__(self) -> None:
        if self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if not 1 <= self.catalog_page_size <= 10_000:
            raise ValueError("catalog_page_size must be between 1 and 10000")
