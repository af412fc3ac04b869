"""Bodies as Palette's Go SDK marshals them (`spectrocloud/palette-sdk-go`, `api/models`).

Go's encoding/json never omits a struct (so `V1Time` zero values are sent as
`0001-01-01T00:00:00.000Z`), sends a nil slice without omitempty as `null`, and omits
`false`, `""` and nil where the struct tag says `omitempty`. Each builder below follows
the struct tags of the model it names; fields are written in the tags' order.
"""

from __future__ import annotations

from typing import Any

import httpx

ZERO_TIME = "0001-01-01T00:00:00.000Z"


def _omit_empty(**fields: Any) -> dict[str, Any]:
    """Return the fields whose tag says omitempty, without the empty ones."""
    return {k: v for k, v in fields.items() if v not in (None, "", False, [], {})}


def object_meta(name: str, uid: str = "", labels: dict[str, str] | None = None,
                annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """`V1ObjectMeta`: the V1Time structs are always sent, everything else omitempty."""
    return {**_omit_empty(annotations=annotations),
            "creationTimestamp": ZERO_TIME, "deletionTimestamp": ZERO_TIME,
            **_omit_empty(labels=labels),
            "lastModifiedTimestamp": ZERO_TIME, **_omit_empty(name=name, uid=uid)}


def tls_configuration(ca: str = "", insecure: bool = False) -> dict[str, Any]:
    """`V1TLSConfiguration`: `enabled` and `insecureSkipVerify` have no omitempty."""
    return {**_omit_empty(certificate=ca), "enabled": False, "insecureSkipVerify": insecure}


def basic_spec(endpoint: str, *, username: str, password: str, ca: str, sync: bool,
               base_content_path: str = "", provider_type: str = "helm") -> dict[str, Any]:
    """`V1BasicOciRegistrySpec` as the Terraform provider fills it."""
    auth = {**_omit_empty(password=password), "tls": tls_configuration(ca),
            **_omit_empty(type="basic" if username else "noAuth", username=username)}
    return {"auth": auth, **_omit_empty(baseContentPath=base_content_path),
            "containsSpectroManifest": False, "endpoint": endpoint,
            **_omit_empty(isSyncSupported=sync), "providerType": provider_type}


def basic_registry(name: str, spec: dict[str, Any], uid: str = "") -> dict[str, Any]:
    """`V1BasicOciRegistry`: `kind` and `status` are empty, so omitted."""
    return {"metadata": object_meta(name, uid), "spec": spec}


def ecr_spec(endpoint: str, *, role_arn: str, external_id: str, ca: str, sync: bool,
             base_content_path: str = "", provider_type: str = "helm") -> dict[str, Any]:
    """`V1EcrRegistrySpec` with STS credentials (`V1AwsCloudAccount`)."""
    credentials = {"credentialType": "sts", "policyARNs": None,
                   "sts": _omit_empty(arn=role_arn, externalId=external_id)}
    return {**_omit_empty(baseContentPath=base_content_path), "containsSpectroManifest": False,
            "credentials": credentials, "endpoint": endpoint, "isPrivate": True,
            **_omit_empty(isSyncSupported=sync), "providerType": provider_type,
            "tls": tls_configuration(ca)}


def ecr_secret_spec(endpoint: str, *, access_key: str, secret_key: str, ca: str, sync: bool,
                    base_content_path: str = "", provider_type: str = "helm") -> dict[str, Any]:
    """`V1EcrRegistrySpec` with static keys (`V1AwsCloudAccount`, credentialType secret)."""
    credentials = {"accessKey": access_key, "credentialType": "secret", "policyARNs": None,
                   "secretKey": secret_key}
    return {**_omit_empty(baseContentPath=base_content_path), "containsSpectroManifest": False,
            "credentials": credentials, "endpoint": endpoint, "isPrivate": True,
            **_omit_empty(isSyncSupported=sync), "providerType": provider_type,
            "tls": tls_configuration(ca)}


def go_roundtrip_basic(read: dict[str, Any]) -> dict[str, Any]:
    """Return a GET body as the SDK re-marshals it for a PUT: unknown fields dropped,
    empty omitempty fields (such as the empty `password`) left out."""
    spec = read["spec"]
    auth = spec["auth"]
    tls = auth.get("tls") or {}
    new_auth = {**_omit_empty(password=auth.get("password", "")),
                "tls": {**_omit_empty(ca=tls.get("ca", ""), certificate=tls.get("certificate", "")),
                        "enabled": bool(tls.get("enabled")),
                        "insecureSkipVerify": bool(tls.get("insecureSkipVerify"))},
                **_omit_empty(token=auth.get("token", ""), type=auth.get("type", ""),
                              username=auth.get("username", ""))}
    new_spec = {"auth": new_auth,
                **_omit_empty(baseContentPath=spec.get("baseContentPath", ""),
                              basePath=spec.get("basePath", "")),
                "containsSpectroManifest": bool(spec.get("containsSpectroManifest")),
                "endpoint": spec["endpoint"],
                **_omit_empty(isSyncSupported=spec.get("isSyncSupported"),
                              providerType=spec.get("providerType"),
                              registryUid=spec.get("registryUid", ""),
                              scope=spec.get("scope", ""))}
    meta = read["metadata"]
    return {**_omit_empty(kind=read.get("kind", "")),
            "metadata": {**_omit_empty(annotations=meta.get("annotations")),
                         "creationTimestamp": meta.get("creationTimestamp") or ZERO_TIME,
                         "deletionTimestamp": meta.get("deletionTimestamp") or ZERO_TIME,
                         **_omit_empty(labels=meta.get("labels")),
                         "lastModifiedTimestamp": meta.get("lastModifiedTimestamp") or ZERO_TIME,
                         **_omit_empty(name=meta.get("name"), uid=meta.get("uid"))},
            "spec": new_spec}


def go_roundtrip_ecr(read: dict[str, Any]) -> dict[str, Any]:
    """Return an ECR GET body as the SDK re-marshals it for a PUT."""
    spec = read["spec"]
    creds = spec.get("credentials") or {}
    sts = creds.get("sts") or {}
    tls = spec.get("tls") or {}
    new_creds = {**_omit_empty(accessKey=creds.get("accessKey", ""),
                               credentialType=creds.get("credentialType")),
                 "policyARNs": creds.get("policyARNs"),
                 **_omit_empty(secretKey=creds.get("secretKey", ""),
                               sts=_omit_empty(arn=sts.get("arn", ""),
                                               externalId=sts.get("externalId", "")))}
    meta = read["metadata"]
    return {"metadata": object_meta(meta["name"], meta.get("uid", ""), meta.get("labels"),
                                    meta.get("annotations")),
            "spec": {**_omit_empty(baseContentPath=spec.get("baseContentPath", "")),
                     "containsSpectroManifest": bool(spec.get("containsSpectroManifest")),
                     "credentials": new_creds, "endpoint": spec["endpoint"],
                     "isPrivate": spec.get("isPrivate"),
                     **_omit_empty(isSyncSupported=spec.get("isSyncSupported"),
                                   providerType=spec.get("providerType")),
                     "tls": {**_omit_empty(certificate=tls.get("certificate", "")),
                             "enabled": bool(tls.get("enabled")),
                             "insecureSkipVerify": bool(tls.get("insecureSkipVerify"))}}}


def pack_manifest_entity(name: str, tag: str, registry_uid: str, values: str,
                         layer: str = "addon", pack_type: str = "oci") -> dict[str, Any]:
    """`V1PackManifestEntity`: `manifests` (no omitempty) is sent as null."""
    return {"layer": layer, "manifests": None, "name": name, "registryUid": registry_uid,
            "tag": tag, "type": pack_type, **_omit_empty(values=values)}


def cluster_profile_entity(name: str, version: str, packs: list[dict[str, Any]], *,
                           profile_type: str = "add-on", cloud_type: str = "all",
                           description: str = "",
                           labels: dict[str, str] | None = None) -> dict[str, Any]:
    """`V1ClusterProfileEntity`: `variables` (no omitempty) is sent as null."""
    meta = object_meta(name, labels=labels,
                       annotations={"description": description} if description else None)
    return {"metadata": meta,
            "spec": {"template": {**_omit_empty(cloudType=cloud_type), "packs": packs,
                                  "type": profile_type},
                     "variables": None, **_omit_empty(version=version)}}


def sdk_headers(api_key: str, project_uid: str = "") -> dict[str, str]:
    """Headers the SDK sends: the API key, and `ProjectUid` in project context."""
    headers = {"ApiKey": api_key, "Content-Type": "application/json"}
    if project_uid:
        headers["ProjectUid"] = project_uid
    return headers


def configure(client: httpx.Client | Any, email: str, password: str) -> tuple[str, str]:
    """Log in as Palette's SDK does, create an API key, and read the project uid.

    Returns `(api_key, project_uid)`: what the Terraform provider holds after configure.
    """
    login = client.post("/v1/auth/authenticate",
                        json={"emailId": email, "org": "default", "password": password})
    assert login.status_code == 200, login.text
    token = login.json()["Authorization"]
    assert login.json()["isMfa"] is False
    created = client.post("/v1/apiKeys", headers={"Authorization": token}, json={
        "metadata": object_meta("terraform"), "spec": {"expiry": ZERO_TIME}})
    assert created.status_code == 201, created.text
    key = created.json()["apiKey"]
    projects = client.get("/v1/dashboard/projects/metadata", headers={"ApiKey": key})
    assert projects.status_code == 200, projects.text
    [project] = [p for p in projects.json()["items"] if p["metadata"]["name"] == "Default"]
    return key, project["metadata"]["uid"]


def variable(name: str, *, default: str = "", fmt: str = "", regex: str = "",
             required: bool = False, sensitive: bool = False, hidden: bool = False,
             immutable: bool = False, description: str = "",
             display_name: str = "") -> dict[str, Any]:
    """`V1Variable`: `defaultValue`, `hidden`, `immutable`, `isSensitive` and `required`
    have no omitempty, so they are always sent; the rest is omitempty."""
    return {"defaultValue": default, **_omit_empty(description=description,
                                                   displayName=display_name, format=fmt),
            "hidden": hidden, "immutable": immutable, "isSensitive": sensitive,
            **_omit_empty(name=name, regex=regex), "required": required}
