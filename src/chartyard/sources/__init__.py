"""Chart sources: how to list and read one configured registry (Basic/OCI, ECR, Helm index)."""

from chartyard.sources._base import ChartSource, EcrTarget, RegistryTarget, SourceOptions
from chartyard.sources._helmrepo import (
    AnyTarget,
    HelmIndexSource,
    HelmRepoTarget,
    open_helm_repo,
)
from chartyard.sources._layer import ChartLayer
from chartyard.sources._open import open_ecr_source, open_source

__all__ = ["AnyTarget", "ChartLayer", "ChartSource", "EcrTarget", "HelmIndexSource",
           "HelmRepoTarget", "RegistryTarget", "SourceOptions", "open_ecr_source", "open_helm_repo",
           "open_source"]
