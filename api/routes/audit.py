"""``GET /audit``: the audit trail, for auditors only.

Reading the trail is not itself recorded in it: the trail holds no personal data, only who
touched which pseudonymous id, and the auditor role exists to read it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api import audit_search, audit_verify
from api.deps import Caller, allow
from api.routes.common import AUTHENTICATED, FilterId, Limit, Offset
from api.schemas import PRINTABLE, AuditBeginning, AuditEntry, Moment

router = APIRouter(prefix="/audit", tags=["audit"])

Word = Annotated[str | None, Query(min_length=1, max_length=64, pattern=PRINTABLE)]


@router.get("", responses=AUTHENTICATED)
def read_audit(
    *,
    caller: Annotated[Caller, Depends(allow("auditor"))],
    actor: Word = None,
    action: Word = None,
    object_type: Word = None,
    object_id: FilterId = None,
    result: Word = None,
    request_id: Word = None,
    since: Annotated[Moment | None, Query()] = None,
    until: Annotated[Moment | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AuditEntry]:
    """Audit rows, newest first, filtered by any of their fields and a time range. Role:
    auditor."""
    where = audit_search.AuditFilter(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result=result,
        request_id=request_id,
        since=since,
        until=until,
    )
    rows = audit_search.search(caller.session, where, limit=limit, offset=offset)
    return [AuditEntry.model_validate(row, from_attributes=True) for row in rows]


@router.get("/beginning", responses=AUTHENTICATED)
def read_beginning(*, caller: Annotated[Caller, Depends(allow("auditor"))]) -> AuditBeginning:
    """Where the trail begins: the oldest row kept, and what retention purged before it. Role:
    auditor."""
    begun = audit_verify.beginning(caller.session)
    purge = None if begun is None else begun.purge
    return AuditBeginning(
        first_seq=None if begun is None else begun.seq,
        first_at=None if begun is None else begun.at,
        purged_rows=0 if purge is None else purge.through,
        purged_at=None if purge is None else purge.at,
        retention_days=None if purge is None else purge.days,
        cutoff=None if purge is None else purge.cutoff,
    )
