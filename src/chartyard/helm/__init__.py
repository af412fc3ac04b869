"""Helm-on-OCI semantics: media types, chart metadata, versions, chart archives.

Pure data handling: nothing here performs I/O or imports the web, database
or OCI client layers.
"""

from chartyard.helm._archive import (
    MAX_SUBCHART_DEPTH,
    MAX_SUBCHARTS,
    ChartArchiveError,
    ChartArchiveLimits,
    ChartFiles,
    Subchart,
    read_chart_archive,
)
from chartyard.helm._media import (
    HELM_CHART_LAYER_MEDIA_TYPE,
    HELM_CONFIG_MEDIA_TYPE,
    HELM_PROVENANCE_MEDIA_TYPE,
    LEGACY_CHART_LAYER_MEDIA_TYPES,
    chart_layer_digest,
    is_chart_config,
    is_chart_layer,
)
from chartyard.helm._metadata import (
    MAX_CONFIG_BYTES,
    ChartMetadata,
    Dependency,
    InvalidChartMetadata,
    Maintainer,
    parse_chart_config,
)
from chartyard.helm._version import (
    VersionSortKey,
    is_semver,
    nearest_versions,
    parse_semver,
    sort_versions_desc,
    tag_to_version,
    version_sort_key,
    version_to_tag,
)

__all__ = [
    "HELM_CHART_LAYER_MEDIA_TYPE",
    "HELM_CONFIG_MEDIA_TYPE",
    "HELM_PROVENANCE_MEDIA_TYPE",
    "LEGACY_CHART_LAYER_MEDIA_TYPES",
    "MAX_CONFIG_BYTES",
    "MAX_SUBCHARTS",
    "MAX_SUBCHART_DEPTH",
    "ChartArchiveError",
    "ChartArchiveLimits",
    "ChartFiles",
    "ChartMetadata",
    "Dependency",
    "InvalidChartMetadata",
    "Maintainer",
    "Subchart",
    "VersionSortKey",
    "chart_layer_digest",
    "is_chart_config",
    "is_chart_layer",
    "is_semver",
    "nearest_versions",
    "parse_chart_config",
    "parse_semver",
    "read_chart_archive",
    "sort_versions_desc",
    "tag_to_version",
    "version_sort_key",
    "version_to_tag",
]
