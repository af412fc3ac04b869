"""Store verdicts beside catalog rows, read them for the API, and re-check them.

Re-checking (after a trusted key is added or removed) uses the stored provenance
bytes and chart digest: no chart is downloaded again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select
from sqlalchemy.orm import Session

from chartyard.store.models import ChartProvenance, utcnow
from chartyard.store.models import TrustedKey as TrustedKeyRow
from chartyard.trust.helm_provenance import METHOD
from chartyard.trust.interface import TrustedKey
from chartyard.trust.material import Material
from chartyard.trust.verdict import Verdict

_CHUNK = 500


def tenant_keys(session: Session, tenant_uid: str) -> list[TrustedKey]:
    """Return the keys a tenant trusts."""
    rows = session.execute(select(TrustedKeyRow.fingerprint, TrustedKeyRow.public_key)
                           .where(TrustedKeyRow.tenant_uid == tenant_uid))
    return [TrustedKey(fpr, armored) for fpr, armored in rows]


def record(session: Session, tenant_uid: str, rows: Sequence[Mapping[str, Any]],
           judged: Mapping[tuple[str, str], tuple[Material, Verdict]]) -> None:
    """Insert the verdict of each new catalog row (``uid``, ``repository``, ``tag``) judged."""
    now = utcnow()
    values = []
    for row in rows:
        hit = judged.get((str(row["repository"]), str(row["tag"])))
        if hit is None:
            continue
        material, verdict = hit
        values.append(provenance_values(str(row["uid"]), tenant_uid, material, verdict, now))
    if values:
        session.execute(insert(ChartProvenance), values)


def provenance_values(uid: str, tenant_uid: str, material: Material, verdict: Verdict,
                      now: datetime) -> dict[str, Any]:
    """Return the ``chart_provenance`` columns of one version's verdict."""
    prov = material.provenance
    return {
        "chart_version_uid": uid, "tenant_uid": tenant_uid, "method": verdict.method,
        "provenance": prov.decode("latin-1") if prov is not None else None,
        "provenance_digest": material.provenance_digest, "chart_digest": material.chart_digest,
        "status": verdict.status, "reason": verdict.reason[:2000],
        "signer": verdict.signer[:512] if verdict.signer else None,
        "fingerprint": verdict.fingerprint, "checked_at": now,
    }


def verification(row: Any) -> dict[str, Any]:
    """Return the API's ``verification`` object for a stored verdict (None: never checked)."""
    if row is None:
        return {"status": "unsigned", "method": METHOD, "signer": None, "fingerprint": None,
                "reason": "not checked yet: the version was indexed before signature checks "
                          "(the next forced sync checks it)", "checkedAt": None}
    return {"status": row.status, "method": row.method, "signer": row.signer,
            "fingerprint": row.fingerprint, "reason": row.reason,
            "checkedAt": row.checked_at.isoformat().replace("+00:00", "Z")}


def verdicts_of(db: Session | Connection, uids: Iterable[str]) -> dict[str, Any]:
    """Return stored verdicts (rows with the columns `verification` reads) by version uid."""
    wanted = list(dict.fromkeys(uids))
    found: dict[str, Any] = {}
    table = ChartProvenance.__table__
    for i in range(0, len(wanted), _CHUNK):
        for row in db.execute(select(table).where(
                table.c.chart_version_uid.in_(wanted[i:i + _CHUNK]))):
            found[row.chart_version_uid] = row
    return found


def signed_material(session: Session, tenant_uid: str,
                    fingerprint: str | None = None) -> list[tuple[str, str, Material]]:
    """Return (chart version uid, provenance digest, material) of signed versions.

    With ``fingerprint``, only versions that key may have signed: those naming it (or its
    long key ID, all helm 3 signatures carry) and those with no known signer.
    """
    query = (select(ChartProvenance.chart_version_uid, ChartProvenance.provenance_digest,
                    ChartProvenance.provenance, ChartProvenance.chart_digest)
             .where(ChartProvenance.tenant_uid == tenant_uid,
                    ChartProvenance.provenance.is_not(None)))
    if fingerprint is not None:
        query = query.where(or_(ChartProvenance.fingerprint.is_(None),
                                ChartProvenance.fingerprint.in_(
                                    [fingerprint.upper(), fingerprint.upper()[-16:]])))
    rows = session.execute(query)
    # latin-1 round-trips any byte, so the stored text gives back the bytes as served.
    return [(uid, pdigest or "", Material((prov or "").encode("latin-1"), chart))
            for uid, pdigest, prov, chart in rows]


def update(session: Session, checked: Sequence[tuple[str, str, Verdict]]) -> int:
    """Write re-checked verdicts whose provenance is unchanged; return how many were written."""
    now = utcnow()
    written = 0
    for uid, pdigest, verdict in checked:
        row = session.get(ChartProvenance, uid)
        if row is None or (row.provenance_digest or "") != pdigest:
            continue  # re-synced meanwhile: the sync's verdict stands
        row.status, row.reason = verdict.status, verdict.reason[:2000]
        row.signer = verdict.signer[:512] if verdict.signer else None
        row.fingerprint, row.checked_at = verdict.fingerprint, now
        written += 1
    return written

