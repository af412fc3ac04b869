"""What a registry kind declares, and the stored models every kind shares.

A kind (``basic``, ``ecr``, ...) is one module in this package and belongs to one family
(``chartyard.registries.families``: OCI distribution, Helm index), which owns what depends on
how charts are stored (validation, sync, pack and drift checks, chart files, signatures,
push, pack type, routes and tab). The kind owns how one registry is reached: its request and
stored models, its rules, which secrets it keeps, its target and how its chart source is
opened (every path opens sources here), how exports reach it, and how it is shown (API body,
summary row, list label, UI form and CLI options; the form is data, `kinds/form.py`). The
rest of chartyard asks the kind or its family; it never compares kind or family names.

Every request and response body is a wire model (`chartyard.wire.registry_kinds`, built
from `chartyard.wire.registries`); the kinds keep the rules and the stored models. Kind
modules import the server stack (SQLAlchemy, boto3, the OCI client) inside the methods that
use it, so the CLI and the API client can load the kinds' declarations without it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chartyard.errors import InvalidInput
from chartyard.registries.kinds.form import KindForm
from chartyard.registries.paths import normalise_path
from chartyard.wire.registry_kinds import SyncSpec, TLSSpec

if TYPE_CHECKING:  # the server-side stack (SQLAlchemy, boto3) is loaded only where used
    from chartyard.sources import HelmRepoTarget, RegistryTarget, SourceOptions
    from chartyard.store.models import Registry


class StoredModel(BaseModel):
    """A stored spec part (JSON in the database), read back typed."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class StoredTLS(StoredModel):
    """Stored TLS settings."""

    certificate: str = ""
    ca: str = ""
    """``certificate`` and ``ca`` as given (returned as sent); `pem` is the one in use."""
    insecure_skip_verify: bool = Field(default=False, alias="insecureSkipVerify")

    @property
    def pem(self) -> str:
        """Return the CA bundle in use: ``certificate``, else ``ca``."""
        return self.certificate or self.ca

    def body(self, *, plain_http: bool = False) -> dict[str, Any]:
        """Return the settings as Palette's ``v1TlsConfiguration``; ``enabled`` is false for
        an ``http://`` endpoint."""
        return {"certificate": self.certificate, **({"ca": self.ca} if self.ca else {}),
                "insecureSkipVerify": self.insecure_skip_verify, "enabled": not plain_http}


def stored_tls(tls: TLSSpec, field_name: str) -> StoredTLS:
    """Return the stored TLS settings (the PEM byte for byte), or raise `InvalidInput` for a
    bad PEM bundle."""
    from chartyard.registries.certs import InvalidCertificate, parse_pem_bundle

    pem = tls.certificate or tls.ca
    if pem.strip():
        try:
            parse_pem_bundle(pem.strip())
        except InvalidCertificate as exc:
            raise InvalidInput(field_name, f"{field_name}: {exc}") from exc
    return StoredTLS(certificate=tls.certificate, ca=tls.ca,
                     insecureSkipVerify=tls.insecure_skip_verify)


class StoredSync(StoredModel):
    """Stored fields every OCI kind shares; rows written before base paths were strings load."""

    endpoint: str
    given_endpoint: str = Field(default="", alias="givenEndpoint")
    provider_type: str = Field(default="helm", alias="providerType")
    base_content_path: str = Field(default="", alias="baseContentPath")
    base_paths: list[str] = Field(default_factory=list, alias="basePaths")
    repositories: list[str] = Field(default_factory=list)
    tls: StoredTLS = Field(default_factory=StoredTLS)
    contains_spectro_manifest: bool = Field(default=False, alias="containsSpectroManifest")

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("baseContentPath"), list):
            paths = [str(p) for p in data["baseContentPath"]]
            data = {**data, "baseContentPath": ",".join(paths), "basePaths": paths}
        return data

    def common_body(self, registry: Registry) -> dict[str, Any]:
        """Return the spec fields every kind shows, as they were given."""
        return {
            "endpoint": self.given_endpoint or self.endpoint,
            "providerType": self.provider_type,
            "isSyncSupported": registry.is_sync_supported,
            "baseContentPath": self.base_content_path,
            "repositories": list(self.repositories),
            "syncIntervalSeconds": registry.sync_interval_seconds,
            "containsSpectroManifest": self.contains_spectro_manifest,
            "scope": "tenant",
        }


def _paths(values: list[str], field_name: str) -> list[str]:
    out: list[str] = []
    for i, raw in enumerate(values):
        try:
            path = normalise_path(raw)
        except ValueError as exc:
            raise InvalidInput(f"{field_name}[{i}]", f"{field_name}[{i}] {exc}") from exc
        if path not in out:
            out.append(path)
    return out


def sync_fields(spec: SyncSpec, providers: frozenset[str], kind_title: str) -> dict[str, Any]:
    """Check the shared sync fields; return them in stored form (endpoint excluded)."""
    if spec.provider_type not in providers:
        raise InvalidInput(
            "spec.providerType",
            f"spec.providerType '{spec.provider_type}' is not supported by {kind_title} "
            f"registries in chartyard (supported: {', '.join(sorted(providers))}); set "
            "providerType to one of those",
        )
    text = spec.base_content_path.strip()
    raw = [p for p in (part.strip() for part in text.split(",")) if p] if text else []
    if text and not raw:
        raise InvalidInput("spec.baseContentPath",
                           "spec.baseContentPath holds only commas; give paths such as "
                           "'team-a,team-b' or leave it empty")
    bases = _paths(raw, "spec.baseContentPath")
    repos = _paths(spec.repositories, "spec.repositories")
    if spec.is_sync_supported and not bases and not repos:
        raise InvalidInput(
            "spec.baseContentPath",
            "with synchronization on (spec.isSyncSupported), give at least one base content "
            "path in spec.baseContentPath or an explicit repository, or turn synchronization "
            "off and add charts by name",
        )
    return {"providerType": spec.provider_type, "baseContentPath": spec.base_content_path,
            "basePaths": bases, "repositories": repos,
            "containsSpectroManifest": spec.contains_spectro_manifest}


@dataclass(frozen=True)
class Normalised:
    """A body in stored form: non-secret spec, secrets (None keeps stored ones), a notice."""

    kind: str
    name: str
    endpoint: str
    is_sync_supported: bool
    spec: dict[str, Any]
    secrets: dict[str, str] | None
    sync_interval_seconds: int | None
    notice: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportAccess:
    """How an export reaches a registry: plain HTTP, trust, and which credentials it needs."""

    host: str
    plain_http: bool = False
    custom_ca: bool = False
    insecure_skip_verify: bool = False
    has_credentials: bool = False
    cloud_provider: str | None = None
    """A cloud whose workload identity pulls (Flux ``provider: aws``); no Secret needed."""
    token_username: str | None = None
    """The fixed username of the registry's short-lived tokens (``AWS`` for ECR)."""
    repo_url: str | None = None
    """A classic Helm repository's URL (``helm repo add``); exports use HTTP, not ``oci://``."""
    pass_credentials: bool = False
    """Whether credentials go to chart URLs on other hosts too (``--pass-credentials``)."""

    def oci_url(self, repository: str) -> str:
        """Return the ``oci://`` reference of a repository."""
        return f"oci://{self.host}/{repository}"


@dataclass(frozen=True)
class CliOption:
    """One ``chartyard registry add <kind>`` option, declared by the kind.

    ``spec_path`` (dotted, e.g. ``auth.username``) is where the option's value goes in the
    request spec (`chartyard.registries.kinds.cli.spec_from_cli`); an option without one is
    read by the kind's `RegistryKind.cli_rules`.
    """

    param: str
    flags: tuple[str, ...]
    help: str
    type: type = str
    default: Any = None
    multiple: bool = False
    is_flag: bool = False
    ca_file: bool = False
    spec_path: str | None = None


class CliUsageError(Exception):
    """A kind's CLI options do not make sense together; the CLI shows it as a usage error."""

    def __init__(self, param_hint: str, message: str) -> None:
        super().__init__(message)
        self.param_hint = param_hint
        self.message = message


class RegistryKind(ABC):
    """One kind of registry. Subclasses are registered in ``chartyard.registries.kinds``."""

    name: ClassVar[str]
    """The kind in URLs (``/v1/registries/oci/{name}``) and in the database."""
    metadata_kind: ClassVar[str]
    """The kind as the Registry drop-down shows it (``oci-basic``)."""
    title: ClassVar[str]
    """A human label, e.g. ``Basic`` or ``ECR``."""
    list_caption: ClassVar[str]
    """The caption under a registry's name in the UI list."""
    family: ClassVar[str] = "oci"
    """The name of the family this kind belongs to (``chartyard.registries.families``)."""
    has_base_paths: ClassVar[bool] = True
    """Whether the kind synchronizes under base content paths and explicit repositories."""
    providers: ClassVar[frozenset[str]] = frozenset({"helm"})
    secret_fields: ClassVar[tuple[str, ...]]
    """The names of the secrets this kind stores (encrypted)."""
    body_model: ClassVar[type[BaseModel]]
    spec_model: ClassVar[type[BaseModel]]
    response_model: ClassVar[type[BaseModel]]
    form: ClassVar[KindForm]
    """The kind's Add / Edit form as data (``chartyard.registries.kinds.form``)."""
    cli_help: ClassVar[str]
    cli_options: ClassVar[tuple[CliOption, ...]]

    @property
    def collection_path(self) -> str:
        """Return the create/validate path under ``/v1/registries`` (the family's)."""
        from chartyard.registries.families import get_family

        return get_family(self.family).collection_path(self.name)

    @property
    def item_path(self) -> str:
        """Return the path of one registry under ``/v1/registries`` (the family's)."""
        from chartyard.registries.families import get_family

        return get_family(self.family).item_path(self.name)

    # Rules

    @abstractmethod
    def normalise(self, body: Any, *, creating: bool) -> Normalised:
        """Return the stored form of a request body, or raise `InvalidInput` naming the field."""

    def parse_body(self, data: Any) -> BaseModel:
        """Parse ``{metadata, spec}``."""
        return self.body_model.model_validate(data)

    def parse_spec(self, data: Any) -> BaseModel:
        """Parse a validate body: the bare spec (as Palette sends it) or ``{metadata, spec}``."""
        if isinstance(data, dict) and isinstance(data.get("spec"), dict):
            return self.body_model.model_validate(
                {"metadata": data.get("metadata") or {"name": "validate"}, **data})
        return self.body_model.model_validate({"metadata": {"name": "validate"}, "spec": data})

    # Presentation

    @abstractmethod
    def body(self, registry: Registry, secret_names: set[str],
             external_id: str) -> BaseModel:
        """Return the kind's GET body (its `response_model`): ``{kind, metadata, spec, status}``."""

    @abstractmethod
    def entity(self, registry: Registry, secret_names: set[str]) -> dict[str, Any]:
        """Return the spec part of ``GET /v1/registries/oci/{uid}`` (``v1OciRegistryEntity``)."""

    @abstractmethod
    def auth_label(self, registry: Registry) -> str:
        """Return the authentication as the registry list shows it."""

    @abstractmethod
    def is_private(self, registry: Registry) -> bool:
        """Return whether pulling needs credentials."""

    def summary_spec(self, registry: Registry) -> dict[str, Any]:
        """Return the kind's extra fields of a summary row (``v1OciRegistrySpec``)."""
        return {}

    # Connection

    @abstractmethod
    def target(self, spec: Mapping[str, Any], secrets: Mapping[str, str],
               external_id: str) -> RegistryTarget | HelmRepoTarget:
        """Return the connectable target of a stored spec and its decrypted secrets."""

    def open_source(self, target: Any, options: SourceOptions) -> Any:
        """Return the chart source of a target (an OCI registry by default).

        Every path (validation, sync, pack and drift checks, chart files) opens sources here,
        through the kind's family; a kind that overrides this is used everywhere.
        """
        from chartyard.sources import open_source

        return open_source(target, options)

    def covers(self, registry: Registry, repository: str) -> bool:
        """Return whether the registry's sync covers a full repository name (for events)."""
        from chartyard.oci import is_under, parse_endpoint

        if not self.has_base_paths:
            return False  # an index repository has no repositories to notify about
        stored = StoredSync.model_validate(registry.spec)
        full = parse_endpoint(stored.endpoint).repository
        if repository in {full(r) for r in stored.repositories}:
            return True
        return any(is_under(repository, full(base)) for base in stored.base_paths)

    @abstractmethod
    def export_access(self, registry: Registry) -> ExportAccess:
        """Return how exports reach this registry (credentials, ``oci://`` host, trust)."""

    # UI and CLI

    def finish_form_spec(  # noqa: B027 - a hook most kinds do not need
            self, spec: dict[str, Any], values: Mapping[str, Any]) -> None:
        """Apply the kind's rules that its form's spec paths cannot express (none here)."""

    def error_input(self, code: str, values: Mapping[str, Any]) -> str | None:
        """Return the form input an error code most likely concerns (`KindForm.errors`)."""
        return self.form.errors.get(code)

    def cli_rules(self, options: Mapping[str, Any], spec: dict[str, Any],
                  read_secret: Callable[[bool, str], str | None]) -> None:
        """Apply the rules that join several CLI options to `spec`; raise `CliUsageError`.

        Options with a ``spec_path`` are already in `spec`; a kind whose options all map to
        spec paths needs no rules.
        """
        return

    @abstractmethod
    def describe(self, spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """Return the kind's rows of ``chartyard registry show``."""

    def tls_holder(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Return the part of a request spec that holds ``tls`` (created when missing)."""
        tls: dict[str, Any] = spec.setdefault("tls", {})
        return tls

    @abstractmethod
    def cli_update(self, spec: dict[str, Any], username: str | None,
                   secret: str | None) -> None:
        """Apply ``registry update``'s ``--username`` and new secret to a request spec."""
