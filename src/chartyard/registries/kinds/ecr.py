"""The ``ecr`` kind: Amazon ECR with static keys, STS AssumeRole, pod identity, or public."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from chartyard.errors import InvalidInput
from chartyard.registries.kinds.base import (
    CliOption,
    CliUsageError,
    ExportAccess,
    Normalised,
    RegistryKind,
    StoredModel,
    StoredSync,
    stored_tls,
    sync_fields,
)
from chartyard.registries.kinds.form import (
    CONNECTION_ERRORS,
    OCI_SCOPE_ERRORS,
    Action,
    Choice,
    Drawer,
    Group,
    Input,
    KindForm,
    Section,
)
from chartyard.registries.present import metadata_body, sync_status
from chartyard.wire.registry_kinds import (
    CredentialType,
    EcrRegistryBody,
    EcrRegistryResponse,
    EcrRegistrySpec,
)

if TYPE_CHECKING:  # the server-side stack (SQLAlchemy, boto3) is loaded only where used
    from chartyard.sources import ChartSource, RegistryTarget, SourceOptions
    from chartyard.store.models import Registry

class StoredCredentials(StoredModel):
    """Stored credentials; the secret key is stored encrypted apart."""

    credential_type: CredentialType = Field(default="secret", alias="credentialType")
    access_key: str = Field(default="", alias="accessKey")
    sts_arn: str = Field(default="", alias="stsArn")
    partition: str = ""


class EcrStored(StoredSync):
    """The stored spec of an ECR registry."""

    is_private: bool = Field(default=True, alias="isPrivate")
    default_region: str = Field(default="", alias="defaultRegion")
    credentials: StoredCredentials = Field(default_factory=StoredCredentials)


def _stored(registry: Registry) -> EcrStored:
    return EcrStored.model_validate(registry.spec)


class EcrKind(RegistryKind):
    """Amazon ECR registries (private or public)."""

    name = "ecr"
    metadata_kind = "oci-ecr"
    title = "ECR"
    list_caption = "Amazon ECR"
    # Palette's providers; chartyard indexes the Helm charts it finds in any of them.
    providers = frozenset({"helm", "zarf", "pack"})
    secret_fields = ("secretKey",)
    body_model = EcrRegistryBody
    spec_model = EcrRegistrySpec
    response_model = EcrRegistryResponse
    form = KindForm(
        sections=(Section("auth-ecr", "Authentication", items=(
            Input("ecrAuth", "Enable Authentication", "isPrivate", type="switch", default=True,
                  help="Off for public ECR repositories that allow anonymous pulls."),
            Group((
                Input("credentialType", "Credential type", "credentials.credentialType",
                      type="radio", default="secret",
                      choices=(Choice("secret", "Credentials", "cred-secret"),
                               Choice("sts", "STS", "cred-sts"))),
                Group((
                    Input("accessKey", "Access key", "credentials.accessKey"),
                    Input("secretKey", "Secret access key", "credentials.secretKey",
                          type="password", stored_flag="credentials.secretKeySet",
                          help="Stored encrypted; never shown again.",
                          stored_help="A secret key is stored; leave empty to keep it.",
                          autocomplete="new-password"),
                ), show_when="credentialType:secret", columns=2),
                Input("stsArn", "ARN", "credentials.sts.arn", show_when="credentialType:sts",
                      placeholder="arn:aws:iam::123456789012:role/chartyard", max_length=2048,
                      help="The IAM role chartyard assumes with your tenant's external ID. "
                           "Open the side panel for the trust relationship and permission "
                           "policy to add.",
                      action=Action("Trust policy & permissions", "sts-drawer")),
            ), show_when="ecrAuth:on"),
        )),),
        endpoint_placeholder="123456789012.dkr.ecr.us-east-1.amazonaws.com",
        endpoint_help="The registry host without `https://`, e.g. "
                      "`123456789012.dkr.ecr.us-east-1.amazonaws.com`.",
        strips_scheme=True,
        requirements_url="/v1/registries/oci/ecr/requirements",
        tls_note="ECR uses public certificates; the defaults are right unless a proxy "
                 "re-signs traffic.",
        drawers=(Drawer("sts-drawer", "Trust relationship and permissions",
                        "Create an IAM role in the AWS account that owns the registry, let "
                        "chartyard assume it, and give it read access to ECR.",
                        "Image layers are served from S3; allow the S3 endpoint of the "
                        "registry's region."),),
        errors={
            "AuthenticationFailed": "secretKey",
            "Forbidden": "accessKey",
            "MissingPermission": "accessKey",
            "AssumeRoleFailed": "stsArn",
            **CONNECTION_ERRORS,
            **OCI_SCOPE_ERRORS,
        })
    cli_help = "Add an Amazon ECR registry with static keys or an assumed IAM role."
    cli_options = (
        CliOption("endpoint", ("--endpoint",), "ECR registry, e.g. "
                  "123456789012.dkr.ecr.eu-west-1.amazonaws.com or public.ecr.aws/alias.",
                  spec_path="endpoint"),
        CliOption("access_key", ("--access-key",), "AWS access key ID (the secret key is read "
                  "with --secret-key-stdin or prompted).", spec_path="credentials.accessKey"),
        CliOption("secret_key_stdin", ("--secret-key-stdin",),
                  "Read the AWS secret access key from stdin.", bool, False, is_flag=True),
        CliOption("role_arn", ("--role-arn",), "IAM role to assume with this tenant's external "
                  "ID (see GET /v1/clouds/aws/account/sts).", spec_path="credentials.sts.arn"),
        CliOption("public", ("--public",), "A public registry (public.ecr.aws): no "
                  "credentials.", bool, False, is_flag=True),
    )

    # Rules

    def normalise(self, body: Any, *, creating: bool) -> Normalised:
        """Return the stored form of an ECR registry body, or raise `InvalidInput`."""
        assert isinstance(body, EcrRegistryBody)
        spec = body.spec
        given = spec.endpoint.strip()
        from chartyard.aws import InvalidEcrEndpoint, parse_ecr_endpoint

        try:
            ecr = parse_ecr_endpoint(given)
        except InvalidEcrEndpoint as exc:
            raise InvalidInput("spec.endpoint", f"spec.endpoint: {exc}") from exc
        endpoint = ecr.host + (f"/{ecr.registry_path}" if ecr.registry_path else "")
        creds = spec.credentials
        # Every field is kept as given; only the chosen credential type's are required.
        stored_creds: dict[str, Any] = {"credentialType": creds.credential_type,
                                        "partition": creds.partition,
                                        "accessKey": creds.access_key, "stsArn": creds.sts.arn}
        secrets: dict[str, str] | None = {}
        if spec.is_private and creds.credential_type == "secret":
            if not creds.access_key:
                raise InvalidInput("spec.credentials.accessKey",
                                   "spec.credentials.accessKey is required for "
                                   "credentialType 'secret'")
            if creds.secret_key:
                secrets = {"secretKey": creds.secret_key}
            elif creating:
                raise InvalidInput("spec.credentials.secretKey",
                                   "spec.credentials.secretKey is required for credentialType "
                                   "'secret'")
            else:
                secrets = None
        elif spec.is_private and creds.credential_type == "sts":
            arn = creds.sts.arn.strip()
            if not arn.startswith("arn:") or ":role/" not in arn:
                raise InvalidInput("spec.credentials.sts.arn",
                                   "spec.credentials.sts.arn must be an IAM role ARN such as "
                                   "arn:aws:iam::123456789012:role/chartyard")
        stored = EcrStored.model_validate({
            **sync_fields(spec, self.providers, self.title),
            # ECR endpoints are written without a scheme; a pasted one is removed (with a
            # notice) for use, and the endpoint is returned as it was given.
            "endpoint": endpoint, "givenEndpoint": spec.endpoint, "isPrivate": spec.is_private,
            "defaultRegion": spec.default_region, "credentials": stored_creds,
            "tls": stored_tls(spec.tls, "spec.tls.certificate"),
        })
        return Normalised(self.name, body.metadata.name, endpoint, spec.is_sync_supported,
                          stored.model_dump(by_alias=True), secrets,
                          spec.sync_interval_seconds, ecr.notice,
                          labels=body.metadata.labels, annotations=body.metadata.annotations)

    # Presentation

    def body(self, registry: Registry, secret_names: set[str],
             external_id: str) -> EcrRegistryResponse:
        """Return ``v1EcrRegistry``; the secret key is never returned."""
        stored = _stored(registry)
        creds = stored.credentials
        credentials: dict[str, Any] = {
            "credentialType": creds.credential_type, "accessKey": creds.access_key,
            "secretKey": "", "secretKeySet": "secretKey" in secret_names,
            "sts": {"arn": creds.sts_arn, "externalId": external_id},
        }
        if creds.partition:
            credentials["partition"] = creds.partition
        return EcrRegistryResponse.model_validate({
            "kind": self.name,
            "metadata": metadata_body(registry),
            "spec": {**stored.common_body(registry), "isPrivate": stored.is_private,
                     "defaultRegion": stored.default_region, "credentials": credentials,
                     "tls": stored.tls.body()},
            "status": {"syncStatus": sync_status(registry)},
        })

    def entity(self, registry: Registry, secret_names: set[str]) -> dict[str, Any]:
        """Return ``v1OciRegistryEntity`` fields: endpoint, provider and region."""
        stored = _stored(registry)
        from chartyard.aws import parse_ecr_endpoint

        region = stored.default_region or parse_ecr_endpoint(stored.endpoint).region
        return {"endpoint": stored.given_endpoint or stored.endpoint,
                "providerType": stored.provider_type, "defaultRegion": region}

    def auth_label(self, registry: Registry) -> str:
        """Return ``ECR``, ``ECR (STS)``, ``ECR (pod identity)`` or ``ECR (public)``."""
        stored = _stored(registry)
        if not stored.is_private:
            return "ECR (public)"
        return {"sts": "ECR (STS)", "pod-identity": "ECR (pod identity)"}.get(
            stored.credentials.credential_type, "ECR")

    def is_private(self, registry: Registry) -> bool:
        """Return whether credentials are used: a private registry (``isPrivate``)."""
        return _stored(registry).is_private

    def summary_spec(self, registry: Registry) -> dict[str, Any]:
        """Return the region of the registry."""
        return {"defaultRegion": _stored(registry).default_region}

    # Connection

    def target(self, spec: Mapping[str, Any], secrets: Mapping[str, str],
               external_id: str) -> RegistryTarget:
        """Return the target; pod identity uses the process's own AWS identity."""
        from chartyard.aws import EcrAuth, parse_ecr_endpoint
        from chartyard.oci import TLSConfig, parse_endpoint
        from chartyard.sources import EcrTarget, RegistryTarget

        stored = EcrStored.model_validate(spec)
        creds = stored.credentials
        if not stored.is_private:
            auth = EcrAuth(kind="anonymous")
        elif creds.credential_type == "sts":
            auth = EcrAuth(kind="sts", role_arn=creds.sts_arn.strip(),
                           external_id=external_id)
        elif creds.credential_type == "pod-identity":
            auth = EcrAuth(kind="default")
        else:
            auth = EcrAuth(kind="secret", access_key=creds.access_key,
                           secret_key=secrets.get("secretKey"))
        tls = TLSConfig(stored.tls.pem or None, stored.tls.insecure_skip_verify)
        return RegistryTarget(self.name, parse_endpoint("https://" + stored.endpoint), None, tls,
                              tuple(stored.base_paths), tuple(stored.repositories),
                              EcrTarget(parse_ecr_endpoint(stored.endpoint), auth))

    def open_source(self, target: RegistryTarget, options: SourceOptions) -> ChartSource:
        """Return the ECR API source; a public registry is read anonymously over ``/v2/``."""
        from chartyard.sources import open_ecr_source, open_source

        ecr = target.ecr
        if ecr is None or ecr.auth.kind == "anonymous":
            return open_source(target, options)
        return open_ecr_source(target, ecr, options)

    def export_access(self, registry: Registry) -> ExportAccess:
        """Return the host; a private registry needs ECR credentials in the cluster."""
        from chartyard.oci import parse_endpoint

        stored = _stored(registry)
        return ExportAccess(parse_endpoint("https://" + stored.endpoint).authority,
                            custom_ca=bool(stored.tls.pem),
                            insecure_skip_verify=stored.tls.insecure_skip_verify,
                            cloud_provider="aws" if stored.is_private else None,
                            token_username="AWS" if stored.is_private else None)

    # UI and CLI

    def error_input(self, code: str, values: Mapping[str, Any]) -> str | None:
        """Point authentication failures at the role ARN when STS is used."""
        if code == "AuthenticationFailed" and values.get("credentialType") == "sts":
            return "stsArn"
        return super().error_input(code, values)

    def cli_update(self, spec: dict[str, Any], username: str | None,
                   secret: str | None) -> None:
        """Set a new secret access key; ECR has no username."""
        if secret is not None:
            spec.setdefault("credentials", {})["secretKey"] = secret

    def cli_rules(self, options: Mapping[str, Any], spec: dict[str, Any],
                  read_secret: Callable[[bool, str], str | None]) -> None:
        """Choose static keys or AssumeRole (not both, none when public); read the secret key.

        TLS comes from the API client's ``ca_pem`` and ``insecure`` (the CLI has no flags).
        """
        access_key, role_arn = options.get("access_key"), options.get("role_arn")
        public, stdin = bool(options.get("public")), bool(options.get("secret_key_stdin"))
        if access_key and role_arn:
            raise CliUsageError("--role-arn", "give --access-key or --role-arn, not both")
        if public and (access_key or role_arn):
            raise CliUsageError("--public", "a --public registry takes no credentials")
        if stdin and not access_key:
            raise CliUsageError("--access-key", "--secret-key-stdin needs --access-key")
        if not public and not (access_key or role_arn):
            raise CliUsageError("--access-key", "a private ECR registry needs --access-key or "
                                "--role-arn (or pass --public)")
        credentials = spec.setdefault("credentials", {})
        credentials["credentialType"] = "sts" if role_arn else "secret"
        if not role_arn:
            credentials.setdefault("accessKey", "")
            if access_key:
                credentials["secretKey"] = read_secret(stdin, "Secret access key")
        spec["isPrivate"] = not public
        spec["tls"] = {"certificate": options.get("ca_pem", ""),
                       "insecureSkipVerify": bool(options.get("insecure"))}

    def describe(self, spec: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """Return privacy and credential rows."""
        creds = spec["credentials"]
        return [("Private", spec.get("isPrivate")), ("Credentials", creds["credentialType"]),
                ("Access key", creds.get("accessKey")),
                ("Secret key set", bool(creds.get("secretKeySet"))),
                ("Role ARN", creds.get("sts", {}).get("arn"))]
