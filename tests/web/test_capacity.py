"""The capacity board: the API's numbers for the reader's role, and shelter positions only for
the role that may read shelters."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from api.regions import police_unit
from api.schemas import CapacityCell
from api.web.beds import split
from api.web.i18n import COOKIE as LANGUAGE_COOKIE
from models.location import Location
from tests.web.site import Site, text

SHELTER_ID = re.compile(r"\bS\d{3}\b")
_ROW = re.compile(r'<th scope="row">([^<]+)</th>(.*?)</tr>', re.S)
_CELL = re.compile(r'<td class="([^"]*)">(.*?)</td>', re.S)


def places_rows(page_text: str) -> dict[str, list[tuple[str, str]]]:
    """The board's table of places by police unit: each cell's class and text, per gender the
    places for a placement, then the emergency beds."""
    start = page_text.index('id="places-caption"')
    table = page_text[start : page_text.index("</table>", start)]
    return {
        unit: [(css, " ".join(cell.split())) for css, cell in _CELL.findall(cells)]
        for unit, cells in _ROW.findall(table)
    }


def test_planners_see_units_with_small_counts_withheld_and_no_shelter(site: Site) -> None:
    page = site.visitor("planner").get("/capacity")
    assert page.status_code == 200
    shown = text(page)
    assert "niet getoond" in shown
    assert "Aantallen van 1 tot 4 worden voor planners niet getoond" in shown
    assert "Locaties van opvang worden niet getoond." in shown
    assert not SHELTER_ID.search(page.text)
    assert page.text.count("<circle") > 300  # the country's outline and ten police units
    api = site.api("planner", "GET", "/api/v1/capacity")
    amsterdam = next(
        c
        for c in api
        if c["police_unit"] == "Amsterdam" and c["gender"] == "female" and c["condition"] is None
    )
    # Its emergency beds are withheld, so its places for a placement cannot be told: the board
    # shows every place, says that the emergency beds are counted in, and draws the circle paler.
    assert amsterdam["emergency_free"] is None
    free, total = amsterdam["free"], amsterdam["total"]
    assert places_rows(page.text)["Amsterdam"][0][1] == f"{free} / {total}*"
    assert "* Noodbedden meegeteld: hun aantallen worden niet getoond" in shown
    assert (
        f'fill-opacity="0.35" stroke="#fff" stroke-width="0.5"><title>Amsterdam: {free} van '
        f"{total} plaatsen vrij, noodbedden meegeteld (hun aantallen niet getoond)</title>"
    ) in page.text


def unit_of(shelter: dict[str, Any]) -> str:
    return police_unit(Location.model_validate(shelter["location"]))


def test_a_unit_whose_only_free_places_are_emergency_beds_has_no_room(site: Site) -> None:
    """Every shelter of Midden-Nederland full but its emergency beds (S023): the board says no
    place for a placement is free there, and apart, how many emergency beds are, in the table
    and on the map, in Dutch and in English."""
    found = site.api("admin", "GET", "/api/v1/shelters?limit=500")
    here = [s for s in found if unit_of(s) == "Midden-Nederland" and "female" in s["genders"]]
    assert [s["id"] for s in here if s["kind"] == "emergency"] == ["S023"]
    for shelter in here:
        free = 2 if shelter["id"] == "S023" else 0
        site.api("admin", "PATCH", f"/api/v1/shelters/{shelter['id']}/availability", {"free": free})
    places = sum(s["capacity"] for s in here if s["id"] != "S023")
    beds = next(s["capacity"] for s in here if s["id"] == "S023")

    desk = site.visitor("desk")
    page = desk.get("/capacity")
    woman = places_rows(page.text)["Midden-Nederland"][:2]
    assert woman == [("num cell-full", f"0 / {places}"), ("num", f"2 / {beds}")]
    assert f"Midden-Nederland: 0 van {places} plaatsen vrij voor plaatsing" in page.text
    assert f"Midden-Nederland: 2 van {beds} noodbedden vrij" in page.text
    shown = text(page)
    assert "vrouw man gender X voor plaatsing noodbedden voor plaatsing" in shown
    assert "stip met rand: noodbedden, in dezelfde kleuren" in shown
    assert "Noodbedden meegeteld" not in shown  # the desk sees every number apart

    desk.client.cookies.set(LANGUAGE_COOKIE, "en")
    page = desk.get("/capacity")
    assert f"Midden-Nederland: 0 of {places} places free for a placement" in page.text
    assert f"Midden-Nederland: 2 of {beds} emergency beds free" in page.text
    shown = text(page)
    assert "woman man gender X for a placement emergency beds for a placement" in shown
    assert "ringed dot: emergency beds, in the same colours" in shown
    assert "Emergency beds take people in at any hour, but for a few nights" in shown


def test_counts_withheld_from_a_planner_leave_the_places_for_a_placement_unknown() -> None:
    """Places for a placement are every place less the emergency beds, where both are shown;
    with the emergency beds withheld, every place, counted in, unless none is free at all."""

    def cell(free: int | None, total: int | None, beds_free: int | None, beds: int | None) -> Any:
        return CapacityCell(
            police_unit="Amsterdam",
            gender="female",
            condition=None,
            total=total,
            free=free,
            shelters=None,
            emergency_total=beds,
            emergency_free=beds_free,
            suppressed=True,
        )

    apart = split(cell(7, 30, 2, 5))
    assert (apart.free, apart.total, apart.placement_free, apart.included) == (5, 25, 5, False)
    withheld = split(cell(7, 30, None, 5))
    assert (withheld.free, withheld.total, withheld.included) == (7, 30, True)
    assert withheld.placement_free is None
    assert split(cell(0, 30, None, None)).placement_free == 0
    assert split(cell(None, 30, 2, 5)).free is None


def test_the_desk_sees_every_number_but_no_shelter_position(site: Site) -> None:
    page = site.visitor("desk").get("/capacity", gender="male", condition="addiction")
    shown = text(page)
    assert "voor mensen die zorg nodig hebben voor verslaving" in shown
    assert "swatch withheld" not in page.text
    assert not re.search(r"niet getoond /|/ niet getoond", shown)
    assert not SHELTER_ID.search(page.text)


def test_the_admin_sees_shelters_where_they_are(site: Site) -> None:
    page = site.visitor("admin").get("/capacity")
    assert SHELTER_ID.search(page.text)
    assert "Elke cirkel is een plaats met opvanglocaties" in text(page)
    # Emergency beds are a ringed dot of their own, never in a circle for a placement.
    s023 = site.api("admin", "GET", "/api/v1/shelters/S023")
    beds = f"S023: {s023['free']} van {s023['capacity']} noodbedden vrij</title>"
    assert f'stroke="#1b1f24" stroke-width="1.5"><title>{beds}' in page.text
    assert not re.search(r"<title>[^<]*S023[^<]*plaatsen vrij", page.text)


def test_the_board_refreshes_itself_from_a_fragment(site: Site) -> None:
    planner = site.visitor("planner")
    page = planner.get("/capacity", gender="x")
    assert 'data-poll="/capacity/board?gender=x&amp;condition="' in page.text
    fragment = planner.get("/capacity/board", gender="x")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "<table" in fragment.text
    assert "<svg" in fragment.text


def test_shelter_staff_and_auditors_have_no_board(site: Site) -> None:
    for role in ("shelter", "auditor"):
        assert site.visitor(role).get("/capacity").status_code == 403


def stays_table(page_text: str) -> str:
    """The text of the board's table of where people wait."""
    start = page_text.index("Waar mensen zonder plaats verblijven")
    return text_of(page_text[start : page_text.index("</table>", start)])


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_board_says_where_people_without_a_place_stay(site: Site) -> None:
    body = {"gender": "female", "age": 30, "location": {"municipality": "Utrecht"}}
    for _ in range(6):
        site.api("desk", "POST", "/api/v1/referrals", {**body, "stay": "hotel"})
    rotterdam = {"municipality": "Rotterdam"}
    site.api("desk", "POST", "/api/v1/referrals", {**body, "location": rotterdam, "stay": "police"})
    site.clock.now += timedelta(days=1)

    desk = stays_table(site.visitor("desk").get("/capacity").text)
    assert "Midden-Nederland 6 6 6 6" in desk
    assert "Rotterdam 1 1 1 1" in desk
    assert "Nederland 7 7 7 7" in desk
    assert "niet getoond" not in desk

    page = site.visitor("planner").get("/capacity").text
    planner = stays_table(page)
    assert "Rotterdam niet getoond niet getoond niet getoond niet getoond" in planner
    assert "Midden-Nederland niet getoond niet getoond niet getoond niet getoond" in planner
    assert "Nederland 7 7 7 7" in planner
    assert "Aantallen van 1 tot 4 personen worden voor planners weggelaten" in text_of(page)

    assert "Waar mensen zonder plaats verblijven" not in site.visitor("admin").get("/capacity").text
