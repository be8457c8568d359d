"""The scenario schema: strict, with errors that name the field path and what is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import InvalidInput
from models.scenario import (
    MAX_ARRIVALS,
    MAX_ARRIVALS_IN_ALL,
    FixedStay,
    Scenario,
    replications_problem,
    validate_scenario,
)

MINIMAL: dict[str, Any] = {"name": "x", "demand": {"arrivals_per_week": {"Amsterdam": 2}}}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        validate_scenario(data)
    return [str(p) for p in caught.value.problems]


def with_(**changes: Any) -> dict[str, Any]:
    return {**MINIMAL, **changes}


def test_a_minimal_scenario_gets_calibrated_defaults() -> None:
    scenario = validate_scenario(MINIMAL)
    assert scenario.horizon_days == 365
    assert scenario.policy.kind == "rank"
    assert scenario.fallback.emergency_max_days == 3
    assert len(scenario.demand.hour_profile) == 24
    assert "cosm" in scenario.length_of_stay
    # Set intake hours take nobody in on a public holiday unless the planner says otherwise.
    assert scenario.public_holiday_intake == "closed"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (with_(horizon_dayz=3), "horizon_dayz: unknown field"),
        (
            {"name": "x", "demand": {"arrivals_per_week": {"Amsterdm": 1}}},
            "demand.arrivals_per_week.Amsterdm: unknown police unit 'Amsterdm' "
            "(did you mean 'Amsterdam'?)",
        ),
        (with_(policy={"kind": "rnk"}), "policy.kind: Input should be 'rank', 'batch' or 'greedy'"),
        (
            with_(length_of_stay={"default": {"distribution": "fixed", "dayz": 3}}),
            "length_of_stay.default.dayz: unknown field",
        ),
        (
            with_(events=[{"type": "surge", "day": 3, "municipality": "Roterdam", "victims": 3}]),
            "events[0].municipality: unknown municipality 'Roterdam'",
        ),
        (
            with_(events=[{"type": "capacity", "where": {"police_unit": "Limburg", "kind": "men"},
                           "percent": -40}]),
            "events[0].where: name exactly one of police_unit, province, programme, kind or "
            "shelter (got police_unit, kind)",
        ),
        (
            with_(events=[{"type": "capacity", "where": {"province": "Noord-Holland"},
                           "percent": -40, "from_day": 60, "to_day": 50}]),
            "events[0].to_day: must be later than from_day",
        ),
        (with_(warmup_days=400), "warmup_days: must be shorter than horizon_days"),
        (
            with_(events=[{"type": "closure", "shelter": "S1", "from_day": 500}]),
            "events[0].from_day: day 500 is past the horizon",
        ),
        (
            with_(demand={"arrivals_per_week": {}, "mix": {"conditions": {"adiction": 0.2}}}),
            "demand.mix.conditions.adiction: unknown condition 'adiction' "
            "(did you mean 'addiction'?)",
        ),
        (with_(events=[{"type": "raid", "day": 1}]), "events[0]: Input tag 'raid' found using"),
        (with_(length_of_stay={"cosm": {"distribution": "fixed", "days": 90}}),
         "length_of_stay: needs a 'default' entry"),
    ],
)  # fmt: skip
def test_every_problem_names_its_field_path(data: dict[str, Any], expected: str) -> None:
    assert any(problem.startswith(expected) for problem in problems(data)), problems(data)


@pytest.mark.parametrize("value", ["open", "Closed", True, None])
def test_a_public_holiday_intake_other_than_closed_or_as_usual_is_refused(value: object) -> None:
    assert problems(with_(public_holiday_intake=value)) == [
        "public_holiday_intake: Input should be 'closed' or 'as_usual'"
    ]


def test_all_problems_are_reported_at_once() -> None:
    found = problems(with_(horizon_days=0, seed=-1, policy={"batch_hours": 0}))
    assert {p.split(":")[0] for p in found} == {"horizon_days", "seed", "policy.batch_hours"}


def test_numbers_as_text_are_refused() -> None:
    assert problems(with_(horizon_days="365"))[0].startswith("horizon_days:")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_and_infinity_are_not_numbers_a_scenario_can_use(value: float) -> None:
    found = problems(with_(demand={"arrivals_per_week": {"Amsterdam": value}}))
    assert found == ["demand.arrivals_per_week.Amsterdam: must be a number, not .nan or .inf"]


SURGE: dict[str, Any] = {"type": "surge", "day": 3, "municipality": "Rotterdam", "victims": 1000}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (with_(demand={"arrivals_per_week": {}}), "demand.arrivals_per_week: no one arrives"),
        (with_(demand={"arrivals_per_week": {"Amsterdam": 0}}),
         "demand.arrivals_per_week: no one arrives"),
        # The KPIs count arrivals after the warm-up only.
        (with_(demand={"arrivals_per_week": {}}, warmup_days=5, events=[SURGE]),
         "demand.arrivals_per_week: no one arrives after the warm-up"),
        (with_(horizon_days=30, demand={"arrivals_per_week": {"Amsterdam": 10000}}),
         "demand.arrivals_per_week: about 42,857 arrivals per replication (42,857 from "
         "arrivals_per_week over horizon_days, 0 in surge events); at most 20,000"),
        (with_(events=[SURGE] * 21), "events: about 21,104 arrivals per replication"),
        (with_(warmup_days=5, events=[SURGE]), "events[0].day: day 3 lies in the warm-up, whose "
         "arrivals are not measured: give day 5 or later, or fewer warmup_days"),
        (with_(events=[{**SURGE, "victims": 10000}]), "events[0].victims: Input should be less"),
        (with_(events=[SURGE] * 20001), "events: List should have at most 500 items"),
        (with_(replications=10000), "replications: 10,000 replications of about 104 arrivals "
         "each are more than the 500,000 arrivals a run may simulate; at most 4,794"),
    ],
)  # fmt: skip
def test_a_scenario_simulates_someone_but_not_too_many(data: dict[str, Any], expected: str) -> None:
    assert any(problem.startswith(expected) for problem in problems(data)), problems(data)


def test_a_replication_count_from_elsewhere_is_held_to_the_same_bound() -> None:
    scenario = validate_scenario(with_(horizon_days=3500))  # 1,000 arrivals a replication
    assert replications_problem(scenario, MAX_ARRIVALS_IN_ALL // 1000) is None
    too_many = replications_problem(scenario, MAX_ARRIVALS_IN_ALL // 1000 + 1)
    assert too_many is not None
    assert too_many.endswith("at most 500")


def test_dates_read_from_json_text() -> None:
    assert str(validate_scenario(with_(start="2026-03-02")).start) == "2026-03-02"


def test_a_start_is_in_the_years_a_moment_may_lie_in() -> None:
    """Each hour of a run becomes a Dutch time; the calendar's ends allow none (year 9999)."""
    assert problems(with_(start="9999-12-01")) == [
        "start: Input should be less than or equal to 2999-12-31"
    ]
    assert problems(with_(start="0001-01-01")) == [
        "start: Input should be greater than or equal to 1970-01-01"
    ]
    assert str(validate_scenario(with_(start="2999-12-31")).start) == "2999-12-31"


def test_a_scenario_round_trips_through_json() -> None:
    scenario = validate_scenario(
        with_(length_of_stay={"default": {"distribution": "fixed", "days": 2}})
    )
    again = Scenario.model_validate_json(scenario.model_dump_json())
    assert again == scenario
    assert isinstance(again.length_of_stay["default"], FixedStay)


def test_the_json_schema_lists_every_event_type() -> None:
    schema = Scenario.model_json_schema()
    text = str(schema)
    for kind in ("capacity", "closure", "intake", "surge", "add_places"):
        assert f"'{kind}'" in text
    assert schema["additionalProperties"] is False


DUTCH: dict[str, Any] = {"name": "Inval", "description": "Dertig slachtoffers in één ochtend."}


def test_a_translation_gives_the_name_and_description_in_its_language_only() -> None:
    scenario = validate_scenario(
        with_(name="Raid", description="Thirty victims in one morning.", translations={"nl": DUTCH})
    )
    assert scenario.titles("nl") == ("Inval", "Dertig slachtoffers in één ochtend.")
    assert scenario.titles("en") == ("Raid", "Thirty victims in one morning.")
    assert Scenario.model_validate_json(scenario.model_dump_json()) == scenario


def test_a_scenario_without_translations_shows_its_own_name_in_every_language() -> None:
    scenario = validate_scenario(with_(description="As it is."))
    assert scenario.translations == {}
    assert scenario.titles("nl") == scenario.titles("en") == ("x", "As it is.")


def test_a_scenario_without_a_description_needs_none_translated() -> None:
    scenario = validate_scenario(with_(translations={"nl": {"name": "Inval"}}))
    assert scenario.titles("nl") == ("Inval", "")


@pytest.mark.parametrize(
    ("translations", "expected"),
    [
        ({"de": DUTCH}, ["translations.de: unknown language 'de': the pages are written in "
                         "nl (Dutch) and en (English)"]),
        ({"NL": DUTCH}, ["translations.NL: unknown language 'NL' (did you mean 'nl'?): the pages "
                         "are written in nl (Dutch) and en (English)"]),
        ({"dutch": DUTCH}, ["translations.dutch: unknown language 'dutch': the pages are written "
                            "in nl (Dutch) and en (English)"]),
        ({"nl": {"description": "Dertig."}}, ["translations.nl.name: required field is missing"]),
        ({"nl": {"name": "Inval"}}, ["translations.nl.description: the scenario has a "
                                     "description: give it in this language too"]),
        ({"nl": {**DUTCH, "naam": "Inval"}}, ["translations.nl.naam: unknown field"]),
        ({"nl": {**DUTCH, "name": ""}},
         ["translations.nl.name: String should have at least 1 character"]),
        ({"nl": {**DUTCH, "name": "x" * 121}},
         ["translations.nl.name: String should have at most 120 characters"]),
        ({"nl": {**DUTCH, "description": 3}},
         ["translations.nl.description: Input should be a valid string"]),
        ({"nl": "Inval"}, ["translations.nl: expected an object"]),
        (["nl"], ["translations: expected an object"]),
    ],
)  # fmt: skip
def test_a_bad_translation_is_refused_at_its_field(translations: Any, expected: list[str]) -> None:
    assert problems(with_(description="Thirty.", translations=translations)) == expected


def accepted(data: dict[str, Any]) -> bool:
    """Whether ``data`` validates as a scenario."""
    try:
        validate_scenario(data)
    except InvalidInput:
        return False
    return True


CUT: dict[str, Any] = {"type": "capacity", "where": {"kind": "men"}, "percent": -50}


@given(st.integers(0, 40), st.integers(0, 40))
def test_a_period_ends_after_it_begins(from_day: int, to_day: int) -> None:
    """``from_day <= day < to_day``: a period whose end is not after its start covers no day."""
    data = with_(events=[{**CUT, "from_day": from_day, "to_day": to_day}])
    if to_day > from_day:
        assert accepted(data)
    else:
        assert problems(data) == ["events[0].to_day: must be later than from_day"]


@given(st.integers(1, 40), st.integers(0, 40))
def test_a_warm_up_is_shorter_than_the_horizon(horizon: int, warmup: int) -> None:
    """A warm-up as long as the horizon leaves no day to measure."""
    data = with_(horizon_days=horizon, warmup_days=warmup)
    if warmup < horizon:
        assert accepted(data)
    else:
        assert problems(data) == ["warmup_days: must be shorter than horizon_days"]


@given(st.integers(1, 40), st.integers(0, 40))
def test_an_event_begins_within_the_horizon(horizon: int, day: int) -> None:
    """Day ``horizon_days`` is the first day after the run: an event from then on changes
    nothing, and a surge then brings nobody into the result."""
    surge = {**SURGE, "day": day, "victims": 3}
    for event, field in (({**CUT, "from_day": day}, "from_day"), (surge, "day")):
        data = with_(horizon_days=horizon, events=[event])
        if day < horizon:
            assert accepted(data)
        else:
            assert problems(data) == [f"events[0].{field}: day {day} is past the horizon"]


@given(st.integers(0, 20), st.integers(0, 20))
def test_a_surge_on_the_first_measured_day_is_measured(warmup: int, day: int) -> None:
    """Arrivals from day ``warmup_days`` on are measured: a surge then is someone to simulate,
    one in the warm-up is in no result."""
    data = with_(
        horizon_days=30,
        warmup_days=warmup,
        demand={"arrivals_per_week": {}},
        events=[{**SURGE, "day": day, "victims": 3}],
    )
    if day >= warmup:
        assert accepted(data)
    else:
        assert problems(data) == [
            "demand.arrivals_per_week: no one arrives after the warm-up: give a police unit a "
            "rate above 0 or add a surge event",
            f"events[0].day: day {day} lies in the warm-up, whose arrivals are not measured: "
            f"give day {warmup} or later, or fewer warmup_days",
        ]


def test_a_replication_may_simulate_exactly_the_most_arrivals() -> None:
    """20 surges of 1,000 are the 20,000 arrivals a replication may simulate; one more is not."""
    most = with_(demand={"arrivals_per_week": {}}, replications=1, events=[SURGE] * 20)
    assert validate_scenario(most).expected_arrivals == MAX_ARRIVALS
    more = {**most, "events": [*most["events"], {**SURGE, "victims": 1}]}
    assert problems(more) == [
        "events: about 20,001 arrivals per replication (0 from arrivals_per_week over "
        "horizon_days, 20,001 in surge events); at most 20,000 can be simulated"
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"length_of_stay": {"default": {"distribution": "uniform", "min_days": 5, "max_days": 5}}},
        {"events": [{**CUT, "percent": 0, "places": 2}]},
        {"events": [{**CUT, "percent": 20}]},
        {"events": [{"type": "intake", "where": {"police_unit": "Limburg"}, "intake": "office"}]},
        {"demand": {"arrivals_per_week": {"Amsterdam": 2}, "danger_zones": {"share": 0,
                                                                            "min_km": {"50": 0}}}},
        {"demand": {"arrivals_per_week": {"Amsterdam": 2},
                    "danger_zones": {"min_km": {"2000": 1, "0.5": 0}}}},
        {"demand": {"arrivals_per_week": {"Amsterdam": 2}, "mix": {
            "gender": {"female": 1, "male": 0}, "priority_weights": [0, 0, 1],
            "exploitation": {"male": {"labour": 1, "sexual": 0}}}}},
        {"fallback": {"give_up_days": 1}},
        {"network": {"live": True}, "events": [{**CUT, "where": {"police_unit": "Limburg"}}]},
    ],
    ids=["stays-of-one-length", "places-only", "percent-only", "intake-by-unit",
         "no-danger-zones", "distances-at-their-bounds", "some-weights-0", "give-up-after-a-day",
         "live-by-unit"],
)  # fmt: skip
def test_a_value_at_its_bound_is_accepted(changes: dict[str, Any]) -> None:
    assert accepted(with_(**changes))


DEMAND: dict[str, Any] = {"arrivals_per_week": {"Amsterdam": 2}}
ONE_SHELTER = (
    "a run on the live network cannot select a single shelter: select by police_unit, province, "
    "programme or kind"
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"length_of_stay": {"default": {"distribution": "uniform", "min_days": 5,
                                         "max_days": 4}}},
         "length_of_stay.default.max_days: must be at least min_days"),
        ({"events": [{**CUT, "percent": 0}]},
         "events[0]: give percent or places (a change of 0 does nothing)"),
        ({"events": [{**CUT, "where": {}}]},
         "events[0].where: name exactly one of police_unit, province, programme, kind or "
         "shelter"),
        ({"network": {"live": True, "file": "network.json"}},
         "network.live: give a network file or live: true, not both"),
        ({"network": {"live": True}, "events": [{"type": "closure", "shelter": "S1"}]},
         f"events[0].shelter: {ONE_SHELTER}"),
        ({"network": {"live": True}, "events": [{**CUT, "where": {"shelter": "S1"}}]},
         f"events[0].where.shelter: {ONE_SHELTER}"),
        ({"network": {"live": True},
          "events": [{"type": "intake", "where": {"shelter": "S1"}, "intake": "office"}]},
         f"events[0].where.shelter: {ONE_SHELTER}"),
        ({"demand": {**DEMAND, "mix": {"gender": {"female": 0, "male": 0}}}},
         "demand.mix.gender: at least one gender needs a weight above 0"),
        ({"demand": {**DEMAND, "mix": {"priority_weights": [0, 0, 0]}}},
         "demand.mix.priority_weights: at least one weight must be above 0"),
        ({"demand": {**DEMAND, "mix": {"exploitation": {"minor": {"sexual": 0}}}}},
         "demand.mix.exploitation.minor: at least one weight must be above 0"),
        ({"demand": {**DEMAND, "danger_zones": {"min_km": {"50": 0}}}},
         "demand.danger_zones.min_km: at least one distance needs a weight above 0"),
        ({"demand": {**DEMAND, "danger_zones": {"min_km": {"0": 1, "50": 1}}}},
         "demand.danger_zones.min_km.0: a distance must be above 0 and at most 2000"),
        ({"demand": {**DEMAND, "danger_zones": {"min_km": {"2001": 1, "50": 1}}}},
         "demand.danger_zones.min_km.2001: a distance must be above 0 and at most 2000"),
        ({"demand": {**DEMAND, "danger_zones": {"min_km": {"far": 1, "50": 1}}}},
         "demand.danger_zones.min_km.far: a key must be a distance in km, e.g. '50'"),
        ({"demand": {**DEMAND, "hour_profile": [0] * 24}},
         "demand.hour_profile: at least one hour needs a weight above 0"),
        ({"demand": {**DEMAND, "weekday_profile": [0] * 7}},
         "demand.weekday_profile: at least one day needs a weight above 0"),
        ({"fallback": {"give_up_days": 0}},
         "fallback.give_up_days: Input should be greater than or equal to 1"),
    ],
    ids=["stays-reversed", "change-of-0", "where-nothing", "live-and-file", "live-closure",
         "live-capacity-at-one", "live-intake-at-one", "genders-0", "priorities-0",
         "exploitation-0", "distances-0", "distance-0", "distance-too-far", "distance-no-number",
         "hours-0", "weekdays-0", "give-up-at-once"],
)  # fmt: skip
def test_a_wrong_value_is_refused_at_its_field_saying_what_is_wrong(
    changes: dict[str, Any], expected: str
) -> None:
    assert problems(with_(**changes)) == [expected]
