"""The ``helm`` kind: a classic Helm repository, an ``index.yaml`` served over HTTP(S).

Palette's "Helm Registries" (``/v1/registries/helm``, ``v1HelmRegistryEntity``): ChartMuseum,
GitHub Pages, Artifactory, Nexus, a bucket behind a CDN. The endpoint is the URL
``helm repo add`` takes. Authentication is none or Basic (a token is sent as the password);
credentials go only to the endpoint's origin unless ``passCredentialsAll`` is set (as
``helm repo add --pass-credentials``). Charts are listed from the index (see
`chartyard.helmrepo`) and exported as HTTP repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from chartyard.errors import InvalidInput
from chartyard.registries.kinds._auth import (
    USERNAME_INPUT,
    AuthBody,
    AuthSpec,
    BasicAuthCli,
    CredentialsAuthForm,
    StoredAuth,
    auth_cli_options,
    auth_rows,
    cli_auth,
    password_input,
)
from chartyard.registries.kinds.base import (
    CliOption,
    ExportAccess,
    Normalised,
    RegistryKind,
    StoredModel,
    StoredTLS,
)
from chartyard.registries.kinds.form import Choice, Group, Input, KindForm, Section
from chartyard.registries.present import metadata_body, sync_status
from chartyard.wire.registries import Flag, Metadata, RequestModel

if TYPE_CHECKING:  # the server-side stack (SQLAlchemy, boto3) is loaded only where used
    from chartyard.helmrepo import RepoURL
    from chartyard.sources import HelmIndexSource, HelmRepoTarget, SourceOptions
    from chartyard.store.models import Registry


class HelmCreateOption(RequestModel):
    """Palette's ``v1HelmRegistryCreateOption``; ``charts`` is accepted and not used."""

    skip_sync: Flag = Field(default=False, alias="skipSync")


class HelmRegistrySpec(RequestModel):
    """Palette's ``v1HelmRegistrySpecEntity`` / ``v1HelmRegistrySpec``, plus chartyard's fields.

    ``isSyncSupported`` (chartyard) turns synchronization on or off; when it is omitted,
    synchronization is on unless ``createOption.skipSync`` (Palette) asks otherwise.
    ``passCredentialsAll`` sends the credentials to chart URLs on other hosts too.
    ``isPrivate``, ``name``, ``scope`` and ``registryUid`` are accepted and ignored.
    """

    endpoint: str
    auth: AuthSpec = Field(default_factory=AuthSpec)
    is_sync_supported: bool | None = Field(default=None, alias="isSyncSupported")
    create_option: HelmCreateOption | None = Field(default=None, alias="createOption")
    pass_credentials_all: Flag = Field(default=False, alias="passCredentialsAll")
    sync_interval_seconds: int | None = Field(
        default=None, alias="syncIntervalSeconds", ge=60, le=7 * 24 * 3600)

    @property
    def sync_on(self) -> bool:
        """Return whether synchronization is on."""
        if self.is_sync_supported is not None:
            return self.is_sync_supported
        return not (self.create_option and self.create_option.skip_sync)


class HelmRegistryBody(RequestModel):
    """Create or update body of a Helm registry (``v1HelmRegistryEntity``/``v1HelmRegistry``)."""

    metadata: Metadata
    spec: HelmRegistrySpec


class HelmStored(StoredModel):
    """The stored spec of a Helm registry."""

    endpoint: str
    given_endpoint: str = Field(default="", alias="givenEndpoint")
    auth: StoredAuth = Field(default_factory=StoredAuth)
    tls: StoredTLS = Field(default_factory=StoredTLS)
    pass_credentials_all: bool = Field(default=False, alias="passCredentialsAll")

    @property
    def repo(self) -> RepoURL:
        """Return the parsed repository URL."""
        from chartyard.helmrepo import RepoURL

        return RepoURL(self.endpoint)


class HelmSpecBody(BaseModel):
    """``v1HelmRegistrySpec`` as returned, plus chartyard's fields."""

    endpoint: str
    auth: AuthBody
    isPrivate: bool
    name: str
    registryUid: str
    scope: str = "tenant"
    isSyncSupported: bool
    passCredentialsAll: bool = False
    syncIntervalSeconds: int | None = None


class HelmStatusBody(BaseModel):
    """``v1HelmRegistryStatus``: the sync status at ``helmSyncStatus`` (Palette's place), and
    at ``syncStatus`` as for OCI registries."""

    helmSyncStatus: dict[str, Any]
    syncStatus: dict[str, Any]


class HelmRegistryResponse(BaseModel):
    """``v1HelmRegistry`` as returned."""

    apiVersion: str = "v1"
    kind: str = "helm"
    metadata: dict[str, Any]
    spec: HelmSpecBody
    status: HelmStatusBody


class ListMeta(BaseModel):
    """``v1ListMetaData``."""

    continue_: str = Field(alias="continue", serialization_alias="continue")
    count: int
    offset: int
    limit: int


class HelmRegistries(BaseModel):
    """``v1HelmRegistries``: a page of Helm registries."""

    items: list[HelmRegistryResponse]
    listmeta: ListMeta


class HelmSummarySpec(BaseModel):
    """``v1HelmRegistrySpecSummary`` plus chartyard's list fields."""

    model_config = ConfigDict(extra="allow")

    endpoint: str
    isPrivate: bool
    scope: str = "tenant"


class HelmSummaryStatus(BaseModel):
    """``v1HelmRegistryStatusSummary``; ``syncStatus`` repeats ``sync`` for chartyard's UI."""

    sync: dict[str, Any]
    syncStatus: dict[str, Any]


class HelmSummaryItem(BaseModel):
    """``v1HelmRegistrySummary``."""

    metadata: dict[str, Any]
    spec: HelmSummarySpec
    status: HelmSummaryStatus


class HelmRegistriesSummary(BaseModel):
    """``v1HelmRegistriesSummary``."""

    items: list[HelmSummaryItem]


def _stored(registry: Registry) -> HelmStored:
    return HelmStored.model_validate(registry.spec)


class HelmKind(CredentialsAuthForm, BasicAuthCli, RegistryKind):
    """Classic Helm repositories: an ``index.yaml`` over HTTP(S)."""

    name = "helm"
    metadata_kind = "helm"
    title = "Helm"
    list_caption = "Helm · index.yaml"
    family = "helm"
    has_base_paths = False
    secret_fields = ("password",)
    body_model = HelmRegistryBody
    spec_model = HelmRegistrySpec
    response_model = HelmRegistryResponse
    form = KindForm(
        sections=(Section("auth-helm", "Authentication", items=(
            Input("helmAuth", "Authentication Type", "auth.type", type="radio", default="noAuth",
                  choices=(Choice("noAuth", "No Authentication", "helm-auth-none"),
                           Choice("basic", "Username and Password", "helm-auth-basic"))),
            Group((USERNAME_INPUT, password_input("Or an access token."),
                   Input("passCredentialsAll", "Pass credentials to all domains",
                         "passCredentialsAll", type="checkbox",
                         help="Also send the credentials to chart URLs on other hosts (as "
                              "`helm repo add --pass-credentials`). Off: only the "
                              "repository's own host receives them.")),
                  show_when="helmAuth:basic", columns=2, clear_when_hidden=True),
        )),),
        endpoint_placeholder="https://charts.example.com/stable",
        endpoint_help="The repository URL you would give `helm repo add`, e.g. "
                      "`https://charts.bitnami.com/bitnami`; chartyard reads `index.yaml` "
                      "below it. Use `http://` only for a plain-HTTP repository.",
        tls_path="auth.tls",
        errors={
            "AuthenticationFailed": "password",
            "Forbidden": "username",
            "TLSVerificationFailed": "caCertificate",
            "RegistryUnreachable": "endpoint",
            "InvalidEndpoint": "endpoint",
            "NotFound": "endpoint",
            "InvalidIndex": "endpoint",
            "IndexTooLarge": "endpoint",
            "EgressDenied": "endpoint",
            "ChartDigestMismatch": "endpoint",
        })
    cli_help = ("Add a classic Helm repository (an index.yaml over HTTP(S): ChartMuseum, "
                "GitHub Pages, Artifactory, Nexus).")
    cli_options = (
        CliOption("endpoint", ("--endpoint",), "Repository URL as helm repo add takes it, "
                  "e.g. https://charts.example.com/stable."),
        *auth_cli_options("repository", "none"),
        CliOption("pass_credentials", ("--pass-credentials",),
                  "Send the credentials to chart URLs on other hosts too.", bool, False,
                  is_flag=True),
    )

    # Rules

    def normalise(self, body: Any, *, creating: bool) -> Normalised:
        """Return the stored form of a Helm registry body, or raise `InvalidInput`."""
        from chartyard.helmrepo import parse_repo_url
        from chartyard.oci import InvalidEndpoint

        assert isinstance(body, HelmRegistryBody)
        spec = body.spec
        given = spec.endpoint.strip()
        try:
            repo = parse_repo_url(given)
        except InvalidEndpoint as exc:
            raise InvalidInput("spec.endpoint", f"spec.endpoint: {exc.message}") from exc
        auth = spec.auth
        stored = HelmStored.model_validate({
            "endpoint": repo.url, "givenEndpoint": spec.endpoint,
            "auth": auth.stored(),
            "tls": auth.tls.stored("spec.auth.tls.certificate"),
            "passCredentialsAll": spec.pass_credentials_all,
        })
        secrets = auth.secrets(creating=creating)
        return Normalised(self.name, body.metadata.name, repo.display, spec.sync_on,
                          stored.model_dump(by_alias=True), secrets, spec.sync_interval_seconds,
                          labels=body.metadata.labels, annotations=body.metadata.annotations)

    # Presentation

    def body(self, registry: Registry, secret_names: set[str],
             external_id: str) -> HelmRegistryResponse:
        """Return ``v1HelmRegistry``; the sync status sits at ``status.helmSyncStatus``."""
        stored = _stored(registry)
        status = sync_status(registry)
        return HelmRegistryResponse.model_validate({
            "apiVersion": "v1",
            "kind": self.name,
            "metadata": metadata_body(registry),
            "spec": {
                "endpoint": stored.given_endpoint or stored.endpoint,
                "auth": self._auth_body(stored, secret_names),
                "isPrivate": self.is_private(registry),
                "name": registry.name,
                "registryUid": registry.uid,
                "scope": "tenant",
                "isSyncSupported": registry.is_sync_supported,
                "passCredentialsAll": stored.pass_credentials_all,
                "syncIntervalSeconds": registry.sync_interval_seconds,
            },
            "status": {"helmSyncStatus": status, "syncStatus": status},
        })

    @staticmethod
    def _auth_body(stored: HelmStored, secret_names: set[str]) -> dict[str, Any]:
        return {"type": stored.auth.type, "username": stored.auth.username, "password": "",
                "passwordSet": "password" in secret_names,
                "tls": stored.tls.body(plain_http=stored.endpoint.startswith("http://"))}

    def entity(self, registry: Registry, secret_names: set[str]) -> dict[str, Any]:
        """Return the endpoint and auth (a Helm registry is not an OCI registry entity)."""
        stored = _stored(registry)
        return {"endpoint": stored.given_endpoint or stored.endpoint, "providerType": "helm",
                "auth": self._auth_body(stored, secret_names)}

    def auth_label(self, registry: Registry) -> str:
        """Return ``Basic``, ``Token`` or ``Anonymous``."""
        return {"basic": "Basic", "token": "Token"}.get(_stored(registry).auth.type, "Anonymous")

    def is_private(self, registry: Registry) -> bool:
        """Return whether pulling needs credentials."""
        return _stored(registry).auth.type != "noAuth"

    def summary_spec(self, registry: Registry) -> dict[str, Any]:
        """Return the pass-credentials setting with the summary row."""
        return {"passCredentialsAll": _stored(registry).pass_credentials_all}

    # Connection

    def target(self, spec: Mapping[str, Any], secrets: Mapping[str, str],
               external_id: str) -> HelmRepoTarget:
        """Return the target: repository URL, Basic credentials (a token is the password)."""
        from chartyard.oci import BasicCredentials, TLSConfig

        stored = HelmStored.model_validate(spec)
        creds = None
        if stored.auth.type != "noAuth" and "password" in secrets:
            creds = BasicCredentials(stored.auth.username or "token", secrets["password"])
        tls = TLSConfig(stored.tls.pem or None, stored.tls.insecure_skip_verify)
        from chartyard.sources import HelmRepoTarget

        return HelmRepoTarget(self.name, stored.endpoint, creds, tls,
                              stored.pass_credentials_all)

    def open_source(self, target: HelmRepoTarget, options: SourceOptions) -> HelmIndexSource:
        """Return the index source of a Helm repository target."""
        from chartyard.sources import open_helm_repo

        return open_helm_repo(target, options)

    def export_access(self, registry: Registry) -> ExportAccess:
        """Return the repository URL, trust settings and whether credentials are needed."""
        stored = _stored(registry)
        repo = stored.repo
        return ExportAccess(repo.display, plain_http=repo.url.startswith("http://"),
                            custom_ca=bool(stored.tls.pem),
                            insecure_skip_verify=stored.tls.insecure_skip_verify,
                            has_credentials=stored.auth.type != "noAuth",
                            repo_url=repo.display.rstrip("/"),
                            pass_credentials=stored.pass_credentials_all)

    # UI and CLI

    def cli_spec(self, options: Mapping[str, Any],
                 read_secret: Callable[[bool, str], str | None]) -> dict[str, Any]:
        """Return ``auth`` and ``passCredentialsAll`` from the CLI options."""
        return {"endpoint": options["endpoint"], "auth": cli_auth(options, read_secret),
                "passCredentialsAll": bool(options.get("pass_credentials"))}

    def describe(self, spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """Return authentication, username, TLS and pass-credentials rows."""
        return [*auth_rows(spec),
                ("Pass credentials to all domains", bool(spec.get("passCredentialsAll")))]

