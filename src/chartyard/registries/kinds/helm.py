"""The ``helm`` kind: a classic Helm repository, an ``index.yaml`` served over HTTP(S).

Palette's "Helm Registries" (``/v1/registries/helm``, ``v1HelmRegistryEntity``): ChartMuseum,
GitHub Pages, Artifactory, Nexus, a bucket behind a CDN. The endpoint is the URL
``helm repo add`` takes. Authentication is none or Basic (a token is sent as the password);
credentials go only to the endpoint's origin unless ``passCredentialsAll`` is set (as
``helm repo add --pass-credentials``). Charts are listed from the index (see
`chartyard.helmrepo`) and exported as HTTP repositories.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from chartyard.errors import InvalidInput
from chartyard.registries.kinds._auth import (
    USERNAME_INPUT,
    BasicAuthCli,
    CredentialsAuthForm,
    StoredAuth,
    auth_cli_options,
    auth_rows,
    auth_secrets,
    auth_stored,
    password_input,
)
from chartyard.registries.kinds.base import (
    CliOption,
    ExportAccess,
    Normalised,
    RegistryKind,
    StoredModel,
    StoredTLS,
    stored_tls,
)
from chartyard.registries.kinds.form import (
    CONNECTION_ERRORS,
    Choice,
    Group,
    Input,
    KindForm,
    Section,
)
from chartyard.registries.present import metadata_body, sync_status
from chartyard.wire.registry_kinds import (
    HelmRegistryBody,
    HelmRegistryResponse,
    HelmRegistrySpec,
)

if TYPE_CHECKING:  # the server-side stack (SQLAlchemy, boto3) is loaded only where used
    from chartyard.helmrepo import RepoURL
    from chartyard.sources import HelmIndexSource, HelmRepoTarget, SourceOptions
    from chartyard.store.models import Registry


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
            **CONNECTION_ERRORS,
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
                  "e.g. https://charts.example.com/stable.", spec_path="endpoint"),
        *auth_cli_options("repository", "none"),
        CliOption("pass_credentials", ("--pass-credentials",),
                  "Send the credentials to chart URLs on other hosts too.", bool, False,
                  is_flag=True, spec_path="passCredentialsAll"),
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
            "auth": auth_stored(auth),
            "tls": stored_tls(auth.tls, "spec.auth.tls.certificate"),
            "passCredentialsAll": spec.pass_credentials_all,
        })
        secrets = auth_secrets(auth, creating=creating)
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


    def describe(self, spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """Return authentication, username, TLS and pass-credentials rows."""
        return [*auth_rows(spec),
                ("Pass credentials to all domains", bool(spec.get("passCredentialsAll")))]

