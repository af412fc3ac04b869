"""Build request bodies of DESIGN §2 from plain arguments; secrets only where given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chartyard.client._types import Pack, ProfileType


def basic_registry_body(name: str, endpoint: str, *, username: str = "",
                        password: str | None = None, ca_pem: str = "",
                        insecure_skip_verify: bool = False, sync: bool = True,
                        base_paths: Sequence[str] = (),
                        repositories: Sequence[str] = ()) -> dict[str, Any]:
    """Return a Basic registry body; with a username the auth type is `basic`, else `noAuth`."""
    auth: dict[str, Any] = {
        "type": "basic" if username else "noAuth",
        "tls": {"certificate": ca_pem, "insecureSkipVerify": insecure_skip_verify},
    }
    if username:
        auth["username"] = username
        if password is not None:
            auth["password"] = password
    return {
        "metadata": {"name": name},
        "spec": {"endpoint": endpoint, "providerType": "helm", "isSyncSupported": sync,
                 "baseContentPath": list(base_paths), "repositories": list(repositories),
                 "auth": auth},
    }


def ecr_registry_body(name: str, endpoint: str, *, access_key: str = "",
                      secret_key: str | None = None, role_arn: str = "",
                      public: bool = False, sync: bool = True,
                      base_paths: Sequence[str] = (), ca_pem: str = "",
                      insecure_skip_verify: bool = False) -> dict[str, Any]:
    """Return an ECR registry body: static keys (`secret`) unless a role ARN asks for `sts`."""
    credentials: dict[str, Any] = {"credentialType": "sts" if role_arn else "secret"}
    if role_arn:
        credentials["sts"] = {"arn": role_arn}
    else:
        credentials["accessKey"] = access_key
        if secret_key is not None:
            credentials["secretKey"] = secret_key
    return {
        "metadata": {"name": name},
        "spec": {"endpoint": endpoint, "providerType": "helm", "isPrivate": not public,
                 "isSyncSupported": sync, "baseContentPath": list(base_paths),
                 "credentials": credentials,
                 "tls": {"certificate": ca_pem, "insecureSkipVerify": insecure_skip_verify}},
    }


def profile_body(name: str, *, version: str = "1.0.0", profile_type: ProfileType = "add-on",
                 description: str = "", labels: dict[str, str] | None = None,
                 packs: Sequence[Pack] = ()) -> dict[str, Any]:
    """Return a cluster profile body."""
    annotations = {"description": description} if description else {}
    return {
        "metadata": {"name": name, "annotations": annotations, "labels": dict(labels or {})},
        "spec": {"version": version,
                 "template": {"type": profile_type, "cloudType": "all", "packs": list(packs)}},
    }


def pack(name: str, version: str, registry_uid: str, *, values: str = "",
         private: bool = False) -> Pack:
    """Return a pack (one chart layer): public from the catalog, or private checked live."""
    out = Pack(name=name, tag=version, registryUid=registry_uid, type="oci", values=values)
    if private:
        out["source"] = "private"
    return out
