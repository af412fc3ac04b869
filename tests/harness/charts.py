"""Deterministic Helm chart archives for tests.

Same arguments give the same bytes: tar entries are sorted with mtime 0,
uid/gid 0 and fixed modes, and the gzip header has mtime 0 and no file name.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import tarfile
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

# Renders every top-level value, so `helm template` output shows the values in use.
CONFIGMAP_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
  labels:
    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
data:
{{- range $key, $value := .Values }}
  {{- if kindIs "string" $value }}
  {{ $key }}: {{ $value | quote }}
  {{- else }}
  {{ $key }}: {{ toJson $value | quote }}
  {{- end }}
{{- end }}
"""

PADDING_PATH = "files/padding.bin"


def default_values(name: str) -> str:
    return (
        f"replicaCount: 1\ngreeting: hello from {name}\n"
        "image:\n  repository: nginx\n  tag: stable\n"
    )


def chart_yaml(
    name: str,
    version: str,
    *,
    app_version: str = "1.0.0",
    description: str | None = None,
    icon: str | None = None,
    keywords: Sequence[str] = ("test",),
    maintainers: Sequence[Mapping[str, str]] = ({"name": "chartyard", "email": "ci@example.com"},),
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "apiVersion": "v2",
        "name": name,
        "version": version,
        "appVersion": app_version,
        "description": description if description is not None else f"Test chart {name}",
        "type": "application",
    }
    if keywords:
        meta["keywords"] = list(keywords)
    if maintainers:
        meta["maintainers"] = [dict(m) for m in maintainers]
    if icon:
        meta["icon"] = icon
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def build_chart(
    name: str,
    version: str,
    *,
    app_version: str = "1.0.0",
    description: str | None = None,
    values: str | None = None,
    padding_bytes: int = 0,
    padding_seed: int = 0,
    icon: str | None = None,
    keywords: Sequence[str] = ("test",),
    maintainers: Sequence[Mapping[str, str]] = ({"name": "chartyard", "email": "ci@example.com"},),
    annotations: Mapping[str, str] | None = None,
    readme: str | None = None,
    extra_files: Mapping[str, str | bytes] | None = None,
) -> bytes:
    """A chart ``.tgz`` whose files sit under ``<name>/`` like ``helm package`` makes.

    ``padding_bytes`` adds an incompressible ``files/padding.bin`` (seeded, so
    still deterministic); keep it under helm's 5 MiB per-file limit if helm
    must load the chart. ``extra_files`` maps chart-relative paths to content
    and may override the generated files (e.g. ``values.schema.json``).
    """
    meta = chart_yaml(
        name,
        version,
        app_version=app_version,
        description=description,
        icon=icon,
        keywords=keywords,
        maintainers=maintainers,
        annotations=annotations,
    )
    files: dict[str, bytes] = {
        "Chart.yaml": yaml.safe_dump(meta, sort_keys=False).encode(),
        "values.yaml": (values if values is not None else default_values(name)).encode(),
        "templates/configmap.yaml": CONFIGMAP_TEMPLATE.encode(),
        "README.md": (readme if readme is not None else f"# {name}\n\n{version}\n").encode(),
    }
    if padding_bytes:
        files[PADDING_PATH] = random.Random(padding_seed).randbytes(padding_bytes)
    for path, content in (extra_files or {}).items():
        files[path] = content.encode() if isinstance(content, str) else content
    return _tgz({f"{name}/{path}": data for path, data in files.items()})


def _tgz(files: Mapping[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            data = files[path]
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def read_chart_file(chart_tgz: bytes, path: str) -> bytes:
    """Read ``<chart>/<path>`` from a chart archive (test convenience, no limits)."""
    with tarfile.open(fileobj=io.BytesIO(chart_tgz), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.split("/", 1)[-1] == path:
                extracted = tar.extractfile(member)
                assert extracted is not None
                return extracted.read()
    raise KeyError(path)


def chart_metadata(chart_tgz: bytes) -> dict[str, Any]:
    """Chart.yaml of an archive, parsed."""
    loaded = yaml.safe_load(read_chart_file(chart_tgz, "Chart.yaml"))
    if not isinstance(loaded, dict):
        raise ValueError("Chart.yaml is not a mapping")
    return loaded


# Field order of helm's chart.Metadata struct, which is how `helm push` serialises it.
_HELM_METADATA_ORDER = (
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
)


def helm_config_json(chart_tgz: bytes) -> bytes:
    """The OCI config blob helm writes for a chart: Chart.yaml as compact JSON."""
    meta = chart_metadata(chart_tgz)
    empty: tuple[object, ...] = (None, "", [], {}, False)  # Go's omitempty
    ordered = {k: meta[k] for k in _HELM_METADATA_ORDER if meta.get(k) not in empty}
    ordered.update({k: v for k, v in meta.items() if k not in _HELM_METADATA_ORDER})
    return json.dumps(ordered, separators=(",", ":")).encode()
