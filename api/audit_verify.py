"""Checking the audit trail: its hash chain, its purges, and a hash kept outside the database.

The chain (:mod:`api.audit`) shows a row changed, removed or added by hand, unless whoever did it
also rewrote every later hash; a row's hash kept outside the database (:func:`kept_state`) shows
that too, and shows the newest rows removed, which the chain alone cannot. A purge
(:mod:`api.audit_purge`) removes the start of the trail: the check then begins at the last
purge's boundary and holds the purge to what a purge may do. An intruder who removes rows and
records a purge of them is found when the rows were not old enough: the boundary, kept under its
own hash, must be older than the purge's cutoff; the cutoff must follow from the purge's time
and period; the period must be the one set now at the least; the purge's time must not lie
ahead; and the record must be bound to its row in the chain. What stays out of reach: a purge
recorded by an intruder that removes no more than retention would have removed by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit, audit_purge
from api.audit_purge import Purge
from api.db.tables import AuditRow

# What the trail says of a row whose hash was kept outside it: still there with that hash,
# there with another, removed by a purge, or gone without one.
KeptState = Literal["held", "differs", "purged", "missing"]


@dataclass(frozen=True)
class Break:
    """The first row where the trail is not as it was written, and why."""

    seq: int
    why: str


@dataclass(frozen=True)
class Beginning:
    """Where the trail begins now: its first row, and the last purge before it (None: never
    purged)."""

    seq: int
    at: datetime
    purge: Purge | None


def verify(session: Session, *, now: datetime, min_days: int) -> Break | None:
    """The first row whose hash, link or purge is wrong, or None.

    ``min_days`` is the audit retention period set now: a last purge under a shorter one is a
    break. ``now`` is the time of the check: a purge dated after it is a break.
    """
    known = audit_purge.records(session)
    last_seq, last = audit_purge.governing(known) if known else (0, None)
    expected = audit.GENESIS if last is None else last.anchor
    first: int | None = None
    bound: set[int] = set()
    rows = session.scalars(
        select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=1000)
    )
    for row in rows:
        if first is None:
            first = row.seq
            begun = _beginning_break(row, last)
            if begun is not None:
                return begun
        if row.prev_hash != expected:
            return Break(row.seq, "it does not link to the row before it")
        if row.hash != audit.row_hash(row):
            return Break(row.seq, "its hash does not match its fields")
        if row.action == audit_purge.ACTION and row.object_type == audit_purge.OBJECT_TYPE:
            wrong = _purge_row_break(row, known.get(row.seq))
            if wrong is not None:
                return wrong
            bound.add(row.seq)
        expected = row.hash
    if last is None:
        return None
    if first is None:
        return Break(last.through + 1, "every row is gone, the last purge's own row too")
    if last_seq not in bound:
        return Break(last_seq, "the last purge's row is not in the trail")
    unbound = sorted(seq for seq in known if seq >= first and seq not in bound)
    if unbound:
        return Break(unbound[0], "a purge is recorded for this row, which is no purge")
    if last.days < min_days:
        return Break(
            last_seq,
            f"the last purge kept rows for {last.days} days, fewer than the {min_days} set "
            "(SAFEPLACE_AUDIT_RETENTION_DAYS)",
        )
    if last.at > now:
        return Break(last_seq, f"the last purge is dated {last.at.isoformat()}, after now")
    return None


def _beginning_break(row: AuditRow, last: Purge | None) -> Break | None:
    """Whether the first row kept is where the last purge left the trail: right after the rows
    it removed, and older than its cutoff (the boundary it kept)."""
    if last is None:
        return None
    if row.seq != last.through + 1:
        return Break(
            row.seq,
            f"the trail begins here, but the last purge removed the rows up to {last.through}",
        )
    if row.at >= last.cutoff:
        return Break(
            row.seq,
            "the last purge removed rows that were not old enough: the row it kept first is "
            f"not older than its cutoff, {last.cutoff.isoformat()}",
        )
    return None


def _purge_row_break(row: AuditRow, record: Purge | None) -> Break | None:
    """Whether a purge's row is bound to its record, and the record keeps to its period."""
    if record is None:
        return Break(row.seq, "a purge whose record is gone")
    if record.digest() != row.object_id or record.at != row.at:
        return Break(row.seq, "the record of this purge was changed")
    if record.cutoff > record.at - timedelta(days=record.days):
        return Break(row.seq, "this purge's cutoff is later than its period allows")
    return None


def kept_state(session: Session, seq: int, kept: str) -> KeptState:
    """What became of row ``seq`` whose hash ``kept`` was kept outside the database.

    ``held``: the row is there with that hash (only together with :func:`verify` does that say
    the rows up to it are as they were). ``differs``: the row, or one before it, was rewritten
    with every later hash; so too when the row was the last one a purge removed and the purge
    recorded another hash for it. ``purged``: a purge removed it. ``missing``: it is gone
    without a purge (the trail was shortened).
    """
    kept = kept.lower()
    found = session.scalar(select(AuditRow.hash).where(AuditRow.seq == seq))
    if found is not None:
        return "held" if found == kept else "differs"
    removed_by = remover(session, seq)
    if removed_by is None:
        return "missing"
    if removed_by.through == seq and removed_by.anchor != kept:
        return "differs"
    return "purged"


def remover(session: Session, seq: int) -> Purge | None:
    """The purge that removed row ``seq``, or None when none did."""
    covering = [p for p in audit_purge.records(session).values() if p.through >= seq]
    return min(covering, key=lambda purge: purge.through) if covering else None


def beginning(session: Session) -> Beginning | None:
    """Where the trail begins: its first row, and the last purge when one removed rows before
    it (those number ``purge.through``); None for an empty trail."""
    first = session.execute(
        select(AuditRow.seq, AuditRow.at).order_by(AuditRow.seq).limit(1)
    ).first()
    if first is None:
        return None
    known = audit_purge.records(session)
    return Beginning(first.seq, first.at, audit_purge.governing(known)[1] if known else None)
