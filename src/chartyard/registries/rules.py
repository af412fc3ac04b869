"""Check a registry body against the rules and turn it into stored form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chartyard.aws import InvalidEcrEndpoint, parse_ecr_endpoint
from chartyard.errors import InvalidInput
from chartyard.oci import InvalidEndpoint, parse_endpoint
from chartyard.registries.certs import InvalidCertificate, parse_pem_bundle
from chartyard.registries.paths import normalise_path
from chartyard.registries.schemas import (
    BasicRegistryBody,
    EcrRegistryBody,
    TLSSpec,
    _SyncSpec,
)


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


def _paths(values: list[str], field: str) -> list[str]:
    out: list[str] = []
    for i, raw in enumerate(values):
        try:
            path = normalise_path(raw)
        except ValueError as exc:
            raise InvalidInput(f"{field}[{i}]", f"{field}[{i}] {exc}") from exc
        if path not in out:
            out.append(path)
    return out


def _sync_fields(spec: _SyncSpec) -> dict[str, Any]:
    if spec.provider_type != "helm":
        raise InvalidInput(
            "spec.providerType",
            f"providerType '{spec.provider_type}' is not supported: chartyard manages Helm "
            "charts only; set providerType to 'helm'",
        )
    bases = _paths(spec.base_content_path, "spec.baseContentPath")
    repos = _paths(spec.repositories, "spec.repositories")
    if spec.is_sync_supported and not bases and not repos:
        raise InvalidInput(
            "spec.baseContentPath",
            "with synchronization on, give at least one base content path or explicit "
            "repository, or turn synchronization off and add charts by name",
        )
    return {"providerType": "helm", "baseContentPath": bases, "repositories": repos}


def _tls(tls: TLSSpec, field: str) -> dict[str, Any]:
    pem = tls.certificate.strip()
    if pem:
        try:
            parse_pem_bundle(pem)
        except InvalidCertificate as exc:
            raise InvalidInput(field, f"{field}: {exc}") from exc
    return {"certificate": pem, "insecureSkipVerify": tls.insecure_skip_verify}


def normalise_basic(body: BasicRegistryBody, *, creating: bool) -> Normalised:
    """Return the stored form of a Basic registry body, or raise `InvalidInput`."""
    spec = body.spec
    try:
        endpoint = parse_endpoint(spec.endpoint)
    except InvalidEndpoint as exc:
        raise InvalidInput("spec.endpoint", f"spec.endpoint: {exc.message}") from exc
    auth = spec.auth
    stored: dict[str, Any] = {
        **_sync_fields(spec),
        "endpoint": endpoint.display,
        "auth": {"type": auth.type, "username": auth.username if auth.type == "basic" else ""},
        "tls": _tls(auth.tls, "spec.auth.tls.certificate"),
    }
    secrets: dict[str, str] | None
    if auth.type == "noAuth":
        secrets = {}
    else:
        if not auth.username:
            raise InvalidInput("spec.auth.username",
                               "spec.auth.username is required when auth.type is 'basic'")
        if auth.password:
            secrets = {"password": auth.password}
        elif creating:
            raise InvalidInput("spec.auth.password",
                               "spec.auth.password is required when auth.type is 'basic'")
        else:
            secrets = None
    return Normalised("basic", body.metadata.name, endpoint.display, spec.is_sync_supported,
                      stored, secrets, spec.sync_interval_seconds)


def normalise_ecr(body: EcrRegistryBody, *, creating: bool) -> Normalised:
    """Return the stored form of an ECR registry body, or raise `InvalidInput`."""
    spec = body.spec
    try:
        ecr = parse_ecr_endpoint(spec.endpoint)
    except InvalidEcrEndpoint as exc:
        raise InvalidInput("spec.endpoint", f"spec.endpoint: {exc}") from exc
    endpoint = ecr.host + (f"/{ecr.registry_path}" if ecr.registry_path else "")
    creds = spec.credentials
    stored: dict[str, Any] = {
        **_sync_fields(spec),
        "endpoint": endpoint,
        "isPrivate": spec.is_private,
        "credentials": {"credentialType": creds.credential_type, "accessKey": "", "stsArn": ""},
        "tls": _tls(spec.tls, "spec.tls.certificate"),
    }
    secrets: dict[str, str] | None = {}
    if spec.is_private and creds.credential_type == "secret":
        if not creds.access_key:
            raise InvalidInput("spec.credentials.accessKey",
                               "spec.credentials.accessKey is required for credentialType 'secret'")
        stored["credentials"]["accessKey"] = creds.access_key
        if creds.secret_key:
            secrets = {"secretKey": creds.secret_key}
        elif creating:
            raise InvalidInput("spec.credentials.secretKey",
                               "spec.credentials.secretKey is required for credentialType "
                               "'secret'")
        else:
            secrets = None
    elif spec.is_private:
        arn = creds.sts.arn.strip()
        if not arn.startswith("arn:") or ":role/" not in arn:
            raise InvalidInput("spec.credentials.sts.arn",
                               "spec.credentials.sts.arn must be an IAM role ARN such as "
                               "arn:aws:iam::123456789012:role/chartyard")
        stored["credentials"]["stsArn"] = arn
    return Normalised("ecr", body.metadata.name, endpoint, spec.is_sync_supported, stored,
                      secrets, spec.sync_interval_seconds, ecr.notice)
