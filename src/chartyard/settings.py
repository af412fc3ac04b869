"""Typed runtime settings, read once from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "chartyard"


class Settings(BaseSettings):
    """Hold every setting chartyard reads from `CHARTYARD_*` variables."""

    model_config = SettingsConfigDict(env_prefix="CHARTYARD_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    secret_key: SecretStr | None = None
    admin_password: SecretStr | None = None

    session_ttl_seconds: int = 12 * 3600
    login_max_failures: int = 5
    login_lockout_seconds: int = 300

    sync_interval_seconds: int = 3600
    sync_jitter_fraction: float = 0.1
    worker_poll_seconds: float = 2.0
    lease_seconds: int = 60
    max_in_flight_per_host: int = 8
    registry_connect_timeout: float = 5.0
    registry_read_timeout: float = 30.0

    egress_deny: list[str] = Field(default_factory=list)
    egress_allow: list[str] = Field(default_factory=list)

    log_level: str = "INFO"
    log_format: str = "json"

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
