"""The audit trail (NEN 7513 style): who did what to which object, when, with what outcome.

A row holds an actor, a role, an action, an object type and its pseudonymous id, a result, a
request id and a time — never a field value, so the trail itself is no second copy of the data.

Rows are appended in the caller's transaction (the access and its record commit together or not
at all), and the database refuses UPDATE on them, and DELETE but of the oldest rows once their
retention period is over (triggers, see the migrations; the purge is :mod:`api.audit_purge`).
Each row's ``hash`` is the SHA-256 of its own fields and the previous row's hash, so editing or
removing a row — by someone who got past the triggers — breaks the chain at that row, and
:func:`api.audit_verify.verify` names it.

Chaining must be serialised, or two transactions would both extend the same last row: SQLite's
``BEGIN IMMEDIATE`` already does that; on PostgreSQL a transaction-level advisory lock does, held
until the appending transaction ends. That lock is global, so a transaction holds it as briefly as
it can: :func:`record` only queues the row in the session, and the session's commit appends every
queued row at once, after its other changes are flushed (one lock, one read of the last row, one
insert). Held only at the commit, it cannot deadlock with the ledger's row locks, which are all
taken before, and rankings reading a group of referrals in one transaction
(:mod:`api.lanes`) no longer keep every other worker's audit rows waiting while they read. A
queued row goes with its transaction: a rollback, of the transaction or of the savepoint it was
queued in, drops it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from api.backup_folder import is_dated_name
from api.db.tables import AuditRow

# The "previous hash" of the first row.
GENESIS = "0" * 64
# The ids the service issues (a letter per kind and 16 random hex digits: pseudonymous by
# construction). Anything else came from a caller's path or body, and could be a name typed where
# a case id belongs; the trail, which nobody can edit and which is kept for years, keeps only that
# it was no id.
ISSUED_ID = re.compile(r"^[CHP][0-9a-f]{16}$")
NOT_AN_ID = "(not an issued id)"
# The object id of a login that presented a valid device token (``api.devices``): the row's
# object is the user, whose name is the actor; no user name can be written so.
KNOWN_DEVICE = "(known device)"
# The object ids of a backup's row (``export`` of the ``database``): whether it left the service
# sealed for the backup keys or readable by whoever gets the file, which an auditor weighs.
SEALED = "(sealed)"
NOT_SEALED = "(not sealed)"
# Advisory-lock namespace of the audit chain (any constant; the second key is the audit table).
CHAIN_LOCK = 0x5AFF


# Where a session keeps its queued rows: (the transaction or savepoint queued in, the row's fields).
_QUEUED = "audit.queued"

# Built once: every read of personal data appends a row, and building a statement costs more
# than running it. Plain Core statements on the session's connection also skip the ORM's unit of
# work, which a row that is never read back in its transaction does not need.
_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, 'audit'::regclass::oid::integer)")
_LAST = select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
_APPEND = insert(AuditRow)


# The role of what the server's own command line does (users, backups, retention): its actor is
# the server account that ran the command, ``console:NAME``.
CONSOLE = "console"


def record(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str | None,
    result: str,
    request_id: str,
    at: datetime,
) -> None:
    """Add one row to the chain with the caller's transaction: queued now, appended when the
    session commits (see the module's docstring)."""
    session.connection()  # begins the transaction if nothing did yet: the row belongs to it
    within = session.get_nested_transaction() or session.get_transaction()
    fields: dict[str, Any] = {
        "at": at.astimezone(UTC),
        "actor": actor,
        "role": role,
        "action": action,
        "object_type": object_type,
        "object_id": _kept_for(object_type, object_id),
        "result": result,
        "request_id": request_id,
    }
    session.info.setdefault(_QUEUED, []).append((within, fields))


@event.listens_for(Session, "before_commit")
def _append_queued(session: Session) -> None:
    """Append the rows queued in the committing transaction, chained on the last stored row."""
    queued: list[tuple[SessionTransaction, dict[str, Any]]] = session.info.pop(_QUEUED, [])
    if not queued:
        return
    # The transaction's own changes first, so that their row locks come before the chain's.
    session.flush()
    append(session, [fields for _, fields in queued])


def lock_chain(session: Session) -> None:
    """Hold the chain until the session's transaction ends: no other transaction appends to it
    (or purges it) meanwhile. SQLite's ``BEGIN IMMEDIATE`` holds it from the transaction's
    start; on PostgreSQL the advisory lock is taken here (again, harmlessly, if held)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_CHAIN_LOCK, {"namespace": CHAIN_LOCK})


def append(session: Session, queued: list[dict[str, Any]]) -> int:
    """Chain rows with the given fields (all but ``seq`` and the hashes) onto the last stored
    row, under the chain's lock; the ``seq`` of the last one."""
    lock_chain(session)
    connection = session.connection()
    last = connection.execute(_LAST).first()
    seq, prev_hash = (0, GENESIS) if last is None else (last.seq, last.hash)
    rows = []
    for queued_fields in queued:
        seq += 1
        fields = {**queued_fields, "seq": seq, "prev_hash": prev_hash}
        prev_hash = _hash(fields)
        rows.append({**fields, "hash": prev_hash})
    connection.execute(_APPEND, rows)
    return seq


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Forget the rows queued in a transaction or savepoint that was rolled back."""
    queued: list[tuple[SessionTransaction, dict[str, Any]]] | None = session.info.get(_QUEUED)
    if queued:
        queued[:] = [
            (within, fields)
            for within, fields in queued
            if not _inside(within, previous_transaction)
        ]


@event.listens_for(Session, "after_transaction_end")
def _drop_with_transaction(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing (a session closed) leaves nothing queued."""
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``outer`` or a savepoint within it."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _kept_for(object_type: str, object_id: str | None) -> str | None:
    """The object id as the trail keeps it for an object of ``object_type``."""
    # A user's id is their login name, which accounts checked before any change was made; a
    # shelter's (and its residents') is the network's name for it, which its routes keep only for
    # one that exists; the database's are the console's own codes; a backup's is the dated file
    # name the console gave.
    if object_type in ("user", "shelter", "residents"):
        return object_id
    if object_type == "database" and object_id in (SEALED, NOT_SEALED):
        return object_id
    if object_type == "backup" and object_id is not None and is_dated_name(object_id):
        return object_id  # a backup's dated name: a moment, never a name of anyone
    return kept_id(object_id)


def kept_id(object_id: str | None) -> str | None:
    """The object id as the trail keeps it: an id the service issued, else :data:`NOT_AN_ID`."""
    if object_id is None or ISSUED_ID.match(object_id):
        return object_id
    return NOT_AN_ID


def newest(session: Session) -> tuple[int, str] | None:
    """The newest row's ``seq`` and hash, for keeping outside the database: removing the newest
    rows leaves no trace in the chain itself (see :mod:`api.audit_verify`)."""
    row = session.execute(
        select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    return None if row is None else (row.seq, row.hash)


def row_hash(row: AuditRow) -> str:
    """SHA-256 (hex) of the canonical JSON of the row's fields and the previous row's hash."""
    return _hash(
        {
            "seq": row.seq,
            "at": row.at,
            "actor": row.actor,
            "role": row.role,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "result": row.result,
            "request_id": row.request_id,
            "prev_hash": row.prev_hash,
        }
    )


def _hash(fields: dict[str, Any]) -> str:
    """:func:`row_hash` of a row's fields (``at`` as a moment, the rest as stored)."""
    at: datetime = fields["at"]
    hashed = fields | {"at": at.astimezone(UTC).isoformat(timespec="microseconds")}
    canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
