"""Rows for tests, written the way the service writes them: from validated contract types."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from api import audit
from api.db.mapping import referral_columns, shelter_columns
from api.db.session import Database
from api.db.tables import ReferralRow, ScenarioRunRow, ShelterRow
from models.location import Location
from models.shelter import Shelter
from models.victim import Victim


def add_shelter(session: Session, shelter: Shelter, now: datetime) -> ShelterRow:
    """Store a shelter as the admin would create it."""
    row = ShelterRow(**shelter_columns(shelter), updated_at=now)
    session.add(row)
    session.flush()
    return row


def add_referral(session: Session, victim: Victim, now: datetime) -> ReferralRow:
    """Store a waiting referral whose case id is ``victim.id``."""
    row = ReferralRow(**referral_columns(victim), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def register_one(database: Database, number: int, at: datetime) -> str:
    """Referral number ``number`` and its audit row, in one transaction as the service stores
    them; its case id."""
    case = f"C{number:016x}"
    with database.session() as session:
        add_referral(session, victim(case), at)
        audit.record(
            session,
            actor="desk-1",
            role="desk",
            action="create",
            object_type="referral",
            object_id=case,
            result="ok",
            request_id=f"req-{number}",
            at=at,
        )
    return case


def add_audit_row(session: Session, number: int, at: datetime, actor: str = "desk-1") -> None:
    """Append audit row ``number`` (request id ``req-<number>``, ``number`` seconds after
    ``at``): a desk reading a referral."""
    audit.record(
        session,
        actor=actor,
        role="desk",
        action="read",
        object_type="referral",
        object_id=f"C{number:016x}",
        result="ok",
        request_id=f"req-{number}",
        at=at + timedelta(seconds=number),
    )


def set_free(session: Session, shelter_id: str, free: int) -> None:
    """Make ``free`` of the shelter's places free (no holds or placements there yet)."""
    session.execute(
        update(ShelterRow)
        .where(ShelterRow.id == shelter_id)
        .values(occupied=ShelterRow.capacity - free)
    )


def shelter(shelter_id: str, capacity: int, **fields: object) -> Shelter:
    """A shelter in Utrecht that takes everyone in, unless ``fields`` say otherwise."""
    return Shelter.model_validate(
        {
            "id": shelter_id,
            "location": Location(municipality="Utrecht"),
            "capacity": capacity,
            "children": True,
            **fields,
        }
    )


def victim(victim_id: str, **fields: object) -> Victim:
    """A woman of 30 without special needs, unless ``fields`` say otherwise."""
    return Victim.model_validate({"id": victim_id, "gender": "female", "age": 30, **fields})


def add_scenario_run(
    session: Session, run_id: str, state: str, touched: datetime, error: str | None = None
) -> None:
    """A scenario run as a worker stores it, last touched at ``touched``."""
    session.add(
        ScenarioRunRow(
            id=run_id,
            scenario="tiny",
            state=state,
            done=0,
            total=1,
            replications=1,
            error=error,
            owner="f" * 32,
            started_at=touched,
            updated_at=touched,
        )
    )
