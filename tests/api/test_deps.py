"""The caller of a request. A refused attempt keeps none of its changes and is on record under
every object it acted on. Rankings that share one transaction (:mod:`api.lanes`): every user in
the group is held to the database, each once, and expired holds are settled once, for the
group's first ranking; a next transaction checks and settles afresh."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import deps
from api.db.session import Database
from api.db.tables import AuditRow, UserRow
from api.deps import Caller, checked_in_at_first_use
from api.problems import ProblemError
from tests.api.helpers import add_users

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
USERS = {"desk-a": ("desk", None), "desk-b": ("desk", None)}
HOLD, CASE = "H" + "1" * 16, "C" + "2" * 16  # ids as the service issues them


def join(database: Database, shared: Session, name: str) -> Caller:
    """A request of ``name``'s, not yet checked in, joining the ``shared`` transaction."""
    with database.session() as own:
        caller = checked_in_at_first_use(
            Caller(
                name=name,
                role="desk",
                shelter_id=None,
                transaction=own,
                request_id=f"request-of-{name}",
                now=NOW,
            )
        )
        joined = caller.sharing(shared)
        assert joined.transaction is shared
        joined.check_in_now()  # nothing left to check: the group's transaction did it
        return joined


def hold_refused_after_a_change(caller: Caller) -> None:
    """An attempt on hold, acting on its referral too, that changes a row and is then
    refused."""
    with caller.attempt("update", "hold", HOLD) as attempt:
        attempt.besides.append(("update", "referral", CASE))
        caller.session.execute(update(UserRow).where(UserRow.name == "desk-b").values(active=False))
        raise ProblemError(409, "the places were taken meanwhile", code="no_room")


def test_a_refused_attempt_keeps_none_of_its_changes_and_is_on_record_for_each_object(
    database: Database,
) -> None:
    """What the block changed before its refusal is rolled back, not committed with the
    refusal's record; and the record names the attempt's other objects too (``besides``), so
    that "who tried to act on this referral?" finds a refused hold."""
    add_users(database, USERS)
    with Session(database.engine) as own:  # as a request's: the attempt commits on its own
        caller = checked_in_at_first_use(
            Caller(
                name="desk-a",
                role="desk",
                shelter_id=None,
                transaction=own,
                request_id="refused-request",
                now=NOW,
            )
        )
        with pytest.raises(ProblemError) as refused:
            hold_refused_after_a_change(caller)
    assert refused.value.status == 409
    with database.session() as session:
        assert session.scalar(select(UserRow.active).where(UserRow.name == "desk-b")) is True
        recorded = session.execute(
            select(AuditRow.action, AuditRow.object_type, AuditRow.object_id, AuditRow.result)
            .where(AuditRow.request_id == "refused-request")
            .order_by(AuditRow.seq)
        ).all()
    assert [tuple(row) for row in recorded] == [
        ("update", "hold", HOLD, "conflict"),
        ("update", "referral", CASE, "conflict"),
    ]


def test_a_group_checks_each_user_once_and_settles_holds_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_users(database, USERS)
    calls: list[tuple[str, str]] = []
    check_user, settle = deps.check_user, deps.settle

    def counted_check(caller: Caller) -> None:
        calls.append(("check", caller.name))
        check_user(caller)

    def counted_settle(caller: Caller) -> None:
        calls.append(("settle", caller.name))
        settle(caller)

    monkeypatch.setattr(deps, "check_user", counted_check)
    monkeypatch.setattr(deps, "settle", counted_settle)
    with Session(database.engine) as shared:  # a session of its own, to end its transaction
        joined = [join(database, shared, name) for name in ("desk-a", "desk-b", "desk-a")]
        assert calls == [("check", "desk-a"), ("settle", "desk-a"), ("check", "desk-b")]
        shared.commit()
        calls.clear()
        joined += [join(database, shared, name) for name in ("desk-b", "desk-a", "desk-b")]
        assert calls == [("check", "desk-b"), ("settle", "desk-b"), ("check", "desk-a")]
    assert all(caller.shared for caller in joined)


def test_a_user_no_longer_active_is_refused_in_a_group_another_user_began(
    database: Database,
) -> None:
    add_users(database, USERS)
    with database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "desk-b").values(active=False))
    with database.session() as shared:
        join(database, shared, "desk-a")
        with pytest.raises(ProblemError) as refused:
            join(database, shared, "desk-b")
    assert refused.value.status == 401
