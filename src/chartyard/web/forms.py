"""Turn the registry form into the API's request body, and errors into field messages.

The form posts flat field names (`endpoint`, `username`, `baseContentPath` repeated, ...).
They are assembled into the same Palette-shaped body the REST API takes, parsed by the same
pydantic schema and checked by the same `normalise_basic` / `normalise_ecr`, so the rules
are identical. Errors are mapped back to the form field they concern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from chartyard.errors import InvalidInput, ServiceError
from chartyard.oci import OCIError
from chartyard.registries.certs import MAX_PEM_BYTES, CertificateInfo
from chartyard.registries.rules import Normalised, normalise_basic, normalise_ecr
from chartyard.registries.schemas import BasicRegistryBody, EcrRegistryBody

KINDS = ("basic", "ecr")

# API field paths (as InvalidInput and pydantic name them) -> form input names.
_FIELD_INPUTS = {
    "metadata.name": "name",
    "spec.endpoint": "endpoint",
    "spec.providerType": "providerType",
    "spec.isSyncSupported": "sync",
    "spec.baseContentPath": "baseContentPath",
    "spec.repositories": "repositories",
    "spec.syncIntervalSeconds": "syncIntervalSeconds",
    "spec.auth.username": "username",
    "spec.auth.password": "password",
    "spec.auth.tls.certificate": "caCertificate",
    "spec.tls.certificate": "caCertificate",
    "spec.credentials.accessKey": "accessKey",
    "spec.credentials.secretKey": "secretKey",
    "spec.credentials.sts.arn": "stsArn",
}

# OCI error codes -> the input whose value most likely caused them.
_CODE_INPUTS_BASIC = {
    "AuthenticationFailed": "password",
    "Forbidden": "username",
    "TLSVerificationFailed": "caCertificate",
    "RegistryUnreachable": "endpoint",
    "InvalidEndpoint": "endpoint",
    "NotAnOCIRegistry": "endpoint",
    "CatalogUnsupported": "repositories",
    "NotFound": "baseContentPath",
    "RepositoryNotFound": "repositories",
}
_CODE_INPUTS_ECR = {
    **_CODE_INPUTS_BASIC,
    "AuthenticationFailed": "secretKey",
    "Forbidden": "accessKey",
    "MissingPermission": "accessKey",
    "AssumeRoleFailed": "stsArn",
}

# Extra advice shown with some codes, beyond the message of the error itself.
ADVICE = {
    "AuthenticationFailed": "Check the username and password (or access keys); leave both "
                            "empty for registries that allow anonymous pulls.",
    "TLSVerificationFailed": "Upload the CA certificate that signed the registry's "
                             "certificate, or turn on Insecure Skip TLS Verify.",
    "RegistryUnreachable": "Check the endpoint's host and port, and that chartyard's "
                           "server can reach it.",
    "CatalogUnsupported": "This registry does not list its repositories (GHCR and Docker Hub "
                          "never do): add them under Repositories, or turn synchronization "
                          "off and add charts as Private Packs.",
}

_INDEX = re.compile(r"\[\d+\]$")


@dataclass(frozen=True)
class FieldError:
    """An error to show next to one input (or above the form when `input` is None)."""

    code: str
    message: str
    input: str | None
    advice: str = ""

    def as_json(self) -> dict[str, Any]:
        """Return the error as the page's script reads it."""
        return {"ok": False, "code": self.code, "message": self.message, "field": self.input,
                "advice": self.advice}


@dataclass(frozen=True)
class RegistryForm:
    """The values of the Add / Edit OCI Registry form."""

    kind: str = "basic"
    name: str = ""
    provider: str = "helm"
    endpoint: str = ""
    sync: bool = True
    base_paths: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    username: str = ""
    password: str = ""
    password_set: bool = False
    ca_pem: str = ""
    insecure: bool = False
    ecr_auth: bool = True
    credential_type: str = "secret"
    access_key: str = ""
    secret_key: str = ""
    secret_key_set: bool = False
    sts_arn: str = ""
    external_id: str = ""
    sync_interval: int | None = None
    certificates: tuple[CertificateInfo, ...] = field(default=())

    @classmethod
    def from_body(cls, kind: str, body: dict[str, Any]) -> RegistryForm:
        """Return the form prefilled from a registry as the API shows it (no secrets)."""
        spec = body["spec"]
        common = {
            "kind": kind, "name": body["metadata"]["name"], "endpoint": spec["endpoint"],
            "provider": spec.get("providerType", "helm"),
            "sync": bool(spec["isSyncSupported"]),
            "base_paths": tuple(spec.get("baseContentPath", [])),
            "repositories": tuple(spec.get("repositories", [])),
            "sync_interval": spec.get("syncIntervalSeconds"),
        }
        if kind == "ecr":
            creds = spec["credentials"]
            return cls(**common, ca_pem=spec["tls"]["certificate"],
                       insecure=bool(spec["tls"]["insecureSkipVerify"]),
                       ecr_auth=bool(spec["isPrivate"]),
                       credential_type=creds["credentialType"], access_key=creds["accessKey"],
                       secret_key_set=bool(creds.get("secretKeySet")),
                       sts_arn=creds["sts"]["arn"], external_id=creds["sts"].get("externalId")
                       or "")
        auth = spec["auth"]
        return cls(**common, username=auth["username"],
                   password_set=bool(auth.get("passwordSet")),
                   ca_pem=auth["tls"]["certificate"],
                   insecure=bool(auth["tls"]["insecureSkipVerify"]))

    def with_certificates(self, infos: list[CertificateInfo]) -> RegistryForm:
        """Return a copy that shows the parsed certificates."""
        return replace(self, certificates=tuple(infos))

    def body(self) -> dict[str, Any]:
        """Return the Palette-shaped request body of the API."""
        spec: dict[str, Any] = {
            "endpoint": self.endpoint, "providerType": self.provider,
            "isSyncSupported": self.sync,
            "baseContentPath": list(self.base_paths) if self.sync else [],
            "repositories": list(self.repositories) if self.sync else [],
        }
        if self.sync_interval is not None:
            spec["syncIntervalSeconds"] = self.sync_interval
        tls = {"certificate": self.ca_pem, "insecureSkipVerify": self.insecure}
        if self.kind == "ecr":
            spec.update(isPrivate=self.ecr_auth, tls=tls, credentials={
                "credentialType": self.credential_type, "accessKey": self.access_key,
                "secretKey": self.secret_key or None, "sts": {"arn": self.sts_arn},
            })
        else:
            with_auth = bool(self.username or self.password)
            spec["auth"] = {"type": "basic" if with_auth else "noAuth",
                            "username": self.username, "password": self.password or None,
                            "tls": tls}
        return {"metadata": {"name": self.name}, "spec": spec}

    def normalise(self, *, creating: bool) -> Normalised:
        """Parse and check the body exactly as the API does; raise `InvalidInput`."""
        try:
            if self.kind == "ecr":
                return normalise_ecr(EcrRegistryBody.model_validate(self.body()),
                                     creating=creating)
            return normalise_basic(BasicRegistryBody.model_validate(self.body()),
                                   creating=creating)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(where, f"{where}: {first['msg']}") from exc


def _text(form: FormData, name: str, limit: int = 2048) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _secret(form: FormData, name: str) -> str:
    """Return a password-like field exactly as typed (spaces are significant)."""
    value = form.get(name)
    return value[:1024] if isinstance(value, str) else ""


def _flag(form: FormData, name: str) -> bool:
    return _text(form, name).lower() in ("on", "true", "1", "yes")


def _chips(form: FormData, name: str) -> tuple[str, ...]:
    """Return the chips of a list field plus anything still typed in its entry box."""
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    entry = form.get(f"{name}Entry")
    if isinstance(entry, str):
        values.extend(entry.split(","))
    out: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in out:
            out.append(value)
    return tuple(out[:100])


async def _upload(form: FormData, name: str) -> str | None:
    """Return an uploaded text file, or None when nothing was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_PEM_BYTES + 1)
    if len(data) > MAX_PEM_BYTES:
        raise InvalidInput("spec.auth.tls.certificate",
                           f"the certificate file is larger than {MAX_PEM_BYTES} bytes")
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        raise InvalidInput("spec.auth.tls.certificate",
                           "the certificate file is not PEM text; export the CA certificate "
                           "as PEM (Base64, starting with -----BEGIN CERTIFICATE-----)") from exc


async def read_registry_form(form: FormData, *, kind: str | None = None) -> RegistryForm:
    """Return the registry form of a submitted form; an uploaded CA file wins over the text."""
    chosen = kind or _text(form, "kind")
    if chosen not in KINDS:
        raise InvalidInput("kind", "choose Basic or ECR as the OCI authentication type")
    interval = _text(form, "syncIntervalSeconds")
    uploaded = await _upload(form, "caFile")
    return RegistryForm(
        kind=chosen, name=_text(form, "name", 128), provider=_text(form, "providerType") or "helm",
        endpoint=_text(form, "endpoint"), sync=_flag(form, "sync"),
        base_paths=_chips(form, "baseContentPath"), repositories=_chips(form, "repositories"),
        username=_text(form, "username", 256),
        password=_secret(form, "password"),
        ca_pem=uploaded if uploaded is not None else _text(form, "caCertificate", MAX_PEM_BYTES),
        insecure=_flag(form, "insecureSkipVerify"), ecr_auth=_flag(form, "ecrAuth"),
        credential_type="sts" if _text(form, "credentialType") == "sts" else "secret",
        access_key=_text(form, "accessKey", 256),
        secret_key=_secret(form, "secretKey"),
        sts_arn=_text(form, "stsArn", 2048),
        sync_interval=int(interval) if interval.isdigit() else None,
    )


def field_error(exc: Exception, form: RegistryForm) -> FieldError:
    """Return where and how to show a validation or save failure."""
    if isinstance(exc, InvalidInput):
        path = _INDEX.sub("", exc.field)
        return FieldError(exc.code, exc.message, _FIELD_INPUTS.get(path), ADVICE.get(exc.code, ""))
    if isinstance(exc, ServiceError):
        raw = exc.details.get("field")
        path = _INDEX.sub("", raw) if isinstance(raw, str) else ""
        where = _FIELD_INPUTS.get(path) or _CODE_INPUTS_BASIC.get(exc.code)
        return FieldError(exc.code, exc.message, where, ADVICE.get(exc.code, ""))
    if isinstance(exc, OCIError):
        table = _CODE_INPUTS_ECR if form.kind == "ecr" else _CODE_INPUTS_BASIC
        where = table.get(exc.code)
        if exc.code == "AuthenticationFailed" and form.kind == "ecr" and \
                form.credential_type == "sts":
            where = "stsArn"
        if where in ("baseContentPath", "repositories") and not form.sync:
            where = "endpoint"
        return FieldError(exc.code, exc.message, where, ADVICE.get(exc.code, ""))
    raise TypeError(f"not a chartyard error: {type(exc).__name__}")
