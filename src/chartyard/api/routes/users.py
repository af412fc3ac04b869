"""Users of the caller's tenant (tenant admins) and the caller's own API keys."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from chartyard.api.deps import CurrentUser, SessionDep
from chartyard.api.services import Users as UsersDep
from chartyard.auth import service as auth
from chartyard.users import user_body
from chartyard.wire.common import rfc3339
from chartyard.wire.users import User, UserApiKey, UserApiKeys, Users

router = APIRouter(prefix="/v1/users", tags=["users"])


class NewUser(BaseModel):
    """A user to create in the caller's tenant."""

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)
    role: str = Field(default="viewer", max_length=32)


class UserPatch(BaseModel):
    """Fields of a user to change; omitted fields stay."""

    role: str | None = Field(default=None, max_length=32)
    disabled: bool | None = None


class NewPassword(BaseModel):
    """A new password."""

    password: str = Field(min_length=1, max_length=1024)


@router.get("", response_model=Users)
def list_users(svc: UsersDep) -> Users:
    """List the tenant's users; tenant admins only."""
    return Users(items=[User.model_validate(user_body(u)) for u in svc.list()])


@router.post("", status_code=201, response_model=User)
def create_user(body: NewUser, svc: UsersDep) -> User:
    """Create a user in the caller's tenant."""
    return User.model_validate(user_body(svc.create(body.username, body.password, body.role)))


@router.get("/me/apikeys", response_model=UserApiKeys)
def my_api_keys(session: SessionDep, principal: CurrentUser) -> UserApiKeys:
    """List the caller's own API keys, without their secrets."""
    rows = [r for r in auth.list_api_keys(session, principal)
            if r.user_uid == principal.user_uid]
    return UserApiKeys(items=[UserApiKey(uid=r.uid, name=r.name, prefix=r.prefix,
                                         created_at=rfc3339(r.created_at) or "",
                                         revoked=r.revoked_at is not None) for r in rows])


@router.get("/{uid}", response_model=User)
def get_user(uid: str, svc: UsersDep) -> User:
    """Return one user of the tenant."""
    return User.model_validate(user_body(svc.get(uid)))


@router.patch("/{uid}", response_model=User)
def patch_user(uid: str, body: UserPatch, svc: UsersDep) -> User:
    """Change a user's role, or disable (revoking sessions and API keys) or enable them."""
    user = svc.get(uid)
    if body.role is not None:
        user = svc.set_role(uid, body.role)
    if body.disabled is not None:
        user = svc.set_disabled(uid, body.disabled)
    return User.model_validate(user_body(user))


@router.post("/{uid}/password", status_code=204, response_class=Response)
def reset_password(uid: str, body: NewPassword, svc: UsersDep) -> Response:
    """Set a user's password; their sessions end."""
    svc.reset_password(uid, body.password)
    return Response(status_code=204)

