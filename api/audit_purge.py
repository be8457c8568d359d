"""The audit trail's retention: rows older than the period are removed from the start of the
chain, and the removal is itself a row of the chain.

Storage limitation (GDPR art. 5(1)(e)) holds for the trail too: it names staff and the
pseudonymous ids of victims' cases. But a trail that can be shortened is a trail that can be
shortened by someone hiding what they did, so a purge is built to be checked
(:mod:`api.audit_verify`):

- Only a prefix goes: the rows from the start up to, not including, the newest row of the longest
  run of rows older than the cutoff (``at`` follows ``seq`` only up to the length of a request,
  so the run ends at the first row that is not old enough). That newest old row, the
  *boundary*, is kept: its time shows, under its own hash, that the purge stopped among rows
  older than the cutoff. An intruder who removes recent rows and claims a purge must keep a row
  older than the cutoff after them, and there is none.
- The cutoff is ``days`` before the purge, and never later than the registration of the oldest
  referral still stored: no row about a case is removed while the case is kept (a row about a
  case is never older than the case).
- The purge appends its own row (action ``purge``, object type ``audit``), whose object id is the
  SHA-256 of its record in ``audit_purges`` (when, the period, the cutoff, the last row removed
  and its hash, which the boundary links to, how many rows). The database deletes no audit row
  after the last one a record covers.

Everything happens under the chain's lock, in the caller's transaction: the records, the rows
removed and the purge's row are stored together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api import audit
from api.db.tables import AuditPurgeRow, AuditRow, ReferralRow

log = logging.getLogger(__name__)

# The purge's own row: action and object type.
ACTION = "purge"
OBJECT_TYPE = "audit"


@dataclass(frozen=True)
class Purge:
    """What a purge removed: every row up to ``through`` (``removed`` of them this time), rows
    older than ``cutoff`` under a period of ``days``; the row kept first links to ``anchor``."""

    at: datetime
    days: int
    cutoff: datetime
    through: int
    anchor: str
    removed: int

    @classmethod
    def of(cls, row: AuditPurgeRow) -> Purge:
        """The record as stored."""
        return cls(row.at, row.days, row.cutoff, row.through, row.anchor, row.removed)

    def digest(self) -> str:
        """SHA-256 (hex) of the record: the purge row's object id, which binds it to the chain.

        The JSON object of ``at`` and ``cutoff`` (UTC to the microsecond, as in a row's hash),
        ``days``, ``through``, ``anchor`` and ``removed``, sorted keys, no spaces.
        """
        fields = {
            "at": _moment(self.at),
            "days": self.days,
            "cutoff": _moment(self.cutoff),
            "through": self.through,
            "anchor": self.anchor,
            "removed": self.removed,
        }
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def purge_expired(
    session: Session, *, now: datetime, days: int, actor: str, request_id: str
) -> Purge | None:
    """Remove the audit rows older than ``days`` before ``now`` from the start of the trail (see
    the module), in the caller's transaction; what was removed, or None when nothing was."""
    if days < 1:
        raise ValueError(f"an audit retention period is at least one day: {days} days")
    audit.lock_chain(session)
    cutoff = now - timedelta(days=days)
    oldest_case = session.scalar(select(func.min(ReferralRow.created_at)))
    if oldest_case is not None and oldest_case < cutoff:
        cutoff = oldest_case
    first = session.scalar(select(func.min(AuditRow.seq)))
    young = session.scalar(select(func.min(AuditRow.seq)).where(AuditRow.at >= cutoff))
    last = session.scalar(select(func.max(AuditRow.seq)))
    if first is None or last is None:
        return None
    boundary = last if young is None else young - 1
    if boundary <= first:  # at most one row old enough: it is the boundary, and stays
        return None
    anchor = _checked_prefix(session, first, boundary)
    removed = session.scalar(select(func.count()).where(AuditRow.seq < boundary)) or 0
    purge = Purge(now.astimezone(UTC), days, cutoff, boundary - 1, anchor, removed)
    seq = audit.append(
        session,
        [
            {
                "at": purge.at,
                "actor": actor,
                "role": audit.CONSOLE,
                "action": ACTION,
                "object_type": OBJECT_TYPE,
                "object_id": purge.digest(),
                "result": "ok",
                "request_id": request_id,
            }
        ],
    )
    session.add(
        AuditPurgeRow(
            seq=seq,
            at=purge.at,
            days=purge.days,
            cutoff=purge.cutoff,
            through=purge.through,
            anchor=purge.anchor,
            removed=purge.removed,
        )
    )
    session.flush()  # the record first: the database deletes only rows a record covers
    session.execute(delete(AuditRow).where(AuditRow.seq <= purge.through))
    log.info("retention: purged %d audit rows older than %d days", removed, days)
    return purge


class TrailBroken(Exception):
    """The rows a purge would remove do not form an intact chain: nothing is removed, so that the
    break is still there to be found (``safeplace audit verify``)."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        super().__init__(f"audit trail broken at row {seq}: nothing purged; run audit verify")


def _checked_prefix(session: Session, first: int, boundary: int) -> str:
    """The boundary's ``prev_hash``, once the rows from ``first`` through the boundary are found
    to chain from where the trail begins; :class:`TrailBroken` naming the first that does not."""
    known = records(session)
    expected = audit.GENESIS if not known else governing(known)[1].anchor
    seq, anchor = first - 1, expected
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.seq <= boundary)
        .order_by(AuditRow.seq)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        if row.seq != seq + 1 or row.prev_hash != expected or row.hash != audit.row_hash(row):
            raise TrailBroken(row.seq)
        seq, expected = row.seq, row.hash
        anchor = row.prev_hash
    if seq != boundary:
        raise TrailBroken(seq + 1)
    return anchor


def governing(known: dict[int, Purge]) -> tuple[int, Purge]:
    """The purge that removed the most (the last one), with the ``seq`` of its row: where the
    trail begins now."""
    return max(known.items(), key=lambda item: item[1].through)


def records(session: Session) -> dict[int, Purge]:
    """Every purge record, by the ``seq`` of its purge row (kept or removed since)."""
    return {row.seq: Purge.of(row) for row in session.scalars(select(AuditPurgeRow))}


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")
