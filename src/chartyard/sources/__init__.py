"""Chart sources: how to list and read one configured registry (Basic/OCI or ECR)."""

from chartyard.sources._base import ChartSource, EcrTarget, RegistryTarget, SourceOptions
from chartyard.sources._open import open_source

__all__ = ["ChartSource", "EcrTarget", "RegistryTarget", "SourceOptions", "open_source"]
