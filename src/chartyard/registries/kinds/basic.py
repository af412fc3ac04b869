"""The ``basic`` kind: any OCI registry with Basic auth, a token, or none (Harbor, GHCR...)."""

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
    StoredSync,
    stored_tls,
    sync_fields,
)
from chartyard.registries.kinds.form import (
    CONNECTION_ERRORS,
    OCI_SCOPE_ERRORS,
    Group,
    KindForm,
    Section,
)
from chartyard.registries.present import metadata_body, sync_status
from chartyard.wire.registry_kinds import (
    BasicRegistryBody,
    BasicRegistryResponse,
    BasicRegistrySpec,
)

if TYPE_CHECKING:  # the server-side stack (SQLAlchemy, boto3) is loaded only where used
    from chartyard.sources import RegistryTarget
    from chartyard.store.models import Registry


class BasicStored(StoredSync):
    """The stored spec of a Basic registry."""

    auth: StoredAuth = Field(default_factory=StoredAuth)


def _stored(registry: Registry) -> BasicStored:
    return BasicStored.model_validate(registry.spec)


class BasicKind(CredentialsAuthForm, BasicAuthCli, RegistryKind):
    """OCI registries with Basic authentication, a bearer token, or anonymous pulls."""

    name = "basic"
    metadata_kind = "oci-basic"
    title = "Basic"
    list_caption = "OCI · Helm"
    # Palette's providers; chartyard indexes the Helm charts it finds in any of them.
    providers = frozenset({"helm", "zarf", "pack"})
    secret_fields = ("password",)
    body_model = BasicRegistryBody
    spec_model = BasicRegistrySpec
    response_model = BasicRegistryResponse
    form = KindForm(
        sections=(Section(
            "auth-basic", "Authentication",
            intro="Leave both empty for a registry that allows anonymous pulls.",
            items=(Group((USERNAME_INPUT, password_input("Or a token with pull access.")),
                         columns=2),)),),
        endpoint_placeholder="https://harbor.example.com",
        endpoint_help="Host, port and optional path, e.g. `https://harbor.example.com` or "
                      "`ghcr.io/my-org/charts`. Use `http://` only for a plain-HTTP registry.",
        tls_path="auth.tls",
        errors={
            "AuthenticationFailed": "password",
            "Forbidden": "username",
            **CONNECTION_ERRORS,
            **OCI_SCOPE_ERRORS,
        })
    cli_help = "Add an OCI registry with Basic authentication or none (Harbor, distribution, GHCR)."
    cli_options = (
        CliOption("endpoint", ("--endpoint",), "Registry URL, e.g. https://harbor.example.com "
                  "or ghcr.io/org/charts.", spec_path="endpoint"),
        *auth_cli_options("registry", "anonymous"),
        CliOption("repository", ("--repository",), "Explicit chart repository, for registries "
                  "without _catalog such as GHCR (repeatable).", multiple=True,
                  spec_path="repositories"),
    )

    # Rules

    def normalise(self, body: Any, *, creating: bool) -> Normalised:
        """Return the stored form of a Basic registry body, or raise `InvalidInput`."""
        from chartyard.oci import InvalidEndpoint, parse_endpoint

        assert isinstance(body, BasicRegistryBody)
        spec = body.spec
        given = spec.endpoint.strip()
        try:
            endpoint = parse_endpoint(given)
        except InvalidEndpoint as exc:
            raise InvalidInput("spec.endpoint", f"spec.endpoint: {exc.message}") from exc
        auth = spec.auth
        stored = BasicStored.model_validate({
            **sync_fields(spec, self.providers, self.title),
            "endpoint": endpoint.display, "givenEndpoint": spec.endpoint,
            "auth": auth_stored(auth),
            "tls": stored_tls(auth.tls, "spec.auth.tls.certificate"),
        })
        secrets = auth_secrets(auth, creating=creating)
        return Normalised(self.name, body.metadata.name, endpoint.display,
                          spec.is_sync_supported, stored.model_dump(by_alias=True), secrets,
                          spec.sync_interval_seconds, labels=body.metadata.labels,
                          annotations=body.metadata.annotations)

    # Presentation

    def body(self, registry: Registry, secret_names: set[str],
             external_id: str) -> BasicRegistryResponse:
        """Return ``v1BasicOciRegistry``; the password is never returned."""
        stored = _stored(registry)
        return BasicRegistryResponse.model_validate({
            "kind": self.name,
            "metadata": metadata_body(registry),
            "spec": {**stored.common_body(registry),
                     "auth": self._auth_body(stored, secret_names)},
            "status": {"syncStatus": sync_status(registry)},
        })

    @staticmethod
    def _auth_body(stored: BasicStored, secret_names: set[str]) -> dict[str, Any]:
        from chartyard.oci import parse_endpoint

        plain_http = parse_endpoint(stored.endpoint).scheme == "http"
        return {"type": stored.auth.type, "username": stored.auth.username, "password": "",
                "passwordSet": "password" in secret_names,
                "tls": stored.tls.body(plain_http=plain_http)}

    def entity(self, registry: Registry, secret_names: set[str]) -> dict[str, Any]:
        """Return ``v1OciRegistryEntity`` fields: endpoint, provider and auth."""
        stored = _stored(registry)
        return {"endpoint": stored.given_endpoint or stored.endpoint,
                "providerType": stored.provider_type,
                "auth": self._auth_body(stored, secret_names)}

    def auth_label(self, registry: Registry) -> str:
        """Return ``Basic``, ``Token`` or ``Anonymous``."""
        return {"basic": "Basic", "token": "Token"}.get(_stored(registry).auth.type, "Anonymous")

    def is_private(self, registry: Registry) -> bool:
        """Return whether credentials are stored (not for ``noAuth``)."""
        return _stored(registry).auth.type != "noAuth"

    # Connection

    def target(self, spec: Mapping[str, Any], secrets: Mapping[str, str],
               external_id: str) -> RegistryTarget:
        """Return the target: the endpoint, Basic credentials (a token is the password)."""
        from chartyard.oci import BasicCredentials, TLSConfig, parse_endpoint

        stored = BasicStored.model_validate(spec)
        creds = None
        if stored.auth.type != "noAuth" and "password" in secrets:
            creds = BasicCredentials(stored.auth.username or "token", secrets["password"])
        tls = TLSConfig(stored.tls.pem or None, stored.tls.insecure_skip_verify)
        from chartyard.sources import RegistryTarget

        return RegistryTarget(self.name, parse_endpoint(stored.endpoint), creds, tls,
                              tuple(stored.base_paths), tuple(stored.repositories))

    def export_access(self, registry: Registry) -> ExportAccess:
        """Return the host and trust settings; credentials when auth is not ``noAuth``."""
        from chartyard.oci import parse_endpoint

        stored = _stored(registry)
        endpoint = parse_endpoint(stored.endpoint)
        return ExportAccess(endpoint.authority, plain_http=endpoint.scheme == "http",
                            custom_ca=bool(stored.tls.pem),
                            insecure_skip_verify=stored.tls.insecure_skip_verify,
                            has_credentials=stored.auth.type != "noAuth")

    # UI and CLI


    def describe(self, spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """Return authentication, username and TLS rows."""
        return auth_rows(spec)
