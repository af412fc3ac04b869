"""Build the API's request bodies (docs/API.md) from plain arguments; secrets only where given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chartyard.client._types import ProfileType
from chartyard.registries.kinds import RegistryKind
from chartyard.registries.kinds.basic import BasicKind
from chartyard.registries.kinds.cli import spec_from_cli
from chartyard.registries.kinds.ecr import EcrKind
from chartyard.registries.kinds.helm import HelmKind
from chartyard.wire.profiles import PackRef


def registry_body(kind: RegistryKind, name: str, endpoint: str, *, sync: bool = True,
                  base_paths: Sequence[str] = (), secret: str | None = None,
                  **options: Any) -> dict[str, Any]:
    """Return a registry body of any kind from the options its CLI declares.

    `secret` is the password or secret key the kind asks for (None leaves it out, so a PUT
    keeps the stored one).
    """
    spec = spec_from_cli(kind, {"endpoint": endpoint, **options},
                         lambda _stdin, _prompt: secret)
    return {
        "kind": kind.name,
        "metadata": {"name": name},
        "spec": {"providerType": "helm", "isSyncSupported": sync,
                 "baseContentPath": ",".join(base_paths), **_drop_none(spec)},
    }


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def basic_registry_body(name: str, endpoint: str, *, username: str = "",
                        password: str | None = None, ca_pem: str = "",
                        insecure_skip_verify: bool = False, sync: bool = True,
                        base_paths: Sequence[str] = (),
                        repositories: Sequence[str] = ()) -> dict[str, Any]:
    """Return a Basic registry body; with a username it authenticates, else it is anonymous."""
    return registry_body(BasicKind(), name, endpoint, sync=sync, base_paths=base_paths,
                         secret=password, username=username, ca_pem=ca_pem,
                         insecure=insecure_skip_verify, repository=list(repositories))


def ecr_registry_body(name: str, endpoint: str, *, access_key: str = "",
                      secret_key: str | None = None, role_arn: str = "",
                      public: bool = False, sync: bool = True,
                      base_paths: Sequence[str] = (), ca_pem: str = "",
                      insecure_skip_verify: bool = False) -> dict[str, Any]:
    """Return an ECR registry body: static keys unless a role ARN asks for STS."""
    return registry_body(EcrKind(), name, endpoint, sync=sync, base_paths=base_paths,
                         secret=secret_key, access_key=access_key, role_arn=role_arn,
                         public=public, ca_pem=ca_pem, insecure=insecure_skip_verify)


def helm_registry_body(name: str, endpoint: str, *, username: str = "",
                       password: str | None = None, ca_pem: str = "",
                       insecure_skip_verify: bool = False, pass_credentials: bool = False,
                       sync: bool = True) -> dict[str, Any]:
    """Return a classic Helm repository body (``v1HelmRegistryEntity``); anonymous without a
    username."""
    return registry_body(HelmKind(), name, endpoint, sync=sync, secret=password,
                         username=username, ca_pem=ca_pem, insecure=insecure_skip_verify,
                         pass_credentials=pass_credentials)


def profile_body(name: str, *, version: str = "1.0.0", profile_type: ProfileType = "add-on",
                 description: str = "", labels: dict[str, str] | None = None,
                 packs: Sequence[PackRef] = ()) -> dict[str, Any]:
    """Return a cluster profile body."""
    annotations = {"description": description} if description else {}
    return {
        "metadata": {"name": name, "annotations": annotations, "labels": dict(labels or {})},
        "spec": {"version": version,
                 "template": {"type": profile_type, "cloudType": "all",
                              "packs": [pack_body(p) for p in packs]}},
    }


def pack(name: str, version: str, registry_uid: str, *, values: str = "",
         private: bool = False, pack_type: str | None = None) -> PackRef:
    """Return a pack (one chart layer): public from the catalog, or private checked live.

    The pack's ``type`` (``oci``, or ``helm`` for a classic Helm repository) defaults to the
    registry's: it is sent only when given.
    """
    fields: dict[str, Any] = {"name": name, "tag": version, "registryUid": registry_uid,
                              "values": values}
    if pack_type is not None:
        fields["type"] = pack_type
    if private:
        fields["source"] = "private"
    return PackRef.model_validate(fields)


def pack_body(layer: PackRef) -> dict[str, Any]:
    """Return a pack as a request sends it: only the fields that were set."""
    return layer.model_dump(mode="json", by_alias=True, exclude_unset=True)
