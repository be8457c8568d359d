"""The audit trail is append-only in the database and hash-chained, so tampering is found."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api import audit, audit_verify
from api.db.mapping import referral_columns
from api.db.session import Database
from api.db.tables import AuditRow, ReferralRow
from tests.api.rows import add_audit_row, victim

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)


def write(database: Database, count: int, actor: str = "desk-1", per_transaction: int = 1) -> None:
    """``count`` rows by ``actor``, ``per_transaction`` in each transaction."""
    for first in range(0, count, per_transaction):
        with database.session() as session:
            for number in range(first, min(count, first + per_transaction)):
                add_audit_row(session, number, NOW, actor)


def verify(database: Database) -> int | None:
    """The first broken row's ``seq``, as ``audit verify`` names it (None: intact)."""
    with database.session() as session:
        broken = audit_verify.verify(session, now=NOW, min_days=730)
    return None if broken is None else broken.seq


def drop_trigger(database: Database, name: str) -> None:
    on_table = " ON audit" if database.dialect == "postgresql" else ""
    with database.session() as session:
        session.execute(text(f"DROP TRIGGER {name}{on_table}"))


def test_rows_form_a_chain_that_verifies(database: Database) -> None:
    write(database, 5)
    with database.session() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert rows[2].at == NOW + timedelta(seconds=2)
    assert verify(database) is None


def test_an_outside_verifier_recomputes_the_chain_from_the_stored_fields(
    database: Database,
) -> None:
    """The chain's format is a promise to whoever verifies a copy of the trail without this
    code: the first row follows 64 zeros, and each hash is the SHA-256 of the row's fields and the
    previous hash as compact JSON with sorted keys, the moment in UTC to the microsecond."""
    write(database, 3)
    with database.session() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
    previous = "0" * 64
    for row in rows:
        fields = {
            "seq": row.seq,
            "at": row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
            "actor": row.actor,
            "role": row.role,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "result": row.result,
            "request_id": row.request_id,
            "prev_hash": previous,
        }
        text_form = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row.prev_hash == previous
        assert row.hash == hashlib.sha256(text_form.encode("utf-8")).hexdigest()
        previous = row.hash


def test_an_empty_trail_verifies(database: Database) -> None:
    assert verify(database) is None


def test_a_row_goes_with_the_transaction_that_wrote_it(database: Database) -> None:
    def failing_access() -> None:
        with database.session() as session:
            write_in(session)
            raise RuntimeError("the access failed")

    with pytest.raises(RuntimeError):
        failing_access()
    with database.session() as session:
        assert session.scalars(select(AuditRow)).all() == []


def write_in(session: Session) -> None:
    audit.record(
        session,
        actor="desk-1",
        role="desk",
        action="create",
        object_type="hold",
        object_id="H1",
        result="ok",
        request_id="req",
        at=NOW,
    )


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditRow).where(AuditRow.seq == 1).values(actor="someone else"),
        delete(AuditRow).where(AuditRow.seq == 1),
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_a_row(database: Database, statement: object) -> None:
    write(database, 2)
    with pytest.raises(DBAPIError, match="append-only"), database.session() as session:
        session.execute(statement)  # type: ignore[call-overload]
    assert verify(database) is None


def test_postgresql_refuses_to_truncate(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    write(database, 1)
    with pytest.raises(DBAPIError, match="append-only"), database.session() as session:
        session.execute(text("TRUNCATE audit"))


def test_an_edited_row_is_named(database: Database) -> None:
    write(database, 5)
    drop_trigger(database, "audit_no_update")
    with database.session() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 3).values(object_id="R99"))
    assert verify(database) == 3


def test_a_removed_row_is_named_by_its_successor(database: Database) -> None:
    write(database, 5)
    drop_trigger(database, "audit_no_delete")
    with database.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 2))
    assert verify(database) == 3


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(database: Database) -> None:
    write(database, 4)
    drop_trigger(database, "audit_no_update")
    with database.session() as session:
        row = session.get(AuditRow, 2)
        assert row is not None
        row.actor = "someone else"
        row.hash = audit.row_hash(row)
    assert verify(database) == 3


def test_rows_of_one_transaction_chain_on_each_other(database: Database) -> None:
    """As rankings sharing a transaction write them; a transaction rolled back and a savepoint
    rolled back leave no gap either, and a savepoint released keeps its row."""
    write(database, 2)
    with Session(database.engine) as session:
        add_audit_row(session, 2, NOW)
        add_audit_row(session, 3, NOW)
        session.rollback()  # both gone: the next row links to the second again
        add_audit_row(session, 4, NOW)
        add_audit_row(session, 5, NOW)
        savepoint = session.begin_nested()
        add_audit_row(session, 6, NOW)
        savepoint.rollback()
        add_audit_row(session, 7, NOW)
        released = session.begin_nested()
        add_audit_row(session, 8, NOW)
        released.commit()
        session.commit()
    with database.session() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
    assert [row.request_id for row in rows] == [
        "req-0",
        "req-1",
        "req-4",
        "req-5",
        "req-7",
        "req-8",
    ]
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5, 6]
    assert verify(database) is None


def test_a_session_closed_without_commit_appends_nothing(database: Database) -> None:
    with Session(database.engine) as session:
        add_audit_row(session, 0, NOW)
        session.close()  # the transaction ends uncommitted; the session can be used again
        add_audit_row(session, 1, NOW)
        session.commit()
    with database.session() as session:
        assert session.scalars(select(AuditRow.request_id)).all() == ["req-1"]


def test_a_transaction_takes_the_chain_only_to_commit(database: Database) -> None:
    """A transaction that recorded a row and goes on reading keeps no other transaction's rows
    waiting: on PostgreSQL the chain's lock is taken at the commit. (On SQLite every writing
    transaction waits for the one before it anyway.)"""
    if database.dialect != "postgresql":
        pytest.skip("SQLite serialises whole transactions")
    with database.session() as still_reading:
        add_audit_row(still_reading, 1, NOW)
        still_reading.execute(select(AuditRow.seq)).all()
        with database.session() as other:
            # Without this the test would hang, not fail, if the chain's lock were held here.
            other.execute(text("SET LOCAL lock_timeout = '5s'"))
            add_audit_row(other, 2, NOW)
    with database.session() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
    assert [row.request_id for row in rows] == ["req-2", "req-1"]
    assert verify(database) is None


def test_a_transaction_writes_its_own_changes_before_it_takes_the_chain(
    database: Database,
) -> None:
    """The commit flushes the transaction's changes before it appends the queued rows: their
    row locks come before the chain's lock (on PostgreSQL), never after it, so no transaction
    holding the chain waits for one that waits for the chain."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.session() as session:
            session.add(
                ReferralRow(
                    **referral_columns(victim("C" + "1" * 16)), created_at=NOW, updated_at=NOW
                )
            )
            add_audit_row(session, 0, NOW)
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    written = [
        index for index, statement in enumerate(statements) if "INSERT INTO referrals" in statement
    ]
    chained = [
        index
        for index, statement in enumerate(statements)
        if "INSERT INTO audit " in statement or "pg_advisory_xact_lock" in statement
    ]
    assert written
    assert chained
    assert max(written) < min(chained)


@pytest.mark.parametrize("per_transaction", [1, 3])
def test_concurrent_writers_extend_one_chain(database: Database, per_transaction: int) -> None:
    writers = 12
    start = threading.Barrier(writers)

    def one(number: int) -> None:
        start.wait()
        write(database, 3, actor=f"desk-{number}", per_transaction=per_transaction)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        seqs = session.scalars(select(AuditRow.seq).order_by(AuditRow.seq)).all()
    assert seqs == list(range(1, writers * 3 + 1))
    assert verify(database) is None


def test_a_backup_is_kept_by_its_dated_name_and_any_other_name_is_not(
    database: Database,
) -> None:
    """The console names a pruned backup by the moment in its file name; a name of another form
    could be anything, a person's name included, and the trail keeps only that it was none."""
    dated = "safeplace-20261207T031500Z.db.age"
    with database.session() as session:
        # The last begins as a dated name does, and goes on with a person's name.
        for object_id in (dated, "anna-jansen.db", f"{dated}.anna-jansen"):
            audit.record(
                session,
                actor="operator",
                role=audit.CONSOLE,
                action="purge",
                object_type="backup",
                object_id=object_id,
                result="ok",
                request_id="r",
                at=NOW,
            )
    with database.session() as session:
        kept = session.scalars(select(AuditRow.object_id).order_by(AuditRow.seq)).all()
    assert kept == [dated, audit.NOT_AN_ID, audit.NOT_AN_ID]


ISSUED = "C0123456789abcdef"


@pytest.mark.parametrize(
    ("object_type", "object_id", "kept"),
    [
        ("referral", ISSUED, ISSUED),
        ("hold", "H0123456789abcdef", "H0123456789abcdef"),
        ("placement", "P0123456789abcdef", "P0123456789abcdef"),
        ("referral", None, None),
        # An issued id with a name typed after it, another letter, a name: none was issued.
        ("referral", f"{ISSUED} Anna Jansen", audit.NOT_AN_ID),
        ("referral", "S0123456789abcdef", audit.NOT_AN_ID),
        ("referral", "C0123456789abcde", audit.NOT_AN_ID),
        ("referral", "Anna Jansen", audit.NOT_AN_ID),
        # The network's names of shelters, and the console's own codes for a backup.
        ("residents", "S023", "S023"),
        ("database", audit.SEALED, audit.SEALED),
        ("database", audit.NOT_SEALED, audit.NOT_SEALED),
        ("database", "anna-jansen.db", audit.NOT_AN_ID),
    ],
)
def test_the_trail_keeps_only_ids_the_service_gave(
    database: Database, object_type: str, object_id: str | None, kept: str | None
) -> None:
    with database.session() as session:
        audit.record(
            session,
            actor="desk-1",
            role="desk",
            action="read",
            object_type=object_type,
            object_id=object_id,
            result="ok",
            request_id="r",
            at=NOW,
        )
    with database.session() as session:
        assert session.scalars(select(AuditRow.object_id)).all() == [kept]
