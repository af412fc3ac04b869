"""The profile builder's Registry drop-down (``v1RegistryMetadata``), read with Core.

One definition for the API's lean read path and the services: a single indexed query on
the tenant's registries, each row turned into its entry by its kind and family.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, String, bindparam, select

from chartyard.registries.families import family_of
from chartyard.registries.kinds import kind_of
from chartyard.registries.kinds.base import StoredSync
from chartyard.store.models import Registry

REGISTRY_COLUMNS = (Registry.uid, Registry.name, Registry.kind, Registry.endpoint,
                    Registry.is_sync_supported, Registry.spec)
_REGISTRIES = select(*REGISTRY_COLUMNS).where(
    Registry.tenant_uid == bindparam("tenant", type_=String)).order_by(Registry.name)


def detached(row: Any) -> Registry:
    """Return a detached registry holding what the kinds read (the stored spec), no session."""
    return Registry(uid=row.uid, name=row.name, kind=row.kind, endpoint=row.endpoint,
                    is_sync_supported=row.is_sync_supported, spec=row.spec)


def registry_menu(conn: Connection, tenant_uid: str, scope: str = "all") -> list[dict[str, Any]]:
    """Return the tenant's Registry drop-down; chartyard's registries are all tenant-scoped,
    so ``scope=system`` lists none."""
    if scope == "system":
        return []
    items = []
    for row in conn.execute(_REGISTRIES, {"tenant": tenant_uid}):
        reg = detached(row)
        kind = kind_of(reg)
        items.append({
            "uid": row.uid, "name": row.name, "kind": kind.metadata_kind,
            "packType": family_of(reg).pack_type, "isPrivate": kind.is_private(reg),
            "isDefault": False, "isSyncSupported": row.is_sync_supported, "scope": "tenant",
            "endpoint": StoredSync.model_validate(row.spec).given_endpoint or row.endpoint,
        })
    return items
