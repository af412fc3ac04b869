"""Each verdict from real signed charts, on OCI (helm push) and a classic repo (nginx).

Keys come from gpg, signatures from ``helm package --sign``; ``helm pull --verify``
must agree with chartyard on every chart.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.harness.app import Api
from tests.harness.helm import Helm, HelmError
from tests.harness.helm_repo import repo_index
from tests.harness.nginx import NginxServer
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_registry, sqlite_only
from tests.sync.conftest import sync_now
from tests.trust.conftest import HELM_SAYS, SigningKey, make_variants, sign_package

EXPECTED = {"good": "verified", "stranger": "untrusted", "badchart": "invalid",
            "badprov": "invalid", "plain": "unsigned"}
HELM_KEY = {"good": None, "stranger": "untrusted", "badchart": "badchart",
            "badprov": "badprov", "plain": "unsigned"}


def verdict(api: Api, registry_uid: str, chart: str) -> dict[str, Any]:
    tags = api.get(f"/v1/packs/{chart}/registries/{registry_uid}").json()["tags"]
    assert len(tags) == 1, tags
    detail = api.get(f"/v1/packs/{tags[0]['packUid']}").json()
    assert detail["verification"] == tags[0]["verification"]
    return dict(tags[0]["verification"])


def trust(api: Api, key: SigningKey) -> str:
    r = api.post("/v1/trust/keys", {"name": "release key", "publicKey": key.public_armored})
    assert r.status_code == 201, r.text
    assert r.json()["fingerprint"] == key.fingerprint
    return str(r.json()["uid"])


def cli(api: Api, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    """Run a `chartyard` command in-process against the test app; return (exit code, stdout)."""
    from typer.testing import CliRunner

    import chartyard.client
    from chartyard.cli import app
    from chartyard.client._client import ChartyardClient  # the class, not an earlier patch

    key = api.post("/v1/apiKeys", {"name": f"cli-{uuid.uuid4().hex[:6]}"}).json()["key"]
    transport = api.client._transport  # the app, in-process
    # The CLI imports the client when a command runs: patch the module it imports from.
    monkeypatch.setattr(chartyard.client, "ChartyardClient", lambda url, **kw: ChartyardClient(
        url, transport=transport, **kw))
    result = CliRunner().invoke(app, list(argv), env={
        "CHARTYARD_URL": "http://testserver", "CHARTYARD_API_KEY": key, "COLUMNS": "200"})
    return result.exit_code, result.stdout


def ui(api: Api, path: str) -> str:
    """Return a server-rendered UI page, signed in as the admin."""
    token = api.admin["Authorization"].removeprefix("Bearer ").strip()
    api.client.cookies.set("chartyard_session", token)
    try:
        r = api.client.get(path)
    finally:
        api.client.cookies.clear()
    assert r.status_code == 200, r.text[:500]
    return str(r.text)


def helm_verify(helm: Helm, ref: list[str], key: SigningKey, dest: Path) -> str | None:
    """Run ``helm pull --verify``; return None when helm accepts, else its error text."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        helm.run("pull", *ref, "--version", "1.0.0", "--verify", "--keyring", str(key.pubring),
                 "-d", str(dest))
    except HelmError as exc:
        return str(exc)
    return None


def check_agreement(api: Api, helm: Helm, uid: str, refs: dict[str, list[str]],
                    trusted: SigningKey, tmp_path: Path) -> None:
    for chart, expected in EXPECTED.items():
        got = verdict(api, uid, chart)
        assert got["status"] == expected, (chart, got)
        assert got["method"] == "helm-provenance" and got["checkedAt"]
        helm_error = helm_verify(helm, refs[chart], trusted, tmp_path / chart)
        if HELM_KEY[chart] is None:
            assert helm_error is None
            assert got["signer"] == trusted.uid and got["fingerprint"] == trusted.fingerprint
        else:
            assert helm_error is not None and HELM_SAYS[HELM_KEY[chart]] in helm_error, helm_error
    assert "sha256 sum does not match" in verdict(api, uid, "badchart")["reason"]
    assert "invalid signature" in verdict(api, uid, "badprov")["reason"]
    assert verdict(api, uid, "stranger")["signer"] is None


@sqlite_only
def test_oci_verdicts_agree_with_helm(api: Api, helm: Helm, plain_registry: RegistryServer,
                                      signing_keys: tuple[SigningKey, SigningKey],
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trusted, stranger = signing_keys
    prefix = f"t{uuid.uuid4().hex[:10]}"
    charts = make_variants(helm, tmp_path / "pkg", trusted, stranger)
    for path in charts.values():
        helm.push(path, f"{plain_registry.oci_url}/{prefix}", plain_http=True)
    uid = create_registry(api, plain_registry.url, name="signed", sync=True, base=[prefix])
    assert sync_now(api.ctx, uid).status == "Completed"
    # No key trusted yet: every signed chart is untrusted (or invalid if tampered).
    assert verdict(api, uid, "good")["status"] == "untrusted"
    assert verdict(api, uid, "good")["fingerprint"] == trusted.fingerprint

    key_uid = trust(api, trusted)
    refs = {c: [f"{plain_registry.oci_url}/{prefix}/{c}", "--plain-http"] for c in charts}
    check_agreement(api, helm, uid, refs, trusted, tmp_path / "pulled")

    code, out = cli(api, monkeypatch, "charts", "verify", "good", "1.0.0", "--registry", "signed")
    assert code == 0 and "verified" in out and trusted.fingerprint in out, out
    code, out = cli(api, monkeypatch, "charts", "verify", "badchart", "1.0.0", "-r", "signed")
    assert code == 1 and "invalid" in out and "sha256 sum does not match" in out, out
    code, out = cli(api, monkeypatch, "trust", "keys", "list", "-o", "json")
    assert code == 0 and trusted.fingerprint in out, out

    page = ui(api, f"/catalog/{uid}/good")
    assert 'data-verdict="verified"' in page and "Chart Signer" in page
    assert 'data-verdict="invalid"' in ui(api, f"/catalog/{uid}/badprov")

    assert api.delete(f"/v1/trust/keys/{key_uid}").status_code == 204
    assert verdict(api, uid, "good")["status"] == "untrusted"


@sqlite_only
def test_classic_repo_verdicts_agree_with_helm(api: Api, helm: Helm,
                                               plain_helm_repo: NginxServer,
                                               signing_keys: tuple[SigningKey, SigningKey],
                                               tmp_path: Path) -> None:
    trusted, stranger = signing_keys
    prefix = f"h{uuid.uuid4().hex[:10]}"
    directory = plain_helm_repo.path(f"{prefix}/index.yaml").parent
    charts = make_variants(helm, directory, trusted, stranger)
    repo_index(helm, directory, plain_helm_repo.url + prefix)
    trust(api, trusted)
    r = api.post("/v1/registries/helm", {"metadata": {"name": "classic"}, "spec": {
        "endpoint": plain_helm_repo.url + prefix, "isPrivate": False,
        "auth": {"type": "noAuth"}}})
    assert r.status_code == 201, r.text
    uid = str(r.json()["uid"])
    assert sync_now(api.ctx, uid).status == "Completed"
    url = plain_helm_repo.url + prefix
    refs = {c: ["--repo", url, c] for c in charts}
    check_agreement(api, helm, uid, refs, trusted, tmp_path / "pulled")


def test_bad_key_is_refused_naming_public_key(api: Api) -> None:
    for bad in ("not a key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxx\n"):
        r = api.post("/v1/trust/keys", {"name": "k", "publicKey": bad})
        assert r.status_code == 422, r.text
        assert "publicKey" in r.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_keys_need_tenant_admin_and_list(api: Api,
                                         signing_keys: tuple[SigningKey, SigningKey]) -> None:
    from chartyard.auth.roles import Role

    viewer = api.as_role(Role.VIEWER)
    r = api.post("/v1/trust/keys", {"name": "k", "publicKey": signing_keys[0].public_armored},
                 headers=viewer)
    assert r.status_code == 403
    uid = trust(api, signing_keys[0])
    items = api.get("/v1/trust/keys", headers=viewer).json()["items"]
    assert items == [{"uid": uid, "name": "release key", "fingerprint": signing_keys[0].fingerprint,
                      "userIds": [signing_keys[0].uid]}]
    again = api.post("/v1/trust/keys", {"name": "x", "publicKey": signing_keys[0].public_armored})
    assert again.status_code == 409
    assert api.delete("/v1/trust/keys/nope").status_code == 404


@sqlite_only
def test_index_without_digests_hashes_the_archive(api: Api, helm: Helm,
                                                  plain_helm_repo: NginxServer,
                                                  signing_keys: tuple[SigningKey, SigningKey],
                                                  tmp_path: Path) -> None:
    trusted, stranger = signing_keys
    prefix = f"n{uuid.uuid4().hex[:10]}"
    directory = plain_helm_repo.path(f"{prefix}/index.yaml").parent
    make_variants(helm, directory, trusted, stranger)
    index = repo_index(helm, directory, plain_helm_repo.url + prefix)
    lines = index.read_text().splitlines(keepends=True)
    index.write_text("".join(line for line in lines if not line.strip().startswith("digest:")))
    trust(api, trusted)
    r = api.post("/v1/registries/helm", {"metadata": {"name": "nodigest"}, "spec": {
        "endpoint": plain_helm_repo.url + prefix, "isPrivate": False,
        "auth": {"type": "noAuth"}}})
    assert r.status_code == 201, r.text
    uid = str(r.json()["uid"])
    synced = sync_now(api.ctx, uid)
    assert synced.status == "Completed"
    assert {c: verdict(api, uid, c)["status"] for c in EXPECTED} == EXPECTED
    # The archives were downloaded to hash them only where a .prov exists.
    logged = plain_helm_repo.requests(f"/{prefix}/", at_least=synced.requests)
    fetched = {path for _, path, status, _ in logged
               if path.endswith(".tgz") and status == 200}
    assert fetched == {f"/{prefix}/{c}-1.0.0.tgz" for c in EXPECTED if c != "plain"}


@sqlite_only
def test_versions_indexed_before_checks_are_checked_by_a_forced_sync(
        api: Api, helm: Helm, plain_registry: RegistryServer,
        signing_keys: tuple[SigningKey, SigningKey], tmp_path: Path) -> None:
    from sqlalchemy import delete

    from chartyard.store.models import ChartProvenance

    trusted, _ = signing_keys
    prefix = f"b{uuid.uuid4().hex[:10]}"
    helm.push(sign_package(helm, "good", "1.0.0", tmp_path, trusted),
              f"{plain_registry.oci_url}/{prefix}", plain_http=True)
    uid = create_registry(api, plain_registry.url, name="legacy", sync=True, base=[prefix])
    trust(api, trusted)
    assert sync_now(api.ctx, uid).status == "Completed"
    with api.ctx.transaction() as session:  # as a catalog synced before migration 0008
        session.execute(delete(ChartProvenance))
    before = verdict(api, uid, "good")
    assert before["status"] == "unsigned" and "not checked yet" in before["reason"]
    assert sync_now(api.ctx, uid).status == "Completed"
    assert verdict(api, uid, "good")["status"] == "unsigned"  # a plain sync fetches nothing
    assert sync_now(api.ctx, uid, force=True).status == "Completed"
    assert verdict(api, uid, "good")["status"] == "verified"
