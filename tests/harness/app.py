"""App fixtures (a pytest plugin): the app on SQLite and PostgreSQL, callers of every role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chartyard.app import create_app
from chartyard.auth import service as auth
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.settings import Settings

ADMIN_PASSWORD = "admin-Secret-123"
USER_PASSWORD = "user-Secret-123"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: SQLite in tmp_path, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chartyard.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for one test's app."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    admin_password=ADMIN_PASSWORD, worker_poll_seconds=0.1,
                    login_lockout_seconds=60)


@dataclass
class Api:
    """A TestClient with helpers for logging in as users of any role and tenant."""

    client: TestClient
    ctx: AppContext
    _users: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def headers(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
        """Return Authorization headers for a user."""
        r = self.client.post("/v1/auth/authenticate",
                             json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['Authorization']}"}

    @property
    def admin(self) -> dict[str, str]:
        """Return headers of the bootstrap tenant admin."""
        return self.as_role(Role.TENANT_ADMIN, "default", username="admin")

    def as_role(self, role: Role, tenant: str = "default",
                username: str | None = None) -> dict[str, str]:
        """Return headers of a (created on demand) user with `role` in `tenant`."""
        key = (tenant, username or role.value)
        if key not in self._users:
            if username == "admin":
                self._users[key] = self.headers()
                return self._users[key]
            name = f"{role.value}-{tenant}-{uuid.uuid4().hex[:6]}"
            with self.ctx.transaction() as session:
                from sqlalchemy import select

                from chartyard.store.models import Tenant

                if session.scalar(select(Tenant).where(Tenant.name == tenant)) is None:
                    auth.create_tenant(session, tenant)
                auth.create_user(session, tenant, name, USER_PASSWORD, role)
            self._users[key] = self.headers(name, USER_PASSWORD)
        return self._users[key]

    def get(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        """GET as the admin unless other headers are given."""
        return self.client.get(url, headers=headers or self.admin, **kw)

    def post(self, url: str, json: Any = None, headers: dict[str, str] | None = None,
             **kw: Any) -> Any:
        """POST as the admin unless other headers are given."""
        return self.client.post(url, json=json, headers=headers or self.admin, **kw)

    def put(self, url: str, json: Any = None, headers: dict[str, str] | None = None,
            **kw: Any) -> Any:
        """PUT as the admin unless other headers are given."""
        return self.client.put(url, json=json, headers=headers or self.admin, **kw)

    def delete(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """DELETE as the admin unless other headers are given."""
        return self.client.delete(url, headers=headers or self.admin)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    """The app (no embedded worker) behind a TestClient."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, app.state.ctx)


def basic_body(name: str, endpoint: str, *, username: str = "", password: str | None = None,
               ca: str = "", insecure: bool = False, sync: bool = False,
               base: list[str] | None = None, repos: list[str] | None = None) -> dict[str, Any]:
    """Return a Basic registry body."""
    auth_spec: dict[str, Any] = {"type": "basic" if username else "noAuth",
                                 "tls": {"certificate": ca, "insecureSkipVerify": insecure}}
    if username:
        auth_spec.update(username=username, password=password)
    return {"metadata": {"name": name},
            "spec": {"endpoint": endpoint, "providerType": "helm", "isSyncSupported": sync,
                     "baseContentPath": base or [], "repositories": repos or [],
                     "auth": auth_spec}}


def admin_principal(ctx: AppContext) -> Principal:
    """Return the bootstrap admin (``admin``) as a tenant-admin principal."""
    from sqlalchemy import select

    from chartyard.store.models import User

    with ctx.transaction() as s:
        user = s.scalar(select(User).where(User.username == "admin"))
        assert user is not None
        return Principal(user.uid, user.username, user.tenant_uid, Role.TENANT_ADMIN)


def add_basic_registry(ctx: AppContext, name: str, url: str) -> str:
    """Create a Basic registry syncing under ``apps`` through the service; return its uid."""
    from chartyard.registries.kinds import get_kind
    from chartyard.registries.service import RegistryService

    kind = get_kind("basic")
    body = kind.parse_body(basic_body(name, url, sync=True, base=["apps"]))
    with ctx.transaction() as s:
        return RegistryService(ctx, s, admin_principal(ctx)).create(
            kind.normalise(body, creating=True)).uid
