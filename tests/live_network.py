"""A few shelters to store in a test service (beside the sample network it seeds), a scenario
on the live network, and the same network as a file.

A run on the live network is held to a run on the network file holding the same shelters (same
seed, same numbers): :func:`reference` is that file, written from the shelters as the admin lists
them, a closed one with no places. The scenario spans Christmas 2026, so that a shelter keeping
its office hours on holidays changes what happens.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.scenario_files import load_scenario
from engine.simulation.runner import run_scenario
from models.scenario_result import ScenarioResult
from models.shelter import Shelter

# Ids and a coordinate that appear nowhere else, so a search of any output finds only leaks.
OFFICE_ID = "QZUTRECHTOFFICE"
POINT_ID = "QZROTTERDAMPOINT"
CLOSED_ID = "QZAMSTERDAMCLOSED"
BEDS_ID = "QZUTRECHTBEDS"
POINT = (51.91731, 4.47713)
OFFICE = [{"days": "mon-fri", "start": "09:00", "end": "17:00"}]

# (contract fields, kind, holiday_intake, closed) of each stored shelter.
SHELTERS: list[tuple[dict[str, Any], str, bool, bool]] = [
    (
        {"id": OFFICE_ID, "location": {"municipality": "Utrecht"}, "capacity": 40, "occupied": 2,
         "genders": ["female", "x"], "children": True, "languages": ["nl", "en"],
         "intake": OFFICE},
        "women", True, False,
    ),
    (
        {"id": POINT_ID, "location": {"lat": POINT[0], "lon": POINT[1]}, "capacity": 6,
         "occupied": 1, "genders": ["male"], "languages": ["nl", "en"], "intake": OFFICE},
        "men", False, False,
    ),
    (
        {"id": CLOSED_ID, "location": {"municipality": "Amsterdam"}, "capacity": 5,
         "languages": ["nl", "en"]},
        "omm", False, True,
    ),
    (
        {"id": BEDS_ID, "location": {"municipality": "Utrecht"}, "capacity": 3,
         "languages": ["nl", "en"]},
        "emergency", False, False,
    ),
]  # fmt: skip

LIVE_YAML = """\
# A live scenario for the tests: Christmas 2026 in two police units, a raid on Christmas Day.
name: Live Christmas
start: 2026-12-14
horizon_days: 28
warmup_days: 4
seed: 11
replications: 3
network: {live: true}
demand:
  arrivals_per_week: {Midden-Nederland: 6, Rotterdam: 3}
length_of_stay:
  default: {distribution: fixed, days: 3}
fallback: {emergency_kind: emergency, give_up_days: 6}
events:
  - {type: capacity, where: {kind: men}, percent: 50, from_day: 10}
  - {type: surge, day: 11, hour: 10, municipality: Utrecht, victims: 30}
"""


def bodies() -> list[dict[str, Any]]:
    """The shelters as an admin creates them through the API."""
    return [
        {**fields, "kind": kind, "holiday_intake": holidays, "closed": closed}
        for fields, kind, holidays, closed in SHELTERS
    ]


def reference(
    folder: Path, stored: list[dict[str, Any]], *, holidays: bool = True
) -> ScenarioResult:
    """The live scenario run on a network file of the shelters ``stored`` (as the admin lists
    them), each with the places in use as reported and held or placed through the service, a
    closed one with no places at all since it takes nobody in (``holidays`` False: the file
    leaves out which shelters keep their hours on holidays)."""
    fields = set(Shelter.model_fields) - {"residents"}
    shelters = []
    for item in stored:
        shelter = {key: value for key, value in item.items() if key in fields}
        in_use = item["occupied"] + item["held"] + item["placed"]
        shelter["occupied"] = min(item["capacity"], in_use)
        if item["closed"]:
            shelter |= {"capacity": 0, "occupied": 0}
        shelters.append({key: value for key, value in shelter.items() if value is not None})
    kinds: dict[str, list[str]] = {}
    for item in stored:
        if item["kind"] is not None:
            kinds.setdefault(item["kind"], []).append(item["id"])
    network = {
        "shelters": shelters,
        "kinds": kinds,
        "holiday_intake": [item["id"] for item in stored if item["holiday_intake"] and holidays],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network.json").write_text(json.dumps(network))
    path = folder / "reference.yaml"
    path.write_text(LIVE_YAML.replace("{live: true}", "{file: network.json}"))
    loaded = load_scenario(path)
    return run_scenario(
        loaded.scenario, loaded.shelters, loaded.kinds, holiday_intake=loaded.holiday_intake
    )


# What a live result leaves out, or cannot share with a run on a file.
WITHHELD = {"shelters", "capacity", "occupancy", "live_network_at", "elapsed_seconds"}


def leaks(output: str) -> list[str]:
    """Every stored shelter id and coordinate (its own or its municipality's) found in
    ``output``."""
    from models import gazetteer

    found = [shelter_id for shelter_id in (OFFICE_ID, POINT_ID, CLOSED_ID, BEDS_ID)
             if shelter_id in output]  # fmt: skip
    places = [gazetteer.resolve(name) for name in ("Utrecht", "Amsterdam")]
    numbers = [*POINT, *(p.lat for p in places), *(p.lon for p in places)]
    return found + [str(number) for number in numbers if str(number) in output]
