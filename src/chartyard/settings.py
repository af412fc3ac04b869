"""Typed runtime settings, read once from the environment."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from chartyard.oci import BudgetPolicy, parse_networks


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "chartyard"


class Settings(BaseSettings):
    """Hold every setting chartyard reads from `CHARTYARD_*` variables."""

    model_config = SettingsConfigDict(env_prefix="CHARTYARD_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    # PostgreSQL connection pool per process (SQLAlchemy's pool_size and max_overflow).
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    secret_key: SecretStr | None = None
    admin_password: SecretStr | None = None

    session_ttl_seconds: int = 12 * 3600
    login_max_failures: int = 5
    login_lockout_seconds: int = 300

    sync_interval_seconds: int = 3600
    sync_jitter_fraction: float = 0.1
    embedded_worker: bool = True
    # Only the safety net: a requested sync wakes the workers at once (in process, and
    # through NOTIFY chartyard_sync on PostgreSQL).
    worker_poll_seconds: float = 2.0
    lease_seconds: int = 60
    # Unset: adaptive per host, from 4 up to the cap. Set: pinned at that number.
    max_in_flight_per_host: int | None = Field(default=None, ge=1, le=1024)
    max_in_flight_cap: int = Field(default=32, ge=1, le=1024)
    # Registry events: requests per second per registry (bursts up to events_burst).
    events_rate_per_second: float = Field(default=20.0, gt=0)
    events_burst: int = Field(default=200, ge=1)
    events_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    registry_connect_timeout: float = 5.0
    registry_read_timeout: float = 30.0

    # CIDR lists, comma-separated in the environment (a JSON list also works).
    egress_deny: Annotated[list[str], NoDecode] = Field(default_factory=list)
    egress_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)

    log_level: str = "INFO"
    # json or text; unset: text on a terminal, JSON otherwise.
    log_format: Literal["json", "text"] | None = None
    # SIGTERM: seconds to finish requests in flight before closing the rest.
    shutdown_grace_seconds: int = 25

    @field_validator("egress_deny", "egress_allow", mode="before")
    @classmethod
    def _cidr_list(cls, value: object, info: ValidationInfo) -> object:
        """Split a comma-separated string; refuse entries that are not IP networks."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if not isinstance(value, list | tuple):
            return value
        items = [str(v).strip() for v in value if str(v).strip()]
        parse_networks(items, setting=f"CHARTYARD_{str(info.field_name).upper()}")
        return items

    @property
    def budget_policy(self) -> BudgetPolicy:
        """Return the per-host in-flight policy: pinned when the limit is set, else adaptive."""
        if self.max_in_flight_per_host is not None:
            return BudgetPolicy.fixed(self.max_in_flight_per_host)
        cap = self.max_in_flight_cap
        return BudgetPolicy(initial=min(4, cap), cap=cap)

    @property
    def resolved_database_url(self) -> str:
        """Return the configured database URL, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'chartyard.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, built on first use."""
    return Settings()
