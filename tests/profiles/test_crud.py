"""Profile CRUD, versions, listing, roles and tenant isolation, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from chartyard.auth.roles import Role
from chartyard.store.models import AuditEvent
from tests.harness.app import Api
from tests.profiles.conftest import Synced, create_profile, pack, profile


def test_create_get_update_delete_with_audit(api: Api, synced: Synced) -> None:
    values = "pack:\n  namespace: web\n# keep this comment\nreplicaCount: 2   \n"
    body = profile("web", [pack("nginx", "1.1.0", synced.uid, values)],
                   labels={"team": "a"}, description="web tier")
    uid = create_profile(api, body)

    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    assert got["metadata"]["name"] == "web"
    assert got["metadata"]["annotations"] == {"description": "web tier"}
    assert got["metadata"]["labels"] == {"team": "a"}
    assert got["spec"]["version"] == "1.0.0"  # the default
    assert got["spec"]["template"]["type"] == "add-on"
    [p] = got["spec"]["template"]["packs"]
    assert p["values"] == values  # byte for byte, comments and trailing spaces included
    assert p["digest"] == synced.digests["nginx:1.1.0"]
    assert p["source"] == "public" and p["verified"] is True and p["packUid"]
    assert p["namespace"] == "web" and p["isInvalid"] is False
    assert got["status"]["installOrder"] == ["nginx"]

    body["spec"]["template"]["packs"] = [pack("nginx", "2.0.0", synced.uid, "replicaCount: 3\n")]
    body["spec"]["template"]["type"] = "full"  # Palette's word for a cluster profile
    body["metadata"]["annotations"]["description"] = "web tier v2"
    r = api.put(f"/v1/clusterprofiles/{uid}", body)
    assert r.status_code == 204, r.text
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    assert got["spec"]["template"]["type"] == "cluster"
    assert got["spec"]["template"]["packs"][0]["digest"] == synced.digests["nginx:2.0.0"]
    assert got["metadata"]["annotations"]["description"] == "web tier v2"

    assert api.delete(f"/v1/clusterprofiles/{uid}").status_code == 204
    r = api.get(f"/v1/clusterprofiles/{uid}")
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"
    with api.ctx.transaction() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(
            AuditEvent.target_uid == uid).order_by(AuditEvent.id)))
    assert actions == ["clusterprofile.create", "clusterprofile.update",
                       "clusterprofile.delete"]


def test_versions_are_copies_and_name_version_is_unique(api: Api, synced: Synced) -> None:
    body = profile("obs", [pack("nginx", "1.0.0", synced.uid, "a: 1\n")])
    v1 = create_profile(api, body)
    r = api.post(f"/v1/clusterprofiles/{v1}/versions", {"version": "1.1.0"})
    assert r.status_code == 201, r.text
    v2 = r.json()["uid"]
    assert v2 != v1

    # Change the new version; the old one stays as it was.
    body["spec"]["version"] = "1.1.0"
    body["spec"]["template"]["packs"] = [pack("nginx", "2.0.0", synced.uid, "a: 2\n")]
    assert api.put(f"/v1/clusterprofiles/{v2}", body).status_code == 204
    old, new = (api.get(f"/v1/clusterprofiles/{u}").json() for u in (v1, v2))
    assert (old["spec"]["version"], old["spec"]["template"]["packs"][0]["tag"]) == ("1.0.0",
                                                                                   "1.0.0")
    assert (new["spec"]["version"], new["spec"]["template"]["packs"][0]["tag"]) == ("1.1.0",
                                                                                   "2.0.0")
    assert new["spec"]["versions"] == [{"version": "1.1.0", "uid": v2},
                                       {"version": "1.0.0", "uid": v1}]

    r = api.post(f"/v1/clusterprofiles/{v1}/versions", {"version": "1.1.0"})
    assert r.status_code == 409 and r.json()["details"]["field"] == "version"
    r = api.post("/v1/clusterprofiles", profile("obs", [], version="1.0.0"))
    assert r.status_code == 409
    assert "obs version 1.0.0 already exists" in r.json()["message"]
    r = api.post(f"/v1/clusterprofiles/{v1}/versions", {"version": "two"})
    assert r.status_code == 422 and r.json()["details"]["field"] == "version"


def test_version_and_type_are_checked(api: Api) -> None:
    r = api.post("/v1/clusterprofiles", profile("p", [], version="1.0"))
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "spec.version"
    assert "1.0" in r.json()["message"] and "MAJOR.MINOR.PATCH" in r.json()["message"]
    # Palette's `infra` and `system` are accepted (docs/API.md); an unknown type is not.
    r = api.post("/v1/clusterprofiles", profile("p", [], profile_type="kernel"))
    assert r.status_code == 422 and r.json()["details"]["field"] == "spec.template.type"


def test_list_paginates_and_filters(api: Api, synced: Synced) -> None:
    nginx = [pack("nginx", "1.0.0", synced.uid, "a: 1\n")]
    for name, labels, kind in [("alpha-web", {"env": "prod"}, "add-on"),
                               ("beta-web", {"env": "dev"}, "cluster"),
                               ("gamma-db", {"tier": "data"}, "add-on")]:
        create_profile(api, profile(name, nginx, labels=labels, profile_type=kind))

    def names(**params: object) -> list[str]:
        page = api.get("/v1/clusterprofiles", params=params).json()
        return [i["metadata"]["name"] for i in page["items"]]

    assert names() == ["alpha-web", "beta-web", "gamma-db"]
    assert names(name="WEB") == ["alpha-web", "beta-web"]
    assert names(type="cluster") == ["beta-web"]
    assert names(type="full") == ["beta-web"]
    assert names(tag="env:prod") == ["alpha-web"]
    assert names(tag="env=dev") == ["beta-web"]
    assert names(tag="tier") == ["gamma-db"]

    first = api.get("/v1/clusterprofiles", params={"limit": 2}).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["alpha-web", "beta-web"]
    token = first["listmeta"]["continue"]
    assert token
    second = api.get("/v1/clusterprofiles", params={"limit": 2, "continue": token}).json()
    assert [i["metadata"]["name"] for i in second["items"]] == ["gamma-db"]
    assert second["listmeta"]["continue"] == ""
    assert second["items"][0]["spec"]["template"]["packs"][0]["name"] == "nginx"


def test_roles_viewer_reads_editor_writes(api: Api, synced: Synced) -> None:
    editor, viewer = api.as_role(Role.PROFILE_EDITOR), api.as_role(Role.VIEWER)
    body = profile("by-editor", [pack("nginx", "1.0.0", synced.uid, "a: 1\n")])
    r = api.post("/v1/clusterprofiles", body, headers=editor)
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]

    assert api.get(f"/v1/clusterprofiles/{uid}", headers=viewer).status_code == 200
    assert api.get("/v1/clusterprofiles", headers=viewer).json()["items"]
    assert api.get(f"/v1/clusterprofiles/{uid}/export", headers=viewer,
                   params={"format": "flux"}).status_code == 200
    denied = [
        api.post("/v1/clusterprofiles", profile("by-viewer", []), headers=viewer),
        api.put(f"/v1/clusterprofiles/{uid}", body, headers=viewer),
        api.post(f"/v1/clusterprofiles/{uid}/versions", {"version": "2.0.0"}, headers=viewer),
        api.delete(f"/v1/clusterprofiles/{uid}", headers=viewer),
    ]
    assert [r.status_code for r in denied] == [403] * 4
    assert "profile-editor" in denied[0].json()["message"]
    assert api.put(f"/v1/clusterprofiles/{uid}", body, headers=editor).status_code == 204
    assert api.delete(f"/v1/clusterprofiles/{uid}", headers=editor).status_code == 204
    r = api.get("/v1/clusterprofiles/missing", headers=viewer)
    assert r.status_code == 404


def test_tenant_isolation(api: Api, synced: Synced) -> None:
    uid = create_profile(api, profile("mine", [pack("nginx", "1.0.0", synced.uid, "a: 1\n")]))
    other = api.as_role(Role.TENANT_ADMIN, tenant="other")
    for method, url in [("get", f"/v1/clusterprofiles/{uid}"),
                        ("get", f"/v1/clusterprofiles/{uid}/export?format=flux"),
                        ("delete", f"/v1/clusterprofiles/{uid}")]:
        r = getattr(api, method)(url, headers=other)
        assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound", url
    r = api.put(f"/v1/clusterprofiles/{uid}", profile("mine", []), headers=other)
    assert r.status_code == 404
    r = api.post(f"/v1/clusterprofiles/{uid}/versions", {"version": "2.0.0"}, headers=other)
    assert r.status_code == 404
    assert api.get("/v1/clusterprofiles", headers=other).json()["items"] == []

    # Another tenant cannot use this tenant's registry, and may reuse the profile name.
    r = api.post("/v1/clusterprofiles",
                 profile("mine", [pack("nginx", "1.0.0", synced.uid)]), headers=other)
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "spec.template.packs[0].registryUid"
    assert api.post("/v1/clusterprofiles", profile("mine", []), headers=other).status_code == 201
    assert api.get(f"/v1/clusterprofiles/{uid}").status_code == 200
