"""Small scenarios for the simulation tests: a one-shelter network and a busy national one.

The tiny scenario has nothing random in it (fixed stays, arrivals only from a surge, one kind of
person), so its KPIs can be worked out by hand; the busy one exercises every event type in a few
simulated weeks, so conservation is checked where things actually happen.
"""

from __future__ import annotations

from typing import Any

from models.intake import Intake, IntakeWindow
from models.location import Location
from models.scenario import Scenario, validate_scenario
from models.shelter import Shelter

# One kind of person: an adult Dutch woman without children, conditions or danger zones.
PLAIN_MIX: dict[str, Any] = {
    "gender": {"female": 1.0},
    "minor_share": 0.0,
    "children": {"share_female": 0.0, "share_male": 0.0},
    "conditions": {},
    "pregnancy_share": 0.0,
    "dutch_share": 1.0,
    "priority_weights": [1, 0, 0],
}


def one_shelter(capacity: int = 1, intake: Intake = "24/7") -> list[Shelter]:
    """A single shelter in Utrecht that takes anyone."""
    return [
        Shelter(
            id="S1",
            location=Location(municipality="Utrecht"),
            capacity=capacity,
            intake=intake,
        )
    ]


def tiny(**changes: Any) -> Scenario:
    """Three women found in Utrecht at 10:00 on day 0, one place, stays of exactly two days."""
    data: dict[str, Any] = {
        "name": "tiny",
        "horizon_days": 10,
        "seed": 7,
        "demand": {"arrivals_per_week": {}, "mix": PLAIN_MIX, "danger_zones": {"share": 0.0}},
        "length_of_stay": {"default": {"distribution": "fixed", "days": 2}},
        "fallback": {"emergency_kind": None, "hotel_share": 1.0, "give_up_days": 3},
        "events": [
            {"type": "surge", "day": 0, "hour": 10, "municipality": "Utrecht", "victims": 3,
             "mix": PLAIN_MIX}
        ],
    }  # fmt: skip
    data.update(changes)
    return validate_scenario(data)


OFFICE: list[IntakeWindow] = [IntakeWindow(days="mon-fri", start="09:00", end="17:00")]


def busy(policy: str = "rank", horizon_days: int = 45) -> Scenario:
    """National demand at three times the usual rate with every kind of event, on the sample."""
    return validate_scenario(
        {
            "name": "busy",
            "horizon_days": horizon_days,
            "warmup_days": 5,
            "seed": 3,
            "network": {"share_open": {"women": 0.3}},
            "demand": {
                "arrivals_per_week": {
                    "Amsterdam": 10,
                    "Rotterdam": 10,
                    "Limburg": 5,
                    "Noord-Nederland": 5,
                }
            },
            "length_of_stay": {
                "default": {"distribution": "lognormal", "mean_days": 20, "sd_days": 10},
                "cosm": {"distribution": "uniform", "min_days": 5, "max_days": 30},
            },
            "policy": {"kind": policy, "batch_hours": 6},
            "fallback": {"emergency_max_days": 2, "give_up_days": 7},
            "events": [
                {
                    "type": "capacity",
                    "where": {"province": "Noord-Holland"},
                    "percent": -60,
                    "from_day": 3,
                    "to_day": 20,
                },
                {"type": "capacity", "where": {"kind": "men"}, "places": 2, "from_day": 10},
                {"type": "closure", "shelter": "S059", "from_day": 2, "to_day": 30},
                {
                    "type": "intake",
                    "where": {"police_unit": "Rotterdam"},
                    "intake": "office",
                    "from_day": 1,
                },
                {
                    "type": "surge",
                    "day": 5,
                    "municipality": "Rotterdam",
                    "victims": 25,
                    "spread_hours": 3,
                },
                {
                    "type": "add_places",
                    "police_unit": "Limburg",
                    "gender": "male",
                    "places": 3,
                    "from_day": 8,
                    "to_day": 25,
                },
            ],
        }
    )
