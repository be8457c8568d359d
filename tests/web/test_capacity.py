"""The capacity board: the API's numbers for the reader's role, and shelter positions only for
the role that may read shelters."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.site import Site, text

SHELTER_ID = re.compile(r"\bS\d{3}\b")


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
    assert f"Amsterdam: {amsterdam['free']} van {amsterdam['total']} plaatsen vrij" in page.text


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
