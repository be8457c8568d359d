"""Capacity aggregates: per police unit and profile, no shelter named; small counts withheld from
planners, shown to the desk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.regions import police_unit
from models.location import Location
from tests.api.helpers import Api, running_api


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def cells(api: Api, user: str) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    """The capacity cells seen by ``user``, by (police unit, gender, condition)."""
    body = api.ok(api.get(user, "/api/v1/capacity"))
    return {(c["police_unit"], c["gender"], c["condition"]): c for c in body}


def small(count: int | None) -> bool:
    """A count of one to four, which planners never see (README.md)."""
    return count is not None and 0 < count < 5


COUNTS = ("total", "free", "shelters", "emergency_total", "emergency_free")


def test_planners_never_see_a_count_of_one_to_four(api: Api) -> None:
    full = cells(api, "desk")
    seen = cells(api, "planner")
    assert set(seen) == set(full)
    suppressed = 0
    for key, cell in seen.items():
        exact = full[key]
        for count in COUNTS:
            assert not small(cell[count])
            assert cell[count] in (None, exact[count])
        for total, free in (("total", "free"), ("emergency_total", "emergency_free")):
            if cell[total] is not None and cell[free] is not None:
                assert not small(cell[total] - cell[free])
        assert cell["suppressed"] == (None in (cell["total"], cell["free"], cell["shelters"]))
        suppressed += cell["suppressed"]
    assert 0 < suppressed < len(seen)


def test_the_desk_sees_every_number(api: Api) -> None:
    full = cells(api, "desk")
    assert not any(cell["suppressed"] for cell in full.values())
    assert all(cell[count] is not None for cell in full.values() for count in COUNTS)
    assert any(small(cell["total"]) for cell in full.values())
    assert any(small(cell["emergency_total"]) for cell in full.values())


def test_the_admin_sees_every_number_the_desk_sees(api: Api) -> None:
    """Counts are withheld from planners only: the admin, who sees every shelter anyway, sees
    the small counts too."""
    full = cells(api, "desk")
    assert any(small(cell["total"]) for cell in full.values())
    assert cells(api, "admin") == full


def test_free_emergency_beds_are_told_apart_from_places_for_a_placement(api: Api) -> None:
    """A police unit whose shelters are full but for its emergency beds has free places, all of
    them emergency beds: none for a placement. A shelter of no kind is no emergency bed."""
    found = api.ok(api.get("admin", "/api/v1/shelters?limit=500"))
    unit = police_unit(
        Location.model_validate(next(s for s in found if s["id"] == "S023")["location"])
    )
    here = [s for s in found if police_unit(Location.model_validate(s["location"])) == unit]
    beds = {s["id"] for s in here if s["kind"] == "emergency"}
    assert beds == {"S023"}
    for shelter in here:
        if shelter["id"] not in beds:
            api.ok(
                api.patch("admin", f"/api/v1/shelters/{shelter['id']}/availability", {"free": 0})
            )
    s023 = next(s for s in here if s["id"] == "S023")
    assert s023["free"] > 0
    desk = {key: cell for key, cell in cells(api, "desk").items() if key[0] == unit}
    for (_, gender, condition), cell in desk.items():
        takes = gender in s023["genders"] and condition in (None, *s023["accepts"])
        assert cell["free"] == cell["emergency_free"] == (s023["free"] if takes else 0)
        assert cell["emergency_total"] == (s023["capacity"] if takes else 0)
        assert cell["total"] > cell["emergency_total"]
    api.ok(api.patch("admin", "/api/v1/shelters/S023", {"kind": None}))
    unsaid = {key: cell for key, cell in cells(api, "desk").items() if key[0] == unit}
    for key, cell in unsaid.items():
        assert (cell["emergency_free"], cell["emergency_total"]) == (0, 0)
        assert (cell["free"], cell["total"]) == (desk[key]["free"], desk[key]["total"])


def test_no_shelter_is_named(api: Api) -> None:
    text = api.get("planner", "/api/v1/capacity").text
    shelters = api.ok(api.get("admin", "/api/v1/shelters"))
    assert not [s["id"] for s in shelters if f'"{s["id"]}"' in text]
    assert "municipality" not in text
    assert "lat" not in text


def test_free_places_follow_holds(api: Api) -> None:
    before = cells(api, "desk")
    case = api.ok(api.post("desk", "/api/v1/referrals", {"gender": "female", "age": 30}), 201)
    api.ok(api.patch("admin", "/api/v1/shelters/S023/availability", {"free": 2}))
    after_report = cells(api, "desk")
    api.ok(
        api.post("desk", "/api/v1/holds", {"referral_id": case["id"], "shelter_id": "S023"}), 201
    )
    after_hold = cells(api, "desk")
    changed = {k for k in before if after_report[k]["free"] != after_hold[k]["free"]}
    # The held place leaves exactly the cells S023 counts in: its police unit, each gender it
    # takes in, and "any condition" plus each condition it accepts.
    s023 = api.ok(api.get("admin", "/api/v1/shelters/S023"))
    unit = police_unit(Location.model_validate(s023["location"]))
    expected = {
        (unit, gender, condition)
        for gender in s023["genders"]
        for condition in (None, *s023["accepts"])
    }
    assert changed == expected
    assert all(after_hold[k]["free"] == after_report[k]["free"] - 1 for k in changed)
    assert all(after_hold[k]["total"] == before[k]["total"] for k in before)
