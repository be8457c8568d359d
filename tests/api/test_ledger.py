"""The ledger's semantics: holds, confirms, releases, discharges, expiry, and every refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from api import ledger
from api.db.session import Database
from api.db.tables import HoldRow, PlacementRow, ReferralRow, ShelterRow
from api.ledger import LedgerConflict, NotFound
from api.regions import police_unit
from models.shelter import Shelter
from tests.api.rows import add_referral, add_shelter, shelter, victim

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
MINUTES = 90


@pytest.fixture
def db(database: Database) -> Database:
    """The seeded database plus shelter T1 (3 places, everyone) and waiting referrals A, B, C."""
    with database.session() as session:
        add_shelter(session, shelter("T1", 3), NOW)
        for case_id in ("A", "B", "C"):
            add_referral(session, victim(case_id), NOW)
    return database


def live(db: Database, shelter_id: str, at: datetime = NOW) -> Shelter:
    with db.session() as session:
        return next(s for s in ledger.live_network(session, at) if s.id == shelter_id)


def status(db: Database, referral_id: str) -> str:
    with db.session() as session:
        row = session.get(ReferralRow, referral_id)
        assert row is not None
        return row.status


def hold(db: Database, referral_id: str, shelter_id: str = "T1", at: datetime = NOW) -> HoldRow:
    with db.session() as session:
        return ledger.create_hold(session, referral_id, shelter_id, now=at, minutes=MINUTES)


def conflict(action: Callable[[], object]) -> LedgerConflict:
    with pytest.raises(LedgerConflict) as raised:
        action()
    return raised.value


def test_a_hold_takes_its_places_and_names_its_person(db: Database) -> None:
    made = hold(db, "A")
    assert (made.status, made.places, made.expires_at) == (
        "active",
        1,
        NOW + timedelta(minutes=MINUTES),
    )
    assert live(db, "T1").free == 2
    assert live(db, "T1").residents == ["A"]
    assert status(db, "A") == "held"


def test_children_take_places_too(db: Database) -> None:
    with db.session() as session:
        add_referral(session, victim("K", children=2), NOW)
    assert hold(db, "K").places == 3
    assert live(db, "T1").free == 0


def test_confirm_turns_the_hold_into_a_placement(db: Database) -> None:
    made = hold(db, "A")
    with db.session() as session:
        placement = ledger.confirm_hold(session, made.id, now=NOW + timedelta(minutes=30))
    assert (placement.status, placement.hold_id, placement.places) == ("active", made.id, 1)
    assert status(db, "A") == "placed"
    # Long after the hold would have expired, the placement still takes its place.
    assert live(db, "T1", NOW + timedelta(days=30)).free == 2
    with db.session() as session:
        confirmed = session.get(HoldRow, made.id)
        assert confirmed is not None
        assert confirmed.status == "confirmed"


def test_release_gives_the_places_back(db: Database) -> None:
    made = hold(db, "A")
    with db.session() as session:
        released = ledger.release_hold(session, made.id, now=NOW)
    assert released.status == "released"
    assert live(db, "T1").free == 3
    assert status(db, "A") == "waiting"


def test_discharge_frees_the_place_and_closes_the_referral(db: Database) -> None:
    made = hold(db, "A")
    with db.session() as session:
        placement = ledger.confirm_hold(session, made.id, now=NOW)
    with db.session() as session:
        ended = ledger.discharge(session, placement.id, now=NOW + timedelta(days=90))
    assert ended.status == "discharged"
    assert live(db, "T1").free == 3
    with db.session() as session:
        referral = session.get(ReferralRow, "A")
        assert referral is not None
        assert (referral.status, referral.close_reason) == ("closed", "discharged")


def test_an_expired_hold_frees_its_places_by_itself(db: Database) -> None:
    with db.session() as session:
        add_shelter(session, shelter("T0", 1), NOW)
    hold(db, "A", "T0")
    expiry = NOW + timedelta(minutes=MINUTES)
    assert live(db, "T0", expiry - timedelta(seconds=1)).free == 0
    assert live(db, "T0", expiry).free == 1
    # Nobody marked it expired yet, and still its place can be held by someone else.
    hold(db, "B", "T0", at=expiry)
    assert status(db, "A") == "held"
    # Marked later, it ended when it expired all the same.
    swept = expiry + timedelta(minutes=5)
    with db.session() as session:
        assert ledger.expire_holds(session, swept) == 1
    assert status(db, "A") == "waiting"
    with db.session() as session:
        assert ledger.expire_holds(session, swept) == 0
        (ended,) = session.scalars(select(HoldRow).where(HoldRow.referral_id == "A"))
        assert (ended.status, ended.ended_at) == ("expired", expiry)


def test_the_referral_of_an_expired_hold_may_be_held_again(db: Database) -> None:
    first = hold(db, "A")
    again = hold(db, "A", at=first.expires_at)  # the very moment it expires
    assert again.id != first.id
    # Held again well after its end, the old hold ended when it expired all the same.
    other = hold(db, "B")
    hold(db, "B", at=other.expires_at + timedelta(minutes=5))
    with db.session() as session:
        for made in (first, other):
            old = session.get(HoldRow, made.id)
            assert old is not None
            assert (old.status, old.ended_at) == ("expired", made.expires_at)


def test_no_room(db: Database) -> None:
    with db.session() as session:
        add_shelter(session, shelter("T0", 1), NOW)
        add_referral(session, victim("K", children=1), NOW)
    found = conflict(lambda: hold(db, "K", "T0"))
    assert (found.code, found.reasons) == ("no_room", ("capacity",))
    # Full, not closed: the desk reads how many places there are against how many are needed.
    assert found.detail == "1 free places, 2 needed"
    hold(db, "A", "T0")
    full = conflict(lambda: hold(db, "B", "T0"))
    assert (full.code, full.detail) == ("no_room", "0 free places, 1 needed")
    assert status(db, "B") == "waiting"


def test_a_closed_shelter_has_no_room(db: Database) -> None:
    with db.session() as session:
        session.execute(update(ShelterRow).where(ShelterRow.id == "T1").values(closed=True))
    assert live(db, "T1").free == 0
    refused = conflict(lambda: hold(db, "A"))
    # "0 free places" would leave the desk guessing whether it is full or closed.
    assert (refused.code, refused.detail) == ("no_room", "the shelter is closed for now")


def test_a_broken_rule_is_named(db: Database) -> None:
    with db.session() as session:
        add_shelter(session, shelter("TM", 5, genders=["male"], accepts=["medical"]), NOW)
        add_referral(session, victim("D", conditions=["addiction"]), NOW)
    found = conflict(lambda: hold(db, "D", "TM"))
    assert found.code == "rule_broken"
    assert found.reasons == ("gender", "condition:addiction")


def test_intake_hours_are_not_checked_at_hold_time(db: Database) -> None:
    with db.session() as session:
        add_shelter(session, shelter("TN", 2, intake=[]), NOW)
    made = hold(db, "A", "TN")
    with db.session() as session:
        assert ledger.confirm_hold(session, made.id, now=NOW).status == "active"


def test_a_referral_holds_one_place_at_a_time(db: Database) -> None:
    made = hold(db, "A")
    assert conflict(lambda: hold(db, "A")).code == "already_held"
    with db.session() as session:
        ledger.confirm_hold(session, made.id, now=NOW)
    assert conflict(lambda: hold(db, "A")).code == "already_placed"


def test_a_closed_referral_cannot_be_held(db: Database) -> None:
    with db.session() as session:
        session.execute(update(ReferralRow).where(ReferralRow.id == "A").values(status="closed"))
    assert conflict(lambda: hold(db, "A")).code == "referral_closed"


def test_ended_holds_and_placements_refuse_to_end_again(db: Database) -> None:
    made = hold(db, "A")
    with db.session() as session:
        placement = ledger.confirm_hold(session, made.id, now=NOW)
    with db.session() as session:
        assert conflict(lambda: ledger.confirm_hold(session, made.id, now=NOW)).code == (
            "hold_not_active"
        )
        assert conflict(lambda: ledger.release_hold(session, made.id, now=NOW)).code == (
            "hold_not_active"
        )
    with db.session() as session:
        ledger.discharge(session, placement.id, now=NOW)
    with db.session() as session:
        assert conflict(lambda: ledger.discharge(session, placement.id, now=NOW)).code == (
            "placement_not_active"
        )


def test_an_expired_hold_cannot_be_confirmed_or_released(db: Database) -> None:
    made = hold(db, "A")
    expiry = NOW + timedelta(minutes=MINUTES)
    with db.session() as session:
        assert conflict(lambda: ledger.confirm_hold(session, made.id, now=expiry)).code == (
            "hold_expired"
        )
        assert conflict(lambda: ledger.release_hold(session, made.id, now=expiry)).code == (
            "hold_expired"
        )
    with db.session() as session:
        ledger.expire_holds(session, expiry)
    with db.session() as session:
        assert conflict(lambda: ledger.confirm_hold(session, made.id, now=NOW)).code == (
            "hold_expired"
        )


def test_an_extended_hold_keeps_its_places_past_its_first_end(db: Database) -> None:
    made = hold(db, "A")
    first_end = NOW + timedelta(minutes=MINUTES)
    later = first_end - timedelta(minutes=10)
    with db.session() as session:
        extended = ledger.extend_hold(session, made.id, now=later, minutes=MINUTES)
    assert extended.expires_at == later + timedelta(minutes=MINUTES)
    assert live(db, "T1", first_end).free == 2  # T1 has 3 places, the hold keeps one
    assert live(db, "T1", extended.expires_at).free == 3
    with db.session() as session:
        assert ledger.expire_holds(session, first_end) == 0
        not_longer = conflict(lambda: ledger.extend_hold(session, made.id, now=later, minutes=1))
    assert not_longer.code == "hold_not_extended"
    with db.session() as session:
        ledger.confirm_hold(session, made.id, now=first_end)


def test_an_extension_to_the_holds_own_end_is_none(db: Database) -> None:
    """Only ever lengthened: asking for the very end it has already gains nothing."""
    made = hold(db, "A")
    later = NOW + timedelta(minutes=10)
    with db.session() as session:
        same = conflict(
            lambda: ledger.extend_hold(session, made.id, now=later, minutes=MINUTES - 10)
        )
    assert same.code == "hold_not_extended"
    with db.session() as session:
        longer = ledger.extend_hold(session, made.id, now=later, minutes=MINUTES - 9)
    assert longer.expires_at == made.expires_at + timedelta(minutes=1)


def test_a_hold_lasts_at_least_a_minute(db: Database) -> None:
    with db.session() as session, pytest.raises(ValueError, match="at least one minute"):
        ledger.create_hold(session, "A", "T1", now=NOW, minutes=0)
    assert status(db, "A") == "waiting"
    with db.session() as session:
        assert ledger.create_hold(session, "A", "T1", now=NOW, minutes=1).expires_at == (
            NOW + timedelta(minutes=1)
        )


def test_confirm_rechecks_the_shelter(db: Database) -> None:
    made = hold(db, "A")
    with db.session() as session:
        session.execute(update(ShelterRow).where(ShelterRow.id == "T1").values(closed=True))
    with db.session() as session:
        assert conflict(lambda: ledger.confirm_hold(session, made.id, now=NOW)).code == "no_room"
    with db.session() as session:
        session.execute(
            update(ShelterRow)
            .where(ShelterRow.id == "T1")
            .values(closed=False, genders=["male"], occupied=2)
        )
    with db.session() as session:
        found = conflict(lambda: ledger.confirm_hold(session, made.id, now=NOW))
    # Its own held place still counts as its own: only the gender is in the way.
    assert (found.code, found.reasons) == ("rule_broken", ("gender",))


@pytest.mark.parametrize("listed_by", ["placed", "newcomer"])
def test_people_who_avoid_each_other_never_share_a_shelter(db: Database, listed_by: str) -> None:
    with db.session() as session:
        add_referral(session, victim("P", avoid=["N"] if listed_by == "placed" else []), NOW)
        add_referral(session, victim("N", avoid=["P"] if listed_by == "newcomer" else []), NOW)
    made = hold(db, "P")
    # From the moment P is held, not only once P is placed: P is on the way in.
    for stage in ("held", "placed"):
        if stage == "placed":
            with db.session() as session:
                ledger.confirm_hold(session, made.id, now=NOW)
        found = conflict(lambda: hold(db, "N"))
        assert (found.code, found.reasons) == ("rule_broken", ("avoid",)), stage
        with db.session() as session:
            (waiting,) = ledger.waiting_victims(session, ["N"])
            alone = ledger.waiting_victim(session, "N")
        assert waiting.avoid == alone.avoid == ["P"], stage
        assert "P" in live(db, "T1").residents


# Ids LIKE or JSON treat specially, which the ranking's narrowed lookup must match literally
# (SQLite's LIKE ignores the case of ASCII letters: "w1" is not "W1").
AWKWARD_IDS = ("W_1", "W%1", "W1", "w1", 'W"q', "W\\x", "Wé")


def test_one_referral_sees_the_same_avoiders_as_the_whole_waiting_list(db: Database) -> None:
    with db.session() as session:
        for waiting in AWKWARD_IDS:
            add_referral(session, victim(waiting), NOW)
        for index, avoided in enumerate(AWKWARD_IDS):
            # Each placed person avoids one of the awkward ids and, every other time, the next.
            others = [avoided, AWKWARD_IDS[(index + 1) % len(AWKWARD_IDS)]][: 1 + index % 2]
            add_referral(session, victim(f"PLACED-{index}", avoid=others), NOW)
        # Those not held or placed are at no shelter: whom they avoid matters once they are.
        for other in ("WAITING", "CLOSED"):
            add_referral(session, victim(other, avoid=list(AWKWARD_IDS)), NOW)
        session.execute(
            update(ReferralRow).where(ReferralRow.id.like("PLACED-%")).values(status="placed")
        )
        session.execute(
            update(ReferralRow).where(ReferralRow.id == "CLOSED").values(status="closed")
        )
        # One list written past the service (by hand, by a script), its accent as it is where
        # the service writes "\u00e9"; stored last, its id sorts first.
        add_referral(session, victim("BY-HAND"), NOW)
        session.execute(
            text("UPDATE referrals SET status = 'placed', avoid = :avoid WHERE id = 'BY-HAND'"),
            {"avoid": json.dumps(["Wé"], ensure_ascii=False)},
        )
    with db.session() as session:
        whole_list = {v.id: v.avoid for v in ledger.waiting_victims(session, list(AWKWARD_IDS))}
        one_by_one = {i: ledger.waiting_victim(session, i).avoid for i in AWKWARD_IDS}
    assert one_by_one == whole_list
    assert all(whole_list[i] for i in AWKWARD_IDS)
    assert "BY-HAND" in whole_list["Wé"]


def test_unknown_ids_are_not_found(db: Database) -> None:
    with db.session() as session, pytest.raises(NotFound) as raised:
        ledger.create_hold(session, "A", "nowhere", now=NOW, minutes=MINUTES)
    assert (raised.value.kind, raised.value.id) == ("shelter", "nowhere")
    calls: list[tuple[str, Callable[[Session], object]]] = [
        ("referral", lambda s: ledger.create_hold(s, "Z", "T1", now=NOW, minutes=MINUTES)),
        ("hold", lambda s: ledger.confirm_hold(s, "H0", now=NOW)),
        ("hold", lambda s: ledger.release_hold(s, "H0", now=NOW)),
        ("placement", lambda s: ledger.discharge(s, "P0", now=NOW)),
    ]
    for kind, call in calls:
        with db.session() as session, pytest.raises(NotFound) as raised:
            call(session)
        assert raised.value.kind == kind


def test_a_refused_hold_changes_nothing(db: Database) -> None:
    with db.session() as session:
        add_shelter(session, shelter("T0", 0), NOW)
    assert conflict(lambda: hold(db, "A", "T0")).code == "no_room"
    with db.session() as session:
        assert session.scalars(select(HoldRow)).all() == []


def test_waiting_victims_in_the_order_asked(db: Database) -> None:
    hold(db, "B")
    with db.session() as session:
        assert [v.id for v in ledger.waiting_victims(session)] == ["A", "C"]
        assert [v.id for v in ledger.waiting_victims(session, ["C", "B", "X", "A"])] == ["C", "A"]
        # Each once, where it was first asked for: a plan places a person once.
        assert [v.id for v in ledger.waiting_victims(session, ["C", "A", "C"])] == ["C", "A"]


def test_taken_places_counts_holds_and_placements(db: Database) -> None:
    with db.session() as session:
        add_shelter(session, shelter("T2", 3), NOW)
        add_referral(session, victim("D"), NOW)
    made = hold(db, "A")
    hold(db, "B")
    elsewhere = hold(db, "C", "T2")
    hold(db, "D", "T2")
    for confirmed in (made, elsewhere):
        with db.session() as session:
            ledger.confirm_hold(session, confirmed.id, now=NOW)
    with db.session() as session:
        # Those of the shelter asked about only: staff report its free places, not T2's.
        assert ledger.taken_places(session, "T1", now=NOW) == 2
        assert ledger.taken_places(session, "T1", now=NOW + timedelta(days=1)) == 1
        assert ledger.taken_places(session, "T2", now=NOW) == 2


def test_capacity_by_region_adds_up_per_unit_and_profile(db: Database) -> None:
    hold(db, "A")
    with db.session() as session:
        cells = ledger.capacity_by_region(session, NOW)
        network = ledger.live_network(session, NOW)
        kinds = {
            row.id: row.kind for row in session.execute(select(ShelterRow.id, ShelterRow.kind))
        }
    assert {field.name for field in fields(ledger.CapacityCell)} == {
        "police_unit",
        "gender",
        "condition",
        "free",
        "total",
        "shelters",
        "members",
        "emergency",
    }
    assert kinds["T1"] is None  # no kind said: counted as no emergency bed
    for cell in cells:
        fitting = [
            s
            for s in network
            if police_unit(s.location) == cell.police_unit
            and cell.gender in s.genders
            and (cell.condition is None or cell.condition in s.accepts)
        ]
        assert (cell.free, cell.total, cell.shelters) == (
            sum(s.free for s in fitting),
            sum(s.capacity for s in fitting),
            len(fitting),
        )
        assert sorted(cell.members) == sorted((s.id, s.free, s.capacity) for s in fitting)
        beds = [s for s in fitting if kinds[s.id] == "emergency"]
        assert cell.emergency == {s.id for s in beds}
        assert (cell.emergency_free, cell.emergency_total) == (
            sum(s.free for s in beds),
            sum(s.capacity for s in beds),
        )
    assert any(cell.emergency_total for cell in cells)
    # Each profile once, in order of police unit, gender, then condition (every place first).
    profiles = [(c.police_unit, c.gender, c.condition) for c in cells]
    assert len(set(profiles)) == len(profiles)
    for earlier, later in pairwise(profiles):
        assert earlier[:2] <= later[:2]
        if earlier[:2] == later[:2]:
            assert later[2] is not None
            assert earlier[2] is None or earlier[2] < later[2]
    units = {cell.police_unit for cell in cells}
    assert units == {police_unit(s.location) for s in network}
    utrecht = next(
        c
        for c in cells
        if (c.police_unit, c.gender, c.condition) == ("Midden-Nederland", "x", None)
    )
    assert utrecht.free >= 2  # T1 in Utrecht takes everyone; one of its 3 places is held


def test_stored_times_come_back_in_utc_whatever_offset_they_had(db: Database) -> None:
    amsterdam = NOW.astimezone(ZoneInfo("Europe/Amsterdam"))
    made = hold(db, "A", at=amsterdam)
    with db.session() as session:
        stored = session.get(HoldRow, made.id)
        assert stored is not None
        assert stored.created_at == NOW
        assert stored.created_at.utcoffset() == timedelta(0)
    assert live(db, "T1", amsterdam + timedelta(minutes=MINUTES - 1)).free == 2
    assert live(db, "T1", amsterdam + timedelta(minutes=MINUTES)).free == 3


# A model of the ledger in plain Python: what every operation must answer, and how many places
# must then be free. Hypothesis drives both through random sequences and compares them.
MODEL_SHELTERS = {"M1": (2, ("female", "male", "x")), "M2": (3, ("female",)), "M3": (1, ("male",))}
MODEL_REFERRALS = {"R1": ("female", 0), "R2": ("female", 1), "R3": ("male", 0), "R4": ("x", 2)}
MODEL_MINUTES = 30


@dataclass
class ModelHold:
    referral: str
    shelter: str
    places: int
    expires: datetime
    status: str = "active"
    ended: datetime | None = None


class LedgerMachine(RuleBasedStateMachine):
    """Random holds, extensions, confirms, releases, discharges and expiries against the
    model."""

    db: Database

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.status = dict.fromkeys(MODEL_REFERRALS, "waiting")
        # Every change of a referral's status is a new version: a desk's save based on the
        # referral read before it is refused (``version_conflict``).
        self.version = dict.fromkeys(MODEL_REFERRALS, 1)
        # ... and the moment it changed, which that refusal names.
        self.updated = dict.fromkeys(MODEL_REFERRALS, NOW)
        self.holds: dict[str, ModelHold] = {}
        self.placements: dict[str, ModelHold] = {}
        with self.db.session() as session:
            session.execute(delete(PlacementRow))
            session.execute(delete(HoldRow))
            session.execute(delete(ReferralRow))
            session.execute(delete(ShelterRow).where(ShelterRow.id.in_(MODEL_SHELTERS)))
            for shelter_id, (capacity, genders) in MODEL_SHELTERS.items():
                add_shelter(session, shelter(shelter_id, capacity, genders=list(genders)), NOW)
            for case_id, (gender, children) in MODEL_REFERRALS.items():
                add_referral(session, victim(case_id, gender=gender, children=children), NOW)

    def free(self, shelter_id: str, ignore: ModelHold | None = None) -> int:
        holds = [h for h in self.holds.values() if h.status == "active" and h.expires > self.now]
        taken = [h for h in [*holds, *self.placements.values()] if h.status == "active"]
        used = sum(h.places for h in taken if h.shelter == shelter_id and h is not ignore)
        return MODEL_SHELTERS[shelter_id][0] - used

    def expected_hold(self, referral: str, shelter_id: str) -> str:
        if self.status[referral] == "closed":
            return "referral_closed"
        if self.status[referral] == "placed":
            return "already_placed"
        if any(
            h.referral == referral and h.status == "active" and h.expires > self.now
            for h in self.holds.values()
        ):
            return "already_held"
        gender, children = MODEL_REFERRALS[referral]
        if gender not in MODEL_SHELTERS[shelter_id][1]:
            return "rule_broken"
        return "no_room" if 1 + children > self.free(shelter_id) else "ok"

    def expected_end(self, held: ModelHold) -> str:
        if held.status == "expired" or (held.status == "active" and held.expires <= self.now):
            return "hold_expired"
        return "ok" if held.status == "active" else "hold_not_active"

    def move(self, referral: str, status: str) -> None:
        self.status[referral] = status
        self.version[referral] += 1
        self.updated[referral] = self.now

    def outcome(self, action: Callable[[Session], str]) -> str:
        try:
            with self.db.session() as session:
                return action(session)
        except LedgerConflict as refused:
            return refused.code

    @rule(
        referral=st.sampled_from(sorted(MODEL_REFERRALS)),
        at=st.sampled_from(sorted(MODEL_SHELTERS)),
    )
    def hold(self, referral: str, at: str) -> None:
        expected = self.expected_hold(referral, at)
        made: list[HoldRow] = []

        def create(session: Session) -> str:
            made.append(
                ledger.create_hold(session, referral, at, now=self.now, minutes=MODEL_MINUTES)
            )
            return "ok"

        assert self.outcome(create) == expected
        if expected == "ok":
            for earlier in self.holds.values():
                if earlier.referral == referral and earlier.status == "active":
                    # Its places were free from its end on, not from the new hold's making.
                    earlier.status, earlier.ended = "expired", earlier.expires
            places = 1 + MODEL_REFERRALS[referral][1]
            expires = self.now + timedelta(minutes=MODEL_MINUTES)
            self.holds[made[0].id] = ModelHold(referral, at, places, expires)
            self.move(referral, "held")

    @precondition(lambda self: bool(self.holds))
    @rule(pick=st.integers(0, 50))
    def confirm(self, pick: int) -> None:
        hold_id = list(self.holds)[pick % len(self.holds)]
        held = self.holds[hold_id]
        expected = self.expected_end(held)
        if expected == "ok" and held.places > self.free(held.shelter, ignore=held):
            expected = "no_room"
        made: list[str] = []

        def confirm(session: Session) -> str:
            made.append(ledger.confirm_hold(session, hold_id, now=self.now).id)
            return "ok"

        assert self.outcome(confirm) == expected
        if expected == "ok":
            held.status, held.ended = "confirmed", self.now
            self.placements[made[0]] = ModelHold(
                held.referral, held.shelter, held.places, held.expires
            )
            self.move(held.referral, "placed")

    @precondition(lambda self: bool(self.holds))
    @rule(pick=st.integers(0, 50))
    def release(self, pick: int) -> None:
        hold_id = list(self.holds)[pick % len(self.holds)]
        held = self.holds[hold_id]
        expected = self.expected_end(held)
        outcome = self.outcome(
            lambda session: ledger.release_hold(session, hold_id, now=self.now).status
        )
        assert outcome == ("released" if expected == "ok" else expected)
        if expected == "ok":
            held.status, held.ended = "released", self.now
            self.move(held.referral, "waiting")

    @precondition(lambda self: bool(self.holds))
    @rule(pick=st.integers(0, 50), minutes=st.sampled_from([1, 29, 30, 31, 90]))
    def extend(self, pick: int, minutes: int) -> None:
        hold_id = list(self.holds)[pick % len(self.holds)]
        held = self.holds[hold_id]
        until = self.now + timedelta(minutes=minutes)
        expected = self.expected_end(held)
        if expected == "ok" and until <= held.expires:
            expected = "hold_not_extended"
        outcome = self.outcome(
            lambda session: (
                ledger.extend_hold(session, hold_id, now=self.now, minutes=minutes).status
            )
        )
        assert outcome == ("active" if expected == "ok" else expected)
        if expected == "ok":
            held.expires = until

    @precondition(lambda self: bool(self.placements))
    @rule(pick=st.integers(0, 50))
    def discharge(self, pick: int) -> None:
        placement_id = list(self.placements)[pick % len(self.placements)]
        placed = self.placements[placement_id]
        expected = "ok" if placed.status == "active" else "placement_not_active"
        outcome = self.outcome(
            lambda session: ledger.discharge(session, placement_id, now=self.now).status
        )
        assert outcome == ("discharged" if expected == "ok" else expected)
        if expected == "ok":
            placed.status, placed.ended = "discharged", self.now
            self.move(placed.referral, "closed")

    @rule(minutes=st.sampled_from([0, 1, 14, 29, 30]))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def expire(self) -> None:
        stale = [h for h in self.holds.values() if h.status == "active" and h.expires <= self.now]
        with self.db.session() as session:
            assert ledger.expire_holds(session, self.now) == len(stale)
        for held in stale:
            held.status, held.ended = "expired", held.expires
            self.move(held.referral, "waiting")

    @invariant()
    def places_add_up(self) -> None:
        with self.db.session() as session:
            network = {s.id: s for s in ledger.live_network(session, self.now)}
            statuses = {
                row.id: (row.status, row.version, row.updated_at)
                for row in session.execute(
                    select(
                        ReferralRow.id,
                        ReferralRow.status,
                        ReferralRow.version,
                        ReferralRow.updated_at,
                    )
                )
            }
            holds = {
                row.id: (row.status, row.expires_at, row.ended_at)
                for row in session.scalars(select(HoldRow))
            }
            placements = {
                row.id: (row.status, row.ended_at) for row in session.scalars(select(PlacementRow))
            }
        for shelter_id in MODEL_SHELTERS:
            assert self.free(shelter_id) >= 0
            assert network[shelter_id].free == self.free(shelter_id)
        assert statuses == {
            case: (self.status[case], self.version[case], self.updated[case])
            for case in self.status
        }
        assert holds == {i: (h.status, h.expires, h.ended) for i, h in self.holds.items()}
        assert placements == {i: (p.status, p.ended) for i, p in self.placements.items()}


def test_random_sequences_agree_with_the_model(database: Database) -> None:
    LedgerMachine.db = database
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# The shelters and cases of the hold-trouble property: every case is held at a shelter of
# TROUBLE_SHELTERS, and then the shelters and the cases change under the holds.
TROUBLE_SHELTERS = ("Q1", "Q2", "Q3")
TROUBLE_CASES = ("K1", "K2", "K3", "K4", "K5", "K6")


@dataclass(frozen=True)
class HeldCase:
    """One case of the hold-trouble property: where it is held, with how many children, how the
    hold ends (or not), and what changes about the case once it is held."""

    shelter: str
    children: int
    end: str  # "active", "expired" (made long ago), "confirmed" or "released"
    addiction: bool  # the case turns out to need addiction care (no shelter here offers it)
    avoids: str | None  # a case it turns out it must not live with


@dataclass(frozen=True)
class ShelterChange:
    """What shelter staff change once the holds are made: closed, places occupied by people
    the service does not place (cutting the places left), men only."""

    closed: bool
    occupied: int
    men_only: bool


held_cases = st.lists(
    st.builds(
        HeldCase,
        shelter=st.sampled_from(TROUBLE_SHELTERS),
        children=st.integers(0, 1),
        end=st.sampled_from(["active", "active", "active", "expired", "confirmed", "released"]),
        addiction=st.booleans(),
        avoids=st.none() | st.sampled_from(TROUBLE_CASES),
    ),
    min_size=1,
    max_size=len(TROUBLE_CASES),
)
shelter_changes = st.fixed_dictionaries(
    {
        shelter_id: st.builds(
            ShelterChange,
            closed=st.booleans(),
            occupied=st.integers(0, 4),
            men_only=st.booleans(),
        )
        for shelter_id in TROUBLE_SHELTERS
    }
)


class _Undone(Exception):
    """Raised to roll back a confirm that was only tried."""


def _confirm_says(db: Database, hold_id: str) -> ledger.HoldTrouble | None:
    """What a confirm of the hold, now, is refused for (rolled back either way): the reference
    for :func:`ledger.hold_troubles`, which must name the refusal before anyone travels."""
    with db.session() as session:
        found = session.get(HoldRow, hold_id)
        assert found is not None
        closed = session.execute(
            select(ShelterRow.closed).where(ShelterRow.id == found.shelter_id)
        ).scalar_one()
    try:
        with db.session() as session:
            ledger.confirm_hold(session, hold_id, now=NOW)
            raise _Undone
    except _Undone:
        return None
    except LedgerConflict as refused:
        if refused.code in ("hold_expired", "hold_not_active"):
            return None  # no trouble of the shelter's or the referral's making
        return ledger.HoldTrouble(refused.code, refused.reasons, closed)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cases=held_cases, changes=shelter_changes)
def test_the_troubles_of_many_holds_are_each_holds_own_and_what_a_confirm_says(
    database: Database, cases: list[HeldCase], changes: dict[str, ShelterChange]
) -> None:
    """The waiting list asks for every held case's trouble at once, the case's page for its own:
    both must say what a confirm of that hold would be refused for, whatever changed (the
    shelter closed, cut its places, takes only men; the case needs care it offers not, or must
    not live with someone there)."""
    with database.session() as session:
        session.execute(delete(PlacementRow))
        session.execute(delete(HoldRow))
        session.execute(delete(ReferralRow))
        session.execute(delete(ShelterRow).where(ShelterRow.id.in_(TROUBLE_SHELTERS)))
        for shelter_id in TROUBLE_SHELTERS:
            add_shelter(session, shelter(shelter_id, 4), NOW)
        for case_id, case in zip(TROUBLE_CASES, cases, strict=False):
            add_referral(session, victim(case_id, children=case.children), NOW)
    made: list[str] = []
    for case_id, case in zip(TROUBLE_CASES, cases, strict=False):
        at = NOW - timedelta(minutes=2 * MINUTES) if case.end == "expired" else NOW
        try:
            made.append(hold(database, case_id, case.shelter, at).id)
        except LedgerConflict:
            continue  # no room left there: this case is not held
        with database.session() as session:
            if case.end == "confirmed":
                ledger.confirm_hold(session, made[-1], now=NOW)
            elif case.end == "released":
                ledger.release_hold(session, made[-1], now=NOW)
    with database.session() as session:
        for case_id, case in zip(TROUBLE_CASES, cases, strict=False):
            session.execute(
                update(ReferralRow)
                .where(ReferralRow.id == case_id)
                .values(
                    conditions=["addiction"] if case.addiction else [],
                    avoid=[case.avoids] if case.avoids not in (None, case_id) else [],
                )
            )
        for shelter_id, change in changes.items():
            session.execute(
                update(ShelterRow)
                .where(ShelterRow.id == shelter_id)
                .values(
                    closed=change.closed,
                    occupied=change.occupied,
                    genders=["male"] if change.men_only else ["female", "male", "x"],
                )
            )

    asked = [*made, "H-unknown"]
    with database.session() as session:
        together = ledger.hold_troubles(session, asked, now=NOW)
    with database.session() as session:
        one_by_one = {
            hold_id: ledger.hold_troubles(session, [hold_id], now=NOW)[hold_id] for hold_id in made
        }
    assert together == one_by_one == {hold_id: _confirm_says(database, hold_id) for hold_id in made}


def test_hold_troubles_name_every_kind_of_trouble(db: Database) -> None:
    """A table of the kinds the desk is warned of, each from the hold's own shelter and case."""
    with db.session() as session:
        for shelter_id in ("T2", "T3", "T4"):
            add_shelter(session, shelter(shelter_id, 3), NOW)
        add_referral(session, victim("D"), NOW)
    places = {"A": "T1", "B": "T2", "C": "T3", "D": "T4"}
    made = {case: hold(db, case, at).id for case, at in places.items()}
    with db.session() as session:
        session.execute(update(ShelterRow).where(ShelterRow.id == "T2").values(closed=True))
        session.execute(update(ShelterRow).where(ShelterRow.id == "T3").values(occupied=3))
        session.execute(update(ShelterRow).where(ShelterRow.id == "T4").values(genders=["male"]))
    with db.session() as session:
        found = ledger.hold_troubles(session, list(made.values()), now=NOW)
    assert found == {
        made["A"]: None,
        made["B"]: ledger.HoldTrouble("no_room", ("capacity",), closed=True),
        made["C"]: ledger.HoldTrouble("no_room", ("capacity",), closed=False),
        made["D"]: ledger.HoldTrouble("rule_broken", ("gender",), closed=False),
    }
    with db.session() as session:
        assert ledger.hold_troubles(session, [], now=NOW) == {}
    # At its end a hold keeps nothing, and a confirm is refused as hold_expired: no trouble of the
    # shelter's making is left to warn of.
    expiry = NOW + timedelta(minutes=MINUTES)
    with db.session() as session:
        before = ledger.hold_troubles(session, [made["B"]], now=expiry - timedelta(microseconds=1))
        at_end = ledger.hold_troubles(session, [made["B"]], now=expiry)
    assert before == {made["B"]: ledger.HoldTrouble("no_room", ("capacity",), closed=True)}
    assert at_end == {made["B"]: None}
