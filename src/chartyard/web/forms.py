"""Turn the registry form into the API's request body, and errors into field messages.

The form posts flat field names (`endpoint`, `username`, `baseContentPath` repeated, ...).
The common ones are read here, the kind's own from its declared form (`RegistryKind.form`).
They are assembled into the same Palette-shaped body the REST API takes, parsed by the
kind's model and checked by the kind's `normalise`, so the rules are identical. Errors are
mapped back to the form field they concern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from chartyard.errors import InvalidInput, ServiceError, error_body
from chartyard.oci import OCIError
from chartyard.registries.certs import MAX_PEM_BYTES, CertificateInfo
from chartyard.registries.kinds import Normalised, RegistryKind, all_kinds, default_kind, find_kind

# API field paths (as InvalidInput and pydantic name them) -> form input names. Each kind
# adds its own (auth, credentials, TLS) from its declared form.
_COMMON_INPUTS = {
    "metadata.name": "name",
    "spec.endpoint": "endpoint",
    "spec.providerType": "providerType",
    "spec.isSyncSupported": "sync",
    "spec.baseContentPath": "baseContentPath",
    "spec.repositories": "repositories",
    "spec.syncIntervalSeconds": "syncIntervalSeconds",
    "spec.auth.tls.certificate": "caCertificate",  # an uploaded CA file's errors
}


def _field_input(kind: RegistryKind, path: str) -> str | None:
    return _COMMON_INPUTS.get(path) or kind.form.error_inputs().get(path)


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
        return error_body(self.code, self.message, ok=False, field=self.input,
                          advice=self.advice)


@dataclass(frozen=True)
class RegistryForm:
    """The values of the Add / Edit registry form.

    `values` holds the kind's own inputs by name; `secrets_set` names its secret inputs
    whose secret is stored (left empty, they keep it).
    """

    kind: str = field(default_factory=lambda: default_kind().name)
    name: str = ""
    provider: str = "helm"
    endpoint: str = ""
    sync: bool = True
    base_paths: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    ca_pem: str = ""
    insecure: bool = False
    sync_interval: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    secrets_set: frozenset[str] = frozenset()
    certificates: tuple[CertificateInfo, ...] = field(default=())

    @property
    def registry_kind(self) -> RegistryKind:
        """Return the form's kind."""
        return find_kind(self.kind) or default_kind()

    @classmethod
    def blank(cls, kind: RegistryKind) -> RegistryForm:
        """Return an empty form of a kind, with the kind's defaults."""
        return cls(kind=kind.name, values=kind.form.defaults())

    @classmethod
    def from_body(cls, kind: RegistryKind, body: dict[str, Any]) -> RegistryForm:
        """Return the form prefilled from a registry as the API shows it (no secrets)."""
        spec = body["spec"]
        values, stored = kind.form.values_from_spec(spec)
        ca_pem, insecure = kind.form.tls_from_spec(spec)
        text = spec.get("baseContentPath") or ""
        return cls(
            kind=kind.name, name=body["metadata"]["name"], endpoint=spec["endpoint"],
            provider=spec.get("providerType", "helm"), sync=bool(spec["isSyncSupported"]),
            base_paths=tuple(p.strip() for p in text.split(",") if p.strip()),
            repositories=tuple(spec.get("repositories", [])),
            sync_interval=spec.get("syncIntervalSeconds"),
            ca_pem=ca_pem, insecure=insecure, values=values, secrets_set=frozenset(stored))

    def with_certificates(self, infos: list[CertificateInfo]) -> RegistryForm:
        """Return a copy that shows the parsed certificates."""
        return replace(self, certificates=tuple(infos))

    def body(self) -> dict[str, Any]:
        """Return the Palette-shaped request body of the API."""
        spec: dict[str, Any] = {
            "endpoint": self.endpoint, "providerType": self.provider,
            "isSyncSupported": self.sync,
            "baseContentPath": ",".join(self.base_paths) if self.sync else "",
            "repositories": list(self.repositories) if self.sync else [],
        }
        if self.sync_interval is not None:
            spec["syncIntervalSeconds"] = self.sync_interval
        kind = self.registry_kind
        own = kind.form.spec(self.values, self.ca_pem, self.insecure)
        kind.finish_form_spec(own, self.values)
        spec.update(own)
        return {"metadata": {"name": self.name}, "spec": spec}

    def normalise(self, *, creating: bool) -> Normalised:
        """Parse and check the body exactly as the API does; raise `InvalidInput`."""
        kind = self.registry_kind
        try:
            parsed = kind.parse_body(self.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(where, f"{where}: {first['msg']}") from exc
        return kind.normalise(parsed, creating=creating)


def _text(form: FormData, name: str, limit: int = 2048) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _raw(form: FormData, name: str) -> str | None:
    """Return a field exactly as sent (a kind's declared form trims and caps it), or None."""
    value = form.get(name)
    return value if isinstance(value, str) else None


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
    chosen = find_kind(kind or _text(form, "kind"))
    if chosen is None:
        names = " or ".join(k.title for k in all_kinds())
        raise InvalidInput("kind", f"choose {names} as the OCI authentication type")
    interval = _text(form, "syncIntervalSeconds")
    uploaded = await _upload(form, "caFile")
    values = chosen.form.read(lambda name: _raw(form, name))
    hidden = chosen.form.hidden  # shared inputs the kind does not use are dropped
    return RegistryForm(
        kind=chosen.name, name=_text(form, "name", 255),
        provider=("providerType" not in hidden and _text(form, "providerType")) or "helm",
        endpoint=_text(form, "endpoint"), sync=_flag(form, "sync"),
        base_paths=_chips(form, "baseContentPath"),
        repositories=() if "repositories" in hidden else _chips(form, "repositories"),
        ca_pem=uploaded if uploaded is not None else _text(form, "caCertificate", MAX_PEM_BYTES),
        insecure="insecureSkipVerify" not in hidden and _flag(form, "insecureSkipVerify"),
        sync_interval=int(interval) if interval.isdigit() else None,
        values=values,
    )


def field_error(exc: Exception, form: RegistryForm) -> FieldError:
    """Return where and how to show a validation or save failure."""
    if isinstance(exc, InvalidInput):
        path = _INDEX.sub("", exc.field)
        return FieldError(exc.code, exc.message, _field_input(form.registry_kind, path),
                          ADVICE.get(exc.code, ""))
    if isinstance(exc, ServiceError):
        raw = exc.details.get("field")
        path = _INDEX.sub("", raw) if isinstance(raw, str) else ""
        where = (_field_input(form.registry_kind, path)
                 or form.registry_kind.error_input(exc.code, form.values))
        return FieldError(exc.code, exc.message, where, ADVICE.get(exc.code, ""))
    if isinstance(exc, OCIError):
        where = form.registry_kind.error_input(exc.code, form.values)
        if where in ("baseContentPath", "repositories") and not form.sync:
            where = "endpoint"
        return FieldError(exc.code, exc.message, where, ADVICE.get(exc.code, ""))
    raise TypeError(f"not a chartyard error: {type(exc).__name__}")
