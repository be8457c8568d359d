"""Reading the audit trail for auditors: filtered, newest first, paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import AuditRow


@dataclass(frozen=True)
class AuditFilter:
    """Every field given must match; ``since`` is inclusive, ``until`` exclusive."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    result: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(session: Session, where: AuditFilter, *, limit: int, offset: int) -> Sequence[AuditRow]:
    """Audit rows matching ``where``, newest first."""
    query = select(AuditRow)
    for column, value in (
        (AuditRow.actor, where.actor),
        (AuditRow.action, where.action),
        (AuditRow.object_type, where.object_type),
        (AuditRow.object_id, where.object_id),
        (AuditRow.result, where.result),
        (AuditRow.request_id, where.request_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(AuditRow.at >= where.since)
    if where.until is not None:
        query = query.where(AuditRow.at < where.until)
    return session.scalars(query.order_by(AuditRow.seq.desc()).limit(limit).offset(offset)).all()
