"""The simulator's rules one at a time, each on a case small enough to work out by hand.

Every test here holds one rule of the hour-by-hour run or of the drawn arrivals that the larger
scenarios could break without any KPI moving visibly: who the queue serves first, which hours
count as nights, how long an emergency bed lasts, when a missed placement is put down to intake
hours, how initial residents leave, where a late surge lands and that priorities are drawn; on
which days an event's places count and which shelters it selects, how long each placed person
stays, and which shelter each policy of the desk picks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.simulation.arrivals import draw_arrivals
from engine.simulation.kpis import PersonRecord
from engine.simulation.network import build_network
from engine.simulation.run import Replication, prepare, simulate
from engine.simulation.stays import stay_hours
from engine.simulation.timeline import selected
from models import gazetteer
from models.intake import IntakeWindow
from models.location import Location
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario import Scenario, Where
from models.shelter import Shelter
from tests.scenario_helpers import OFFICE, PLAIN_MIX, one_shelter, tiny

URGENT_MIX: dict[str, Any] = {**PLAIN_MIX, "priority_weights": [0, 0, 1]}
MIDDEN = 2  # Midden-Nederland, the police unit of Utrecht, in the occupancy series
BEDS = {"E1": "emergency"}  # the kind of the emergency shelter below


def emergency_beds(beds: int) -> Shelter:
    """An emergency shelter in Utrecht: a bed for a few nights, never a placement."""
    return Shelter(id="E1", location=Location(municipality="Utrecht"), capacity=beds)


def surge(day: int, hour: int, victims: int = 1, mix: dict[str, Any] = PLAIN_MIX) -> dict[str, Any]:
    """Women found in Utrecht at ``hour`` on ``day``, all in that hour."""
    return {"type": "surge", "day": day, "hour": hour, "municipality": "Utrecht",
            "victims": victims, "mix": mix}  # fmt: skip


def people(
    scenario: Scenario, shelters: list[Shelter], kinds: dict[str, str]
) -> list[PersonRecord]:
    """What happened to each person of one replication, in order of arrival."""
    replication = Replication(prepare(scenario, shelters, kinds), 1, None, check=True)
    replication.run()
    return replication.records


def test_the_queue_serves_the_most_urgent_first_and_then_the_longest_waiting() -> None:
    # One place, taken at 10:00 by A until hour 58. Then B (priority 1, 11:00), C and D (both
    # priority 3, 12:00 and 13:00) wait: at hour 58 the place goes to C, the most urgent who has
    # waited longest. B and D give up (hours 83 and 85) before C's stay ends (hour 106).
    scenario = tiny(
        events=[surge(0, 10), surge(0, 11), surge(0, 12, mix=URGENT_MIX),
                surge(0, 13, mix=URGENT_MIX)],
    )  # fmt: skip
    prepared = prepare(scenario, one_shelter(), {})
    arrivals = draw_arrivals(scenario, prepared.clock, 1)
    assert [(a.hour, a.victim.priority) for a in arrivals] == [(10, 1), (11, 1), (12, 3), (13, 3)]
    records = people(scenario, one_shelter(), {})
    assert [r.placed for r in records] == [10, -1, 58, -1]
    assert [r.left for r in records] == [-1, 83, -1, 85]


def test_someone_placed_from_an_emergency_bed_spends_no_hotel_night() -> None:
    # Emergency beds for 3 days (until hour 82), stays of 2 days, one place. A2 is placed at
    # hour 58, still in her bed: 2 emergency nights (midnights 24, 48) and no hotel night. A3 is
    # placed at hour 106: 3 emergency nights (24, 48, 72), then a hotel from 82: 1 night (96).
    shelters = [*one_shelter(), emergency_beds(3)]
    scenario = tiny(fallback={"emergency_max_days": 3, "hotel_share": 1.0, "give_up_days": 5})
    records = people(scenario, shelters, BEDS)
    assert [r.placed for r in records] == [10, 58, 106]
    assert [dict(r.nights) for r in records] == [
        {},
        {"emergency": 2, "hotel": 0},
        {"emergency": 3, "hotel": 1},
    ]
    outcome = simulate(prepare(scenario, shelters, BEDS), 1, check=True)
    assert (outcome.values["emergency_nights"], outcome.values["hotel_nights"]) == (5.0, 1.0)


def test_a_placement_at_midnight_does_not_count_that_night() -> None:
    # Intakes all day on weekdays; found on Saturday 10 January at 10:00 (hour 130), she is
    # placed on Monday at 00:00 (hour 168): the nights of Saturday and Sunday are at midnights
    # 144 and 168, and she sleeps the second in the shelter. One night in a hotel, or, with an
    # emergency bed for 3 days (until hour 202), one night in that bed.
    weekdays = one_shelter(intake=[IntakeWindow(days="mon-fri", start="00:00", end="24:00")])
    for emergency_days, nights in (
        (0, {"emergency": 0, "hotel": 1}),
        (3, {"emergency": 1, "hotel": 0}),
    ):
        scenario = tiny(
            events=[surge(5, 10)],
            fallback={"emergency_max_days": emergency_days, "hotel_share": 1.0, "give_up_days": 5},
        )
        (record,) = people(scenario, [*weekdays, emergency_beds(1)], BEDS)
        assert (record.arrival, record.placed) == (130, 168)
        assert dict(record.nights) == nights, emergency_days


def test_an_emergency_bed_ends_exactly_the_set_days_after_it_was_taken() -> None:
    # One place, stays of 2 days, one emergency bed, for 1 day. A1 and A2 are found at midnight
    # on day 0: A2 holds the bed for hours 0-23 (the night at midnight 0), then sleeps in a
    # hotel (the night at 24) until placed at hour 48. A3, found at hour 24, gets the bed A2
    # has just left, for the night at 24, then a hotel (48, 72) until A2 leaves at hour 96.
    scenario = tiny(
        events=[surge(0, 0, victims=2), surge(1, 0)],
        fallback={"emergency_max_days": 1, "hotel_share": 1.0, "give_up_days": 4},
    )
    records = people(scenario, [*one_shelter(), emergency_beds(1)], BEDS)
    assert [r.placed for r in records] == [0, 48, 96]
    assert [dict(r.nights) for r in records] == [
        {},
        {"emergency": 1, "hotel": 1},
        {"emergency": 1, "hotel": 2},
    ]


def test_a_wait_for_the_next_batch_is_not_put_down_to_intake_hours() -> None:
    # Two shelters with room: one taking intakes day and night, one office hours only. Found on
    # Saturday at 10:00 (hour 130) between two batches, she waits for the batch at hour 132 and
    # is placed in the open shelter then: an open shelter fitted her, so intake hours cost her
    # nothing, although a shelter closed for intakes had room too.
    office = one_shelter(intake=OFFICE)[0].model_copy(update={"id": "S2"})
    shelters = [*one_shelter(), office]
    scenario = tiny(
        events=[surge(5, 10)],
        policy={"kind": "batch", "batch_hours": 6},
        fallback={"emergency_kind": None, "hotel_share": 1.0, "give_up_days": 5},
    )
    (record,) = people(scenario, shelters, {})
    assert (record.arrival, record.placed) == (130, 132)
    assert not record.intake_missed
    outcome = simulate(prepare(scenario, shelters, {}), 1, check=True)
    assert outcome.values["intake_hours_missed"] == 0.0


def test_initial_residents_leave_spread_over_one_full_stay() -> None:
    # Forty residents at the start and stays of exactly 10 days: each has already stayed some
    # part of hers, so they leave one by one over the first 10 days, not all on day 10.
    shelters = [
        Shelter(id="S1", location=Location(municipality="Utrecht"), capacity=40, occupied=40)
    ]
    scenario = tiny(
        horizon_days=12,
        events=[surge(11, 10)],
        length_of_stay={"default": {"distribution": "fixed", "days": 10}},
    )
    outcome = simulate(prepare(scenario, shelters, {}), 1, check=True)
    occupancy = outcome.occupancy[:11, MIDDEN]
    assert np.all(np.diff(occupancy) <= 0)
    assert occupancy[10] == 0  # nobody stays longer than one full stay
    assert 10 <= occupancy[5] <= 30  # about half are gone halfway
    assert len(set(occupancy.tolist())) > 5


def test_a_surge_spread_past_the_horizon_arrives_in_its_last_hour() -> None:
    # A three-day horizon ends at hour 72; a surge from 22:00 on day 2 over 3 hours would reach
    # hour 72, so its last people arrive in hour 71, the last of the horizon.
    scenario = tiny(
        horizon_days=3,
        events=[{**surge(2, 22, victims=3), "spread_hours": 3}],
    )
    clock = prepare(scenario, one_shelter(), {}).clock
    assert [a.hour for a in draw_arrivals(scenario, clock, 1)] == [70, 71, 71]


def test_priorities_are_drawn_from_the_mix() -> None:
    for weights, expected in (([0, 1, 0], {2}), ([0, 0, 1], {3}), ([1, 1, 1], {1, 2, 3})):
        mix = {**PLAIN_MIX, "priority_weights": weights}
        scenario = tiny(events=[surge(0, 10, victims=30, mix=mix)])
        clock = prepare(scenario, one_shelter(), {}).clock
        drawn = {a.victim.priority for a in draw_arrivals(scenario, clock, 1)}
        assert drawn == expected, weights


HORIZON = 8


@st.composite
def place_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to three capacity changes and closures of the one shelter, and new places in its
    police unit, each for some days."""
    events: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.integers(0, HORIZON - 1))
        period: dict[str, Any] = {"from_day": first}
        if draw(st.booleans()):
            period["to_day"] = draw(st.integers(first + 1, HORIZON + 2))
        kind = draw(st.sampled_from(["places", "percent", "closure", "add_places"]))
        if kind == "add_places":
            new = {"police_unit": "Midden-Nederland", "gender": "female", "places": 2}
            events.append({"type": "add_places", **new, **period})
        elif kind == "closure":
            events.append({"type": "closure", "shelter": "S1", **period})
        else:
            change = (
                draw(st.sampled_from([-3, -1, 1, 2]))
                if kind == "places"
                else draw(st.sampled_from([-100.0, -50.0, 50.0, 100.0]))
            )
            events.append({"type": "capacity", "where": {"shelter": "S1"}, kind: change, **period})
    return events


@settings(max_examples=40, deadline=None)
@given(capacity=st.integers(0, 6), events=place_events())
def test_the_places_of_each_day_are_the_base_changed_by_the_events_active_that_day(
    capacity: int, events: list[dict[str, Any]]
) -> None:
    """An event counts from its from_day up to, not including, its to_day; changes add up,
    percentages on the base first, a closure leaves no place, places never go below zero, and
    new places are there in their event's days only; to the horizon's last day, also after the
    last thing happened in it."""
    scenario = tiny(horizon_days=HORIZON, events=[*events, surge(0, 10)])
    outcome = simulate(prepare(scenario, one_shelter(capacity=capacity), {}), 1, check=True)
    for day in range(HORIZON):
        active = [e for e in events if e["from_day"] <= day < e.get("to_day", HORIZON + 99)]
        changes = [e for e in active if e["type"] == "capacity"]
        percent = sum(e.get("percent", 0.0) for e in changes)
        places = sum(e.get("places", 0) for e in changes)
        expected = max(0, round(capacity * (1 + percent / 100)) + places)
        if any(e["type"] == "closure" for e in active):
            expected = 0
        expected += sum(e["places"] for e in active if e["type"] == "add_places")
        assert outcome.capacity[day, MIDDEN] == expected, (day, active)


def test_an_event_ending_on_the_last_day_of_the_cool_down_still_ends() -> None:
    # A three-day horizon and a day to give up in: the clock runs four days. The one shelter
    # is closed until day 3; a woman found in the horizon's last hour (71) is placed when it
    # opens at hour 72, in the cool-down, and does not leave the queue unplaced at hour 95.
    scenario = tiny(
        horizon_days=3,
        events=[{"type": "closure", "shelter": "S1", "to_day": 3}, surge(2, 23)],
        fallback={"emergency_kind": None, "hotel_share": 1.0, "give_up_days": 1},
    )
    (record,) = people(scenario, one_shelter(), {})
    assert (record.arrival, record.placed, record.left) == (71, 72, -1)


def test_a_where_clause_selects_the_shelters_of_its_region_programme_kind_or_id() -> None:
    # Amsterdam is a police unit of its own in the province of Noord-Holland: a province and a
    # police unit of one name select different shelters.
    kinds = sample_shelter_kinds()
    network = build_network(tiny(), sample_shelters(), kinds)
    places = [gazetteer.resolve(s.location.municipality or "") for s in sample_shelters()]
    where_of = {
        shelter.id: {
            "province": place.province,
            "police_unit": place.police_unit,
            "programme": shelter.programme,
            "kind": kinds.get(shelter.id) or shelter.programme or "other",
            "shelter": shelter.id,
        }
        for shelter, place in zip(sample_shelters(), places, strict=True)
    }
    for field in ("province", "police_unit", "programme", "kind", "shelter"):
        for value in {where[field] for where in where_of.values()} - {None}:
            chosen = selected(network, Where.model_validate({field: value}))
            expected = [where_of[s.id][field] == value for s in network.shelters]
            assert chosen.tolist() == expected, (field, value)
    amsterdam = Where(province="Noord-Holland"), Where(police_unit="Noord-Holland")
    assert selected(network, amsterdam[0]).sum() > selected(network, amsterdam[1]).sum() > 0


def test_each_placed_person_stays_their_own_quantile_of_the_stay_distribution() -> None:
    # Thirty women found at midnight on day 0, all placed at once in a shelter with room for
    # them, stays uniform between 1 and 9 days: the woman at quantile q leaves after
    # 1 + 8 q days, so the shelter empties gradually, one by one, not all on one day.
    scenario = tiny(
        horizon_days=12,
        events=[surge(0, 0, victims=30)],
        length_of_stay={"default": {"distribution": "uniform", "min_days": 1, "max_days": 9}},
    )
    prepared = prepare(scenario, one_shelter(capacity=30), {})
    arrivals = draw_arrivals(scenario, prepared.clock, 1)
    leaves = [round((1 + 8 * a.stay_quantile) * 24) for a in arrivals]
    occupancy = simulate(prepared, 1, check=True).occupancy[:, MIDDEN]
    assert occupancy.tolist() == [sum(hour > 24 * day for hour in leaves) for day in range(12)]
    assert len(set(occupancy.tolist())) > 5


def test_a_wait_for_a_full_shelter_is_not_put_down_to_its_intake_hours() -> None:
    # One office-hours place. A is found on Friday 9 January at 10:00 (hour 106) and takes it
    # for two days; B, found on Saturday at 10:00 (hour 130), finds it closed for intakes, but
    # also full: opening it on Saturday would not have helped her.
    scenario = tiny(events=[surge(4, 10), surge(5, 10)])
    records = people(scenario, one_shelter(intake=OFFICE), {})
    assert [(r.arrival, r.placed) for r in records] == [(106, 106), (130, 177)]
    assert [r.intake_missed for r in records] == [False, False]


def test_someone_leaving_while_a_closed_shelter_had_room_left_for_its_intake_hours() -> None:
    # One office-hours place, free. Found on Friday 9 January at 18:00, after office hours, she
    # gives up a day later, on Saturday at 18:00, with the place still free but closed.
    scenario = tiny(
        events=[surge(4, 18)],
        fallback={"emergency_kind": None, "hotel_share": 1.0, "give_up_days": 1},
    )
    outcome = simulate(prepare(scenario, one_shelter(intake=OFFICE), {}), 1, check=True)
    assert outcome.values["unmet"] == 1.0
    assert outcome.values["intake_hours_missed"] == 1.0
    assert outcome.unmet_by_reason == {"intake_hours": 1}


MEN_MIX: dict[str, Any] = {**PLAIN_MIX, "gender": {"male": 1.0}}


def test_someone_the_last_place_went_before_does_not_hold_up_who_comes_after() -> None:
    # A shelter in Utrecht taking anyone and one for men, a place each. Two women and then a man
    # are found at 10:00: the first woman takes the place for anyone, the second finds nothing
    # left, and the man still gets the men's place in that hour, not when she leaves at hour 58.
    men = Shelter(id="S2", location=Location(municipality="Utrecht"), capacity=1, genders=["male"])
    scenario = tiny(events=[surge(0, 10, victims=2), surge(0, 10, mix=MEN_MIX)])
    records = people(scenario, [*one_shelter(), men], {})
    assert [r.placed for r in records] == [10, 58, 10]


@pytest.mark.parametrize("policy", ["rank", "batch", "greedy"])
def test_the_desk_takes_the_engine_s_best_option_the_nearest_of_two_alike(policy: str) -> None:
    # Two shelters alike but for where they are, the one in Groningen listed first: a woman
    # found in Utrecht is placed in Utrecht, at no distance, by every policy.
    far = one_shelter()[0].model_copy(
        update={"id": "S0", "location": Location(municipality="Groningen")}
    )
    scenario = tiny(events=[surge(0, 12)], policy={"kind": policy, "batch_hours": 6})
    outcome = simulate(prepare(scenario, [far, *one_shelter()], {}), 1, check=True)
    assert outcome.values["placed"] == 1.0
    assert outcome.values["travel_km_mean"] == 0.0


def test_the_batch_desk_places_everyone_a_plan_can_where_one_at_a_time_cannot() -> None:
    # A place for anyone in Utrecht and one for women in Groningen; a woman and a man are found
    # in Utrecht at 12:00, a batch hour. Greedy, the woman first to the nearest place, leaves
    # the man waiting until her stay ends at hour 60; the batch desk plans them together: her
    # to Groningen, him to Utrecht, both at once.
    women = one_shelter()[0].model_copy(
        update={"id": "S0", "location": Location(municipality="Groningen"), "genders": ["female"]}
    )
    shelters = [women, *one_shelter()]
    placed = {}
    for policy in ("batch", "greedy"):
        scenario = tiny(
            events=[surge(0, 12), surge(0, 12, mix=MEN_MIX)],
            policy={"kind": policy, "batch_hours": 6},
        )
        placed[policy] = [r.placed for r in people(scenario, shelters, {})]
    assert placed == {"batch": [12, 12], "greedy": [12, 60]}


def test_the_rank_desk_weighs_specialisation_where_greedy_takes_the_nearest() -> None:
    # A woman exploited for sex is found in Utrecht: a shelter there without the specialisation
    # costs 25 (its weight), one in Zeist with it costs its distance, about 10 km. The ranking
    # the rank desk follows puts Zeist first; greedy, today's phone-around, takes Utrecht.
    specialised = one_shelter()[0].model_copy(
        update={"id": "S2", "location": Location(municipality="Zeist"),
                "specialisations": ["sexual"]}
    )  # fmt: skip
    mix = {**PLAIN_MIX, "exploitation": {"female": {"sexual": 1.0}}}
    shelters = [*one_shelter(), specialised]
    placed_in = {}
    for policy in ("rank", "greedy"):
        scenario = tiny(events=[surge(0, 10, mix=mix)], policy={"kind": policy})
        (record,) = people(scenario, shelters, {})
        placed_in[policy] = record.distance_km
    assert 0 < placed_in["rank"] < 25
    assert placed_in["greedy"] == 0.0


def test_even_the_shortest_stay_holds_its_place_for_an_hour() -> None:
    """The simulation counts whole hours: a stay of a few minutes still ends in a later hour
    than it began, never in the hour it was taken."""
    scenario = tiny(length_of_stay={"default": {"distribution": "fixed", "days": 0.01}})
    assert stay_hours(scenario, "women", None, 0.5) == 1
