"""Trusted keys and the signature policy of a tenant; re-checking verdicts when keys change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chartyard import audit
from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import ConflictError, InvalidInput, NotFoundError
from chartyard.store.models import TrustedKey as TrustedKeyRow
from chartyard.store.models import TrustPolicy
from chartyard.trust import store
from chartyard.trust.keyring import KeyError_, parse_public_key
from chartyard.trust.material import judge


def list_keys(ctx: AppContext, principal: Principal) -> list[TrustedKeyRow]:
    """Return the tenant's trusted keys, oldest first."""
    with ctx.transaction() as session:
        rows = session.scalars(select(TrustedKeyRow)
                               .where(TrustedKeyRow.tenant_uid == principal.tenant_uid)
                               .order_by(TrustedKeyRow.created_at, TrustedKeyRow.uid))
        found = list(rows)
        session.expunge_all()
        return found


def add_key(ctx: AppContext, principal: Principal, name: str, public_key: str) -> TrustedKeyRow:
    """Trust a public key, then re-check the tenant's stored verdicts."""
    try:
        info = parse_public_key(public_key)
    except KeyError_ as exc:
        raise InvalidInput("publicKey", str(exc)) from exc
    row = TrustedKeyRow(tenant_uid=principal.tenant_uid, name=name.strip(),
                        fingerprint=info.fingerprint, user_ids=info.user_ids,
                        public_key=info.armored)
    try:
        with ctx.transaction() as session:
            session.add(row)
            session.flush()
            audit.record(session, principal, "trust.key.add", "trustedKey", row.uid, row.name,
                         {"fingerprint": info.fingerprint})
            session.expunge(row)
    except IntegrityError as exc:
        raise ConflictError(f"the key {info.fingerprint} is already trusted",
                            {"fingerprint": info.fingerprint}) from exc
    reevaluate(ctx, principal.tenant_uid, info.fingerprint)
    return row


def delete_key(ctx: AppContext, principal: Principal, uid: str) -> None:
    """Stop trusting a key, then re-check the tenant's stored verdicts."""
    with ctx.transaction() as session:
        row = session.get(TrustedKeyRow, uid)
        if row is None or row.tenant_uid != principal.tenant_uid:
            raise NotFoundError(f"trusted key {uid} not found", {"uid": uid})
        audit.record(session, principal, "trust.key.delete", "trustedKey", uid, row.name,
                     {"fingerprint": row.fingerprint})
        fingerprint = row.fingerprint
        session.delete(row)
    reevaluate(ctx, principal.tenant_uid, fingerprint)


def reevaluate(ctx: AppContext, tenant_uid: str, fingerprint: str | None = None) -> int:
    """Re-check stored signed verdicts of a tenant from stored material; return the count.

    With ``fingerprint`` (a key added or removed), only verdicts that key can change.
    Reads, checks (gpg, outside any transaction) and writes in three steps; a version
    re-synced in between keeps the sync's verdict.
    """
    with ctx.transaction() as session:
        material = store.signed_material(session, tenant_uid, fingerprint)
        keys = store.tenant_keys(session, tenant_uid)
    if not material:
        return 0
    verdicts = judge([m for _, _, m in material], keys)
    checked = [(uid, pdigest, v) for (uid, pdigest, _), v in zip(material, verdicts, strict=True)]
    with ctx.transaction() as session:
        return store.update(session, checked)


def requires_verified(ctx: AppContext, tenant_uid: str) -> bool:
    """Tell whether the tenant refuses profile layers that are not verified."""
    with ctx.transaction() as session:
        row = session.get(TrustPolicy, tenant_uid)
        return bool(row and row.require_verified)


def set_policy(ctx: AppContext, principal: Principal, require_verified: bool) -> bool:
    """Set the tenant's policy; return it."""
    with ctx.transaction() as session:
        row = session.get(TrustPolicy, principal.tenant_uid)
        if row is None:
            row = TrustPolicy(tenant_uid=principal.tenant_uid)
            session.add(row)
        row.require_verified = require_verified
        audit.record(session, principal, "trust.policy.update", "trustPolicy",
                     principal.tenant_uid, None, {"requireVerified": require_verified})
    return require_verified
