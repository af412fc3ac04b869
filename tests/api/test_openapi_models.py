"""/openapi.json declares a response schema for every operation, and live answers of the
app are exactly what the declared wire models describe (no field missing, none extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from chartyard.app import create_app
from chartyard.settings import Settings
from chartyard.wire.catalog import ChartVersions, PackDetail, SearchPage
from chartyard.wire.compare import Comparison, PackUpgradeComparison, ProfileUpgrades
from chartyard.wire.events import EventHook, EventsAccepted, EventSecret
from chartyard.wire.ops import Health, Ready
from chartyard.wire.users import AuditLog, Me, User, UserApiKeys, Users
from tests.events.conftest import distribution_push
from tests.harness.app import Api
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_profile, create_registry, pack, profile, push
from tests.sync.conftest import sync_now

# Operations answered with no body at all (the status says everything).
NO_BODY = {
    ("POST", "/v1/registries/oci/{uid}/basic/sync"): "202 with an empty body",
    ("POST", "/v1/registries/oci/{uid}/ecr/sync"): "202 with an empty body",
    ("POST", "/v1/registries/helm/{uid}/sync"): "202 with an empty body",
}
# Routes left out of /openapi.json on purpose.
HIDDEN = {
    "/metrics": "Prometheus text exposition, not part of the JSON API",
}
HIDDEN_PREFIXES = {
    "/v1/apikeys": "the older lowercase spelling of the documented /v1/apiKeys",
}
UI_MODULE = "chartyard.web."  # the HTML UI: pages and form posts, not an API


def _spec_and_routes(tmp_path: Path) -> tuple[dict[str, Any], list[tuple[str, str, APIRoute]]]:
    app = create_app(Settings(data_dir=tmp_path, admin_password="Openapi-Pass-1"))
    routes: list[tuple[str, str, APIRoute]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path = context.path or ""
        if not context.include_in_schema:
            assert (path in HIDDEN or route.endpoint.__module__.startswith(UI_MODULE)
                    or any(path.startswith(p) for p in HIDDEN_PREFIXES)), (
                f"{path} is left out of /openapi.json: document it or list why")
            continue
        routes.extend((method, path, route) for method in sorted(context.methods or ()))
    return app.openapi(), routes


def test_every_operation_declares_its_success_response(tmp_path: Path) -> None:
    spec, routes = _spec_and_routes(tmp_path)
    assert len(routes) > 60
    problems = []
    for method, path, _ in routes:
        op = spec["paths"][path][method.lower()]
        success = sorted(code for code in op["responses"] if code.startswith("2"))
        if not success:
            problems.append(f"{method} {path}: no success response")
            continue
        response = op["responses"][success[0]]
        content = response.get("content")
        if not content:
            if success[0] != "204" and (method, path) not in NO_BODY:
                problems.append(f"{method} {path}: {success[0]} declares no content")
            continue
        for media_type, body in content.items():
            if not body.get("schema"):
                problems.append(f"{method} {path}: {media_type} has the empty schema")
    assert not problems, "\n".join(problems)


def test_security_schemes_are_declared(tmp_path: Path) -> None:
    spec, _ = _spec_and_routes(tmp_path)
    assert set(spec["components"]["securitySchemes"]) == {"Authorization", "ApiKey"}
    assert spec["paths"]["/v1/users/me"]["get"]["security"]


M = TypeVar("M", bound=BaseModel)


def _exact(model: type[M], body: Any) -> M:
    """Validate `body` and check that the model gives it back unchanged: nothing a client
    sees is missing from the model, added by it, or typed differently."""
    found = model.model_validate(body)
    assert found.model_dump(mode="json", by_alias=True) == body, model.__name__
    return found


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_live_answers_are_exactly_their_models(api: Api, plain_registry: RegistryServer,
                                               unique_repo_prefix: str) -> None:
    p = unique_repo_prefix
    digests = [push(plain_registry, f"{p}/nginx", v, annotations={"category": "web"})
               for v in ("1.0.0", "1.1.0")]
    uid = create_registry(api, plain_registry.url, name="models", sync=True, base=[p])
    assert sync_now(api.ctx, uid).status == "Completed"

    page = _exact(SearchPage, api.get("/v1/packs", params={"q": "nginx"}).json())
    assert page.items[0].name == "nginx"
    versions = _exact(ChartVersions, api.get(f"/v1/packs/nginx/registries/{uid}").json())
    new, old = (t.pack_uid for t in versions.tags)
    detail = _exact(PackDetail, api.get(f"/v1/packs/{old}").json())
    assert detail.maintainers and detail.annotations == {"category": "web"}
    _exact(Comparison, api.get(f"/v1/packs/{old}/compare", params={"to": new}).json())

    profile_uid = create_profile(api, profile("web", [pack("nginx", "1.0.0", uid)]))
    _exact(ProfileUpgrades, api.get(f"/v1/clusterprofiles/{profile_uid}/upgrades").json())
    _exact(PackUpgradeComparison, api.get(
        f"/v1/clusterprofiles/{profile_uid}/packs/0/compare", params={"version": "1.1.0"}).json())

    hook = f"/v1/registries/{uid}/events"
    _exact(EventHook, api.get(hook).json())
    secret = _exact(EventSecret, api.post(f"{hook}/secret").json())
    event = distribution_push(f"{p}/nginx", "1.1.0", digests[1])[0]
    r = api.client.post(hook, json=event, headers={"Authorization": f"Bearer {secret.secret}"})
    assert r.status_code == 202, r.text
    _exact(EventsAccepted, r.json())
    assert _exact(EventHook, api.get(hook).json()).last_event is not None


@sqlite_only
def test_users_audit_and_probes_are_exactly_their_models(api: Api) -> None:
    _exact(Me, api.get("/v1/users/me").json())
    r = api.post("/v1/users", {"username": "models-user", "password": "Models-Pass-1"})
    assert r.status_code == 201, r.text
    user = _exact(User, r.json())
    _exact(User, api.client.patch(f"/v1/users/{user.uid}", json={"role": "profile-editor"},
                                  headers=api.admin).json())
    _exact(User, api.get(f"/v1/users/{user.uid}").json())
    _exact(Users, api.get("/v1/users").json())
    assert api.post("/v1/apiKeys", {"name": "models-key"}).status_code == 201
    assert _exact(UserApiKeys, api.get("/v1/users/me/apikeys").json()).items
    assert _exact(AuditLog, api.get("/v1/audit").json()).items
    _exact(Health, api.client.get("/healthz").json())
    _exact(Ready, api.client.get("/readyz").json())
