"""The desk's pages: the form, the ranking, holding with a countdown, confirming, the waiting list
and the national plan, and what the page says when another desk was quicker."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, cast
from zoneinfo import ZoneInfo

import httpx2
import pytest
import typer
from babel.dates import format_datetime
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from typer.testing import CliRunner

from api import audit, audit_purge, audit_verify, ledger
from api.cli_service import register as register_commands
from api.db.tables import HoldRow, ShelterRow
from api.retention import purge_closed
from api.web.forms import referral_from_form
from api.web.pages.referral import grouped
from api.web.timing import local_minute
from api.writer_turns import DatabaseBusy
from models.codes import CONDITIONS, REASON_CODES
from models.ranking import Excluded
from tests.api.databases import empty_database
from tests.api.helpers import bearer
from tests.web.site import Site, Visitor, running_site, text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REFERRAL = {"gender": "female", "age": "30", "location": "Utrecht", "priority": "1"}


def register(visitor: Visitor, **fields: str | list[str]) -> str:
    """Register a referral through the form; its case id."""
    response = visitor.post("/desk/referrals", {**REFERRAL, **fields})
    assert response.status_code == 303, text(response)
    found = re.fullmatch(
        r"/desk/referrals/(C[0-9a-f]+)\?done=created", response.headers["location"]
    )
    assert found is not None
    return found.group(1)


def options(page_text: str) -> list[str]:
    """The shelters offered on a ranking page, best first."""
    return re.findall(r"(\S+) vasthouden", page_text)


def test_the_desk_places_someone_from_the_form(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(
        desk, languages="ro, en", exploitation="sexual", zone_0_place="Rotterdam", zone_0_km="30"
    )

    page = desk.get(f"/desk/referrals/{case}", done="created")
    shown = text(page)
    assert "Aangemeld." in shown
    assert "vrouw, 30" in shown
    assert "Rotterdam ≥ 30 km" in shown
    offered = options(shown)
    assert offered, shown
    # Rank, shelter, its kind (the sample network says each), distance, free places.
    assert re.search(r"1 \S+ [^\d]+ \d+,\d km \d+ ", shown)
    assert "te dicht bij een gevarenzone" in shown
    # Each offered row names its concessions: this sexual-exploitation case gets the mismatch
    # exactly at the shelters not specialised in it, and "geen" (none) at the others.
    rows = re.findall(r"\d+ (S\d+) [^\d]+ \d+,\d km \d+ (.*?) \1 vasthouden", shown)
    assert [shelter for shelter, _ in rows] == offered
    for shelter, concessions in rows:
        stored = site.api("admin", "GET", f"/api/v1/shelters/{shelter}")
        specialised = "sexual" in stored["specialisations"]
        expected = "geen" if specialised else "niet gespecialiseerd in deze uitbuiting"
        assert concessions == expected, (shelter, concessions)
    assert {concessions for _, concessions in rows} == {
        "geen",
        "niet gespecialiseerd in deze uitbuiting",
    }

    held = desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": offered[0]})
    assert held.headers["location"] == f"/desk/referrals/{case}?done=held"
    page = desk.get(f"/desk/referrals/{case}", done="held")
    assert f"Vastgehouden bij {offered[0]}" in text(page)
    assert 'data-countdown="5400"' in page.text
    hold_id = re.search(r"/desk/holds/(H[0-9a-f]+)/confirm", page.text)
    assert hold_id is not None

    site.clock.advance(30)
    assert 'data-countdown="3600"' in desk.get(f"/desk/referrals/{case}").text
    confirmed = desk.post(f"/desk/holds/{hold_id.group(1)}/confirm", {"referral_id": case})
    assert confirmed.headers["location"] == f"/desk/referrals/{case}?done=placed"
    assert f"Geplaatst bij {offered[0]}" in text(desk.get(f"/desk/referrals/{case}"))
    site.clock.advance(24 * 60)  # a day later the page still says how long the wait was
    assert "Wachtte tot plaatsing 30 min" in text(desk.get(f"/desk/referrals/{case}"))
    placements = site.api("desk", "GET", "/api/v1/placements", None)
    assert [(p["referral_id"], p["shelter_id"]) for p in placements] == [(case, offered[0])]


# The contract's soft terms (placement-v1, objective), written out here as the contract states
# them, with the words the case page uses for each.
SOFT_TERMS = {
    "specialisation": "niet gespecialiseerd in deze uitbuiting",
    "language": "geen gedeelde taal",
    "move": "betekent verhuizen",
}


def contract_terms(person: dict[str, object], shelter: dict[str, Any]) -> list[str]:
    """The soft terms of placing ``person`` (as registered) at ``shelter`` (as the API stores
    it), in the formula's order, by the contract's own words."""
    languages = cast(list[str], person.get("languages", []))
    applies = {
        "specialisation": person.get("exploitation") is not None
        and person["exploitation"] not in shelter["specialisations"],
        "language": bool(languages) and not set(languages) & set(shelter["languages"]),
        "move": person.get("current") is not None and person["current"] != shelter["id"],
    }
    return [SOFT_TERMS[term] for term, applied in applies.items() if applied]


def test_a_form_larger_than_the_service_takes_is_refused_with_a_page(site: Site) -> None:
    """A form over the body limit, declared so or sent in pieces, is answered with the error page
    in the reader's language (a browser showed the API's problem document as raw text); the
    API's own paths keep their problem document, and nothing is stored."""
    desk = site.visitor("desk")
    form = {"gender": "female", "age": "30", "avoid": "C1 " * 400_000}
    pieces = iter([b"gender=female&avoid=" + b"x" * 600_000, b"x" * 600_000])
    kind = {"content-type": "application/x-www-form-urlencoded"}
    for response in (
        desk.post("/desk/referrals", form),
        desk.client.post("/desk/referrals", content=pieces, headers=kind),
    ):
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert "Te veel om te versturen" in text(response)
    api = TestClient(site.app).post(
        "/api/v1/referrals", content=b"x" * 1_100_000, headers=bearer("desk") | kind
    )
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"
    assert site.api("desk", "GET", "/api/v1/referrals") == []


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"exploitation": "sexual", "languages": ["ro"], "current": "S001"},
        {"exploitation": "labour", "languages": ["nl", "en"]},
        {"exploitation": "criminal", "languages": ["bg", "pl"], "current": "S002"},
        {"languages": ["en"], "current": "S001"},
    ],
)
def test_each_option_names_the_compromises_the_contract_counts(
    site: Site, fields: dict[str, object]
) -> None:
    """Every option of the case page, across the sample network, names exactly the soft terms
    the contract's cost counts for that person there: no specialisation in the exploitation, no
    shared language, a move away from the shelter proposed before."""
    person = {"gender": "female", "age": 30, "location": {"municipality": "Utrecht"}, **fields}
    case = site.api("desk", "POST", "/api/v1/referrals", person)["id"]
    shown = text(site.visitor("desk").get(f"/desk/referrals/{case}"))
    rows = re.findall(r"\d+ (S\d+) [^\d]+ \d+,\d km \d+ (.*?) \1 vasthouden", shown)
    assert len(rows) == len(options(shown)) > 10, shown
    stored = {s["id"]: s for s in site.api("admin", "GET", "/api/v1/shelters?limit=500")}
    for shelter, said in rows:
        expected = " ".join(contract_terms(person, stored[shelter])) or "geen"
        assert said == expected, (shelter, said, expected)


def test_pages_write_the_audit_rows_the_api_writes(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(desk)
    desk.get(f"/desk/referrals/{case}")
    assert site.audit() == [
        ("login", "user", None, "ok"),  # the page login, as the API's
        ("create", "referral", case, "ok"),
        ("read", "referral", case, "ok"),  # GET /referrals/{id}
        ("read", "referral", case, "ok"),  # POST /referrals/{id}/ranking
        ("search", "hold", None, "ok"),  # GET /holds?referral_id=...: none ran out
    ]


def test_the_form_explains_every_contra_indication_and_suggests_municipalities(
    site: Site,
) -> None:
    form = site.visitor("desk").get("/desk/referrals/new")
    assert form.status_code == 200
    for code in CONDITIONS:
        assert f'id="condition-{code}-hint"' in form.text
    assert form.text.count('list="municipalities"') >= 4
    assert '<option value="Utrecht">' in form.text
    assert '<option value="&#39;s-Hertogenbosch">' in form.text
    assert '<template id="zone-template">' in form.text


def test_form_mistakes_are_shown_at_their_fields_and_keep_what_was_typed(site: Site) -> None:
    desk = site.visitor("desk")
    response = desk.post(
        "/desk/referrals",
        {
            "gender": "female",
            "age": "dertig",
            "location": "Utreht",
            "zone_0_place": "Roterdam",
            "languages": "klingon",
        },
    )
    assert response.status_code == 422
    shown = text(response)
    assert "Verbeter het volgende" in shown
    assert "Vul een heel getal in, niet “dertig”." in shown
    assert "Bedoelt u: Utrecht" in shown
    assert "Bedoelt u: Rotterdam" in shown
    assert "Vul dit in." in shown  # the danger zone's distance
    # ... and in the same round what only the API's model finds: a desk corrects it all at once.
    assert "“klingon” kennen we niet als taal" in shown
    assert 'href="#zone_0_km"' in response.text
    assert 'value="Roterdam"' in response.text
    assert 'aria-invalid="true"' in response.text

    response = desk.post(
        "/desk/referrals", {**REFERRAL, "languages": "nl, Klingon", "age": "130", "children": "-1"}
    )
    assert response.status_code == 422
    shown = text(response)
    assert (
        "“klingon” kennen we niet als taal: schrijf de naam, zoals Roemeens, of de code van twee "
        "letters, zoals ro." in shown
    )
    assert "Vul 120 of minder in." in shown
    assert "Vul 0 of meer in." in shown
    assert "Controleer dit veld" not in shown
    assert site.api("desk", "GET", "/api/v1/referrals") == []


def test_a_form_shown_again_keeps_every_danger_zone_typed_beyond_the_first_rows(
    site: Site,
) -> None:
    """The form starts with three zone rows and the desk adds more; sent back with a mistake, it
    shows a row for every zone typed, the last one too, with what was typed in it."""
    zones = {"Gouda": "10", "Delft": "20", "Breda": "30", "Zwolle": "40"}
    sent: dict[str, str] = {**REFERRAL, "age": "abc"}
    for index, (place, km) in enumerate(zones.items()):
        sent |= {f"zone_{index}_place": place, f"zone_{index}_km": km}
    response = site.visitor("desk").post("/desk/referrals", sent)
    assert response.status_code == 422
    assert 'name="zone_4_place"' not in response.text
    for index, place in enumerate(zones):
        assert re.search(rf'name="zone_{index}_place"[^>]*value="{place}"', response.text), place


def test_an_empty_form_names_each_field_it_needs_in_the_readers_language(site: Site) -> None:
    desk = site.visitor("desk")
    response = desk.post("/desk/referrals", {})
    assert response.status_code == 422
    shown = text(response)
    assert "Gender: Vul dit in." in shown
    assert "Leeftijd: Vul dit in." in shown
    assert "Controleer dit veld" not in shown
    response = desk.post("/desk/referrals", {**REFERRAL, "zone_0_place": "Gouda", "zone_0_km": "0"})
    assert "Vul meer dan 0 in." in text(response)
    assert "Controleer dit veld" not in text(response)
    # What Python would read as a number but no desk means by a distance is named as typed.
    for typed in ("inf", "nan", "12,5,0"):
        sent = {**REFERRAL, "zone_0_place": "Gouda", "zone_0_km": typed}
        refused = text(desk.post("/desk/referrals", sent))
        assert f"Vul een afstand in km in, zoals 25 of 12,5, niet “{typed}”." in refused


def test_every_line_of_the_summary_names_its_field_the_danger_zones_by_number(
    site: Site,
) -> None:
    """A desk reading "Vul dit in." at the top of a long form must not hunt for the field: each
    line of the summary says which, a danger zone by its number and which of its two inputs."""
    desk = site.visitor("desk")

    def summary(**fields: str) -> list[str]:
        response = desk.post("/desk/referrals", {**REFERRAL, **fields})
        assert response.status_code == 422
        found = re.search(r'<div class="error-summary".*?</div>', response.text, re.DOTALL)
        assert found is not None
        lines = re.findall(r"<li>(.*?)</li>", found.group(), re.DOTALL)
        return [" ".join(re.sub(r"<[^>]+>", " ", line).split()) for line in lines]

    assert summary(zone_0_km="10") == ["Gemeente van gevarenzone 1: Vul dit in."]
    assert summary(zone_0_place="Gouda", zone_0_km="-5") == [
        "Afstand tot gevarenzone 1: Vul meer dan 0 in."
    ]
    assert summary(zone_1_place="Gouda", zone_2_place="Gouda", zone_2_km="5000") == [
        "Afstand tot gevarenzone 2: Vul dit in.",
        "Afstand tot gevarenzone 3: Vul 2000 of minder in.",
    ]
    avoid = "Zaaknummers van mensen met wie deze persoon geen opvang mag delen"
    assert summary(avoid="x" * 70) == [f"{avoid}: Gebruik hoogstens 64 tekens."]
    # A control character is named in the reader's words, not the pattern the API checks.
    refused = desk.post("/desk/referrals", {**REFERRAL, "avoid": "C1\x01C2"})
    assert f"{avoid}: Gebruik geen stuurtekens, zoals een tab." in text(refused)
    assert "pattern" not in refused.text
    # The field is in a panel folded away by default: the panel is open to show its mistake.
    assert "<details open>" in refused.text
    assert 'value="C1\x01C2"' in refused.text


def test_a_case_number_kept_apart_must_be_known_and_a_typo_is_said_at_its_field(
    site: Site,
) -> None:
    """Keeping apart protects only with the right number: a typo named on the form, with the
    entries kept, instead of a referral that keeps nobody apart."""
    desk = site.visitor("desk")
    other = register(desk)
    typo = other[:-1] + ("0" if other[-1] != "0" else "1")
    refused = desk.post("/desk/referrals", {**REFERRAL, "avoid": f"{other} {typo}"})
    assert refused.status_code == 422
    assert f"Geen zaak of bewoner {typo} bekend: controleer het nummer." in text(refused)
    assert f'value="{other} {typo}"' in refused.text
    assert "<details open>" in refused.text
    case = register(desk, avoid=other)
    assert site.api("desk", "GET", f"/api/v1/referrals/{case}")["avoid"] == [other]


def test_etten_leur_is_a_municipality_like_any_other(site: Site) -> None:
    """The one municipality neither GeoNames package places (its point comes from elsewhere, see
    models.build_gazetteer) is typed as freely as the others: as a location and a danger zone."""
    desk = site.visitor("desk")
    case = register(desk, location="etten leur", zone_0_place="Etten-Leur", zone_0_km="30")
    referral = site.api("desk", "GET", f"/api/v1/referrals/{case}")
    assert referral["location"]["municipality"] == "Etten-Leur"
    assert referral["danger_zones"][0]["location"]["municipality"] == "Etten-Leur"
    assert "Etten-Leur (Zeeland-West-Brabant)" in text(desk.get(f"/desk/referrals/{case}"))


def test_a_place_taken_first_by_another_desk_is_said_plainly(site: Site) -> None:
    site.add_shelter("T001", 1)
    first, second = site.visitor("desk"), site.visitor("desk")
    mine, theirs = register(first), register(second)
    assert "T001" in options(text(first.get(f"/desk/referrals/{mine}")))

    assert second.post(f"/desk/referrals/{theirs}/hold", {"shelter_id": "T001"}).status_code == 303
    response = first.post(f"/desk/referrals/{mine}/hold", {"shelter_id": "T001"})
    assert response.status_code == 409
    shown = text(response)
    assert "T001 heeft geen vrije plaats meer: een andere tafel was u net voor" in shown
    assert "Er is niets vastgehouden." in shown
    assert "T001" not in options(shown)
    assert ("create", "hold", None, "conflict") in site.audit()


def test_a_place_gone_because_the_shelter_closed_is_not_blamed_on_another_desk_alone(
    site: Site,
) -> None:
    site.add_shelter("T001", 1)
    desk = site.visitor("desk")
    case = register(desk)
    assert "T001" in options(text(desk.get(f"/desk/referrals/{case}")))

    site.api("admin", "PATCH", "/api/v1/shelters/T001/availability", {"closed": True})
    response = desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": "T001"})
    assert response.status_code == 409
    shown = text(response)
    assert "of de opvang is gesloten of heeft plaatsen geschrapt" in shown
    assert "Er is niets vastgehouden." in shown


def test_an_emergency_bed_is_shown_as_one_and_not_as_a_placement(site: Site) -> None:
    """At night the emergency beds may be all that fits; the desk must see that they are, and
    that someone placed there needs a place that fits for longer."""
    site.add_shelter("T001", 2, kind="emergency")
    site.add_shelter("T002", 2, kind="women")
    site.add_shelter("T003", 2)
    desk = site.visitor("desk")
    path = f"/desk/referrals/{register(desk)}"
    first = kinds_offered(desk.get(path).text)
    assert {shelter: first[shelter] for shelter in ("T001", "T002", "T003")} == {
        "T001": "noodbedden",
        "T002": "vrouwenopvang",
        "T003": "",
    }
    site.api("admin", "PATCH", "/api/v1/shelters/T001", {"kind": None})
    page = desk.get(path)
    again = kinds_offered(page.text)
    assert again["T001"] == ""
    # The word on what an emergency bed is for comes with the emergency beds offered, if any.
    assert ("een noodbed is voor een paar nachten" in text(page)) == (
        "noodbedden" in again.values()
    )


def test_emergency_beds_are_offered_after_every_placement_however_near(site: Site) -> None:
    """The ranking is by cost, so the emergency bed next door would come first; the page offers
    the placements first, each part in the ranking's order."""
    site.add_shelter("T001", 2, kind="emergency", **ONLY_AT_T)
    site.add_shelter("T002", 2, kind="women", **ONLY_AT_T, location={"municipality": "Zwolle"})
    site.add_shelter("T003", 2, **ONLY_AT_T, location={"municipality": "Groningen"})
    site.add_shelter("T004", 2, kind="emergency", **ONLY_AT_T, location={"municipality": "Ede"})
    desk = site.visitor("desk")
    case = register(desk, **ONLY_T)
    ranked = site.api("desk", "POST", f"/api/v1/referrals/{case}/ranking", {})
    assert [option["shelter"] for option in ranked["options"]] == ["T001", "T004", "T002", "T003"]
    assert options(text(desk.get(f"/desk/referrals/{case}"))) == ["T002", "T003", "T001", "T004"]


def kinds_offered(page: str) -> dict[str, str]:
    """Each shelter offered on a ranking page with the kind shown next to it ('' for none)."""
    return dict(
        re.findall(
            r'<span class="ids">([^<]+)</span>(?: <span class="badge[^"]*">([^<]+)</span>)?', page
        )
    )


def test_when_nothing_fits_the_page_says_what_would_open_a_place(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(desk, zone_0_place="Utrecht", zone_0_km="400")
    shown = text(desk.get(f"/desk/referrals/{case}"))
    assert "Er past nu geen opvanglocatie" in shown
    assert "0 opvanglocaties" not in shown
    later = text(desk.get(f"/desk/referrals/{case}", at="2026-12-01T09:00"))
    assert "Er past geen opvanglocatie voor die intake" in later
    assert "Er past nu geen opvanglocatie" not in later
    assert "Eén wijziging zou een plaats openen:" in shown
    assert re.search(r"Gevarenzone : Utrecht \(zone 1\) op \d+,\d km in plaats van 400,0 km", shown)
    assert "danger zone" not in shown
    assert "veiligheidsrisico: alleen na beoordeling door de politie" in shown
    assert "Het dichtst bij passend" not in shown
    # Every change offered is the desk's judgement: the way out without one is named too.
    assert "overweeg dan een noodbed en kijk later opnieuw" in shown


def test_when_no_single_change_helps_the_page_names_the_closest_shelters(site: Site) -> None:
    """Age 10 is too young for every shelter (youth places start at 12), and the danger zone
    keeps every shelter away too: no shelter has a single reason, so no single change helps."""
    desk = site.visitor("desk")
    case = register(desk, age="10", zone_0_place="Utrecht", zone_0_km="400")
    page = desk.get(f"/desk/referrals/{case}")
    shown = text(page)
    assert "Geen enkele wijziging opent een plaats." in shown
    assert "Het dichtst bij passend, elk gesloten door deze redenen samen:" in shown
    closest = re.findall(r"<li><span class=\"ids\">([^<]+)</span>: ([^<]+)</li>", page.text)
    assert 0 < len(closest) <= 5
    for _shelter, reasons in closest:
        assert reasons.split("; ") == [
            "neemt deze leeftijd niet op",
            "te dicht bij een gevarenzone",
        ]


def test_the_closest_shelters_named_are_five_of_the_fewest_reasons_in_id_order(
    site: Site,
) -> None:
    """The list is a short one to phone through, not the whole network: five shelters, the
    first by id of those with the fewest reasons, and none a further reason keeps out."""
    for number in range(1, 8):
        site.add_shelter(f"T00{number}", 2)
    site.add_shelter("A000", 2, genders=["male"])  # first by id, but three reasons
    desk = site.visitor("desk")
    case = register(desk, age="10", zone_0_place="Utrecht", zone_0_km="400")
    page = desk.get(f"/desk/referrals/{case}")
    closest = re.findall(r"<li><span class=\"ids\">([^<]+)</span>: ([^<]+)</li>", page.text)
    ranked = site.api("desk", "POST", f"/api/v1/referrals/{case}/ranking", {})
    counts = {item["shelter"]: len(item["reasons"]) for item in ranked["excluded"]}
    assert counts["A000"] == 3
    two_reasons = sorted(shelter for shelter, count in counts.items() if count == 2)
    assert len(two_reasons) > 5
    assert [shelter for shelter, _reasons in closest] == two_reasons[:5]


def test_ranking_for_the_next_morning_finds_office_hours_shelters(site: Site) -> None:
    site.clock.now = datetime(2026, 11, 28, 23, 0, tzinfo=AMSTERDAM)  # a Saturday night
    desk = site.visitor("desk")
    case = register(desk)
    tonight = desk.get(f"/desk/referrals/{case}")
    assert "?at=2026-11-30T09:00" in tonight.text
    monday = desk.get(f"/desk/referrals/{case}", at="2026-11-30T09:00")
    assert "Getoond: intake op ma 30 nov 09:00." in text(monday)
    assert len(options(text(monday))) > len(options(text(tonight)))
    # Held from that page, the places are kept until the intake's end of the usual hold time.
    assert "Vasthouden reserveert de plaatsen tot ma 30 nov 10:30" in text(monday)
    first = options(text(monday))[0]
    until = re.search(r'name="until" value="([^"]+)"', monday.text)
    assert until is not None
    held = desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": first, "until": until[1]})
    assert held.status_code == 303, text(held)
    (hold_row,) = site.api("desk", "GET", "/api/v1/holds", None)
    expires = datetime.fromisoformat(hold_row["expires_at"]).astimezone(AMSTERDAM)
    assert expires == datetime(2026, 11, 30, 10, 30, tzinfo=AMSTERDAM)


def test_a_hold_sent_from_a_page_left_open_past_its_end_lasts_the_usual_time(
    site: Site,
) -> None:
    """The page for a later intake sends when the hold would end; sent after that moment (the
    page left open), the hold is made for the usual time from now, not refused or ended."""
    site.clock.now = datetime(2026, 11, 28, 23, 0, tzinfo=AMSTERDAM)  # a Saturday night
    desk = site.visitor("desk")
    case = register(desk)
    monday = desk.get(f"/desk/referrals/{case}", at="2026-11-30T09:00")
    until = re.search(r'name="until" value="([^"]+)"', monday.text)
    assert until is not None
    site.clock.now = datetime(2026, 11, 30, 11, 0, tzinfo=AMSTERDAM)  # after Monday 10:30
    first = options(text(desk.get(f"/desk/referrals/{case}")))[0]
    held = desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": first, "until": until[1]})
    assert held.status_code == 303, text(held)
    (hold_row,) = site.api("desk", "GET", "/api/v1/holds", None)
    assert datetime.fromisoformat(hold_row["expires_at"]) == site.clock.now + timedelta(minutes=90)


def test_a_hold_for_a_far_intake_ends_where_holds_may_reach(site: Site) -> None:
    site.clock.now = datetime(2026, 11, 28, 23, 0, tzinfo=AMSTERDAM)  # a Saturday night
    desk = site.visitor("desk")
    case = register(desk)
    wednesday = desk.get(f"/desk/referrals/{case}", at="2026-12-02T09:00")
    # 72 hours from now, not Wednesday 10:30: the page says and sends when the hold will end.
    assert "Vasthouden reserveert de plaatsen tot di 1 dec 23:00" in text(wednesday)
    until = re.search(r'name="until" value="([^"]+)"', wednesday.text)
    assert until is not None
    assert datetime.fromisoformat(until[1]) == site.clock.now + timedelta(hours=72)


def test_a_hold_sent_to_last_longer_than_holds_may_is_said_on_the_page(site: Site) -> None:
    """The page never sends such an end (it caps it, above); one changed by hand, or sent from
    a page shown before the limit was lowered, gets the case's page saying why, nothing held."""
    site.clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=AMSTERDAM)
    desk = site.visitor("desk")
    case = register(desk)
    first = options(text(desk.get(f"/desk/referrals/{case}")))[0]
    for until in (site.clock.now + timedelta(hours=73), datetime(9999, 1, 1, tzinfo=AMSTERDAM)):
        sent = {"shelter_id": first, "until": until.isoformat()}
        refused = desk.post(f"/desk/referrals/{case}/hold", sent)
        assert refused.status_code == 422
        shown = text(refused)
        assert "Vasthouden tot: dat moment ligt meer dan 72 uur vooruit" in shown
        assert "Er is niets vastgehouden. De lijst hieronder is bijgewerkt." in shown
        assert options(shown)[0] == first
    assert site.api("desk", "GET", "/api/v1/holds") == []


def test_a_moment_no_intake_can_happen_at_is_said_and_now_is_ranked(site: Site) -> None:
    site.clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=AMSTERDAM)
    desk = site.visitor("desk")
    case = register(desk)
    now = options(text(desk.get(f"/desk/referrals/{case}")))
    past = desk.get(f"/desk/referrals/{case}", at="2026-11-30T09:00")
    assert past.status_code == 200
    assert "Dat moment ligt in het verleden: getoond is een intake nu." in text(past)
    assert "Getoond: intake nu." in text(past)
    assert options(text(past)) == now
    ahead = desk.get(f"/desk/referrals/{case}", at="2026-12-08T10:00")
    assert "Dat moment ligt meer dan 7 dagen vooruit: getoond is een intake nu." in text(ahead)
    assert options(text(ahead)) == now
    unreadable = desk.get(f"/desk/referrals/{case}", at="morgen")
    assert "Dat is geen datum en tijd: getoond is een intake nu." in text(unreadable)
    assert options(text(unreadable)) == now
    # Each refusal is said where it is seen: the panel for another moment is open.
    for page in (past, ahead, unreadable):
        assert "<details open>" in page.text


def test_the_waiting_list_refreshes_itself_with_colleagues_work(site: Site) -> None:
    """Several desks work one list: what a colleague registers or holds shows in the part the
    page's script fetches, and fetching it keeps no unattended screen logged in."""
    desk, colleague = site.visitor("desk"), site.visitor("desk")
    page = desk.get("/desk")
    assert 'data-poll="/desk/list"' in page.text
    assert "Er wacht niemand." in text(page)
    case = register(colleague)
    part = desk.get("/desk/list")
    assert part.status_code == 200
    assert "<html" not in part.text
    assert f'href="/desk/referrals/{case}"' in part.text
    assert "wordt elke 30 seconden ververst" in text(part)
    assert "set-cookie" not in part.headers
    shelter = options(text(colleague.get(f"/desk/referrals/{case}")))[0]
    colleague.post(f"/desk/referrals/{case}/hold", {"shelter_id": shelter})
    assert "vastgehouden" in text(desk.get("/desk/list"))
    assert site.visitor("shelter").get("/desk/list").status_code == 403


def test_the_waiting_list_puts_the_most_urgent_first_and_flags_night_arrivals(
    site: Site,
) -> None:
    desk = site.visitor("desk")
    site.clock.now = datetime(2026, 11, 28, 23, 0, tzinfo=AMSTERDAM)
    night = register(desk)
    site.clock.now += timedelta(hours=34, minutes=15)  # Monday 09:15
    urgent = register(desk, priority="3")
    site.clock.now += timedelta(minutes=45)
    page = desk.get("/desk")
    shown = text(page)
    assert shown.index(urgent) < shown.index(night)
    assert "3 · acuut gevaar" in shown
    assert "1 d 11 u" in shown
    assert "45 min" in shown
    row = page.text[page.text.index(night) :].split("</tr>")[0]
    assert "buiten kantooruren" in row
    assert "buiten kantooruren" not in page.text[page.text.index(urgent) :].split("</tr>")[0]


def test_the_waiting_list_puts_the_longest_wait_first_within_a_priority_held_or_not(
    site: Site,
) -> None:
    """Of those equally urgent, who waited longest comes first, whether a place is held for
    them or not: a hold does not send someone to the end of the list."""
    site.add_shelter("T001", 1)
    desk = site.visitor("desk")
    first, _hold = _hold_at(desk, "T001")
    site.clock.advance(5)
    second = register(desk)
    site.clock.advance(5)
    third = register(desk)
    shown = text(desk.get("/desk"))
    assert shown.index(first) < shown.index(second) < shown.index(third)


def row_of(page: httpx2.Response, case: str) -> str:
    """The text of a case's row on the waiting list."""
    start = page.text.index(f'href="/desk/referrals/{case}"')
    row = page.text[start : page.text.index("</tr>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def fits_of(page: httpx2.Response, case: str) -> str:
    """The text of a case's "fits now" cell on the waiting list (its third data cell, right
    after the waiting time, where the desk looks first)."""
    start = page.text.index(f'href="/desk/referrals/{case}"')
    row = page.text[start : page.text.index("</tr>", start)]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", cells[2]).split())


def test_the_waiting_list_says_how_many_shelters_fit_now_and_at_the_next_opening(
    site: Site,
) -> None:
    site.add_shelter("T001", 2, accepts=list(CONDITIONS), intake="office")
    desk = site.visitor("desk")
    site.clock.now = datetime(2026, 11, 28, 23, 0, tzinfo=AMSTERDAM)  # Saturday night
    only_at_t001 = register(desk, conditions=list(CONDITIONS))
    anyone = register(desk)
    held = register(desk)
    desk.post(f"/desk/referrals/{held}/hold", {"shelter_id": "T001"})  # for Monday morning

    page = desk.get("/desk")
    assert "Past nu" in page.text
    assert fits_of(page, only_at_t001) == "geen · 1 vanaf ma 30 nov 09:00"
    # ...one click from its ranking for that intake, where a hold lasts until then.
    assert f'href="/desk/referrals/{only_at_t001}?at=2026-11-30T09:00"' in page.text
    ranked = desk.get(f"/desk/referrals/{only_at_t001}", at="2026-11-30T09:00")
    assert options(text(ranked)) == ["T001"]
    assert fits_of(page, held) == "–"
    # As many as the referral's own ranking offers.
    fits = re.search(r"(\d+) opvanglocaties passen", text(desk.get(f"/desk/referrals/{anyone}")))
    assert fits is not None
    assert fits_of(page, anyone) == f"{fits.group(1)} opvanglocaties"

    site.clock.now = datetime(2026, 11, 30, 9, 30, tzinfo=AMSTERDAM)  # Monday, office open
    assert fits_of(desk.get("/desk"), only_at_t001) == "1 opvang"


def test_office_hours_are_on_workdays_so_christmas_is_out_of_hours(site: Site) -> None:
    """On Christmas Eve evening the next office-hours intake is not Christmas Day nor Boxing
    Day (a Saturday) but Monday 28 December; on Christmas Day itself the list is out of hours."""
    site.add_shelter("T001", 2, accepts=list(CONDITIONS), intake="office")
    desk = site.visitor("desk")
    site.clock.now = datetime(2026, 12, 24, 20, 0, tzinfo=AMSTERDAM)
    only_at_t001 = register(desk, conditions=list(CONDITIONS))
    page = desk.get("/desk")
    assert fits_of(page, only_at_t001) == "geen · 1 vanaf ma 28 dec 09:00"
    assert f'href="/desk/referrals/{only_at_t001}?at=2026-12-28T09:00"' in page.text

    site.clock.now = datetime(2026, 12, 25, 10, 0, tzinfo=AMSTERDAM)
    page = desk.get("/desk")
    # T001's hours read as open, so it fits now, to be phoned first as its ranking marks it
    # (see below); nothing fits for sure, so the next office-hours intake is counted too.
    assert fits_of(page, only_at_t001) == (
        "1 opvang, feestdag: eerst bellen · 1 vanaf ma 28 dec 09:00"
    )
    assert "ma 28 dec 09:00" in text(page)  # the next office-hours intake, said at the top


def test_an_option_whose_places_were_reported_long_ago_says_when(site: Site) -> None:
    site.add_shelter("T001", 2, accepts=list(CONDITIONS))
    desk = site.visitor("desk")
    case = register(desk, conditions=list(CONDITIONS))
    assert "gemeld" not in text(desk.get(f"/desk/referrals/{case}"))

    site.clock.advance(25 * 60)  # a day and an hour without a report
    page = text(desk.get(f"/desk/referrals/{case}"))
    assert options(page) == ["T001"]
    assert "gemeld ma 30 nov 10:00" in page

    site.api("admin", "PATCH", "/api/v1/shelters/T001", {"languages": ["nl", "de"]})
    assert "gemeld ma 30 nov 10:00" in text(desk.get(f"/desk/referrals/{case}"))  # no report
    site.api("admin", "PATCH", "/api/v1/shelters/T001/availability", {"free": 2})
    assert "gemeld" not in text(desk.get(f"/desk/referrals/{case}"))


def test_releasing_a_hold_asks_first_and_the_yes_frees_the_place(site: Site) -> None:
    site.add_shelter("T001", 1)
    desk = site.visitor("desk")
    case = register(desk)
    desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": "T001"})
    hold_id = re.search(
        r"/desk/holds/(H[0-9a-f]+)/release", desk.get(f"/desk/referrals/{case}").text
    )
    assert hold_id is not None
    path = f"/desk/holds/{hold_id.group(1)}/release"
    before = len(site.audit())

    # The first press only asks, in words, naming the shelter and the case.
    asked = desk.post(path, {"referral_id": case})
    assert asked.status_code == 200
    said = text(asked)
    assert "De reservering bij T001 vrijgeven?" in said
    assert f"De 1 plaats komt meteen vrij voor anderen en zaak {case} wacht weer." in said
    assert "alleen een nieuwe reservering krijgt hem terug" in said
    assert _held(site) == {case: "T001"}
    assert [row for row in site.audit()[before:] if row[0] == "update"] == []
    assert ("read", "hold", hold_id.group(1), "ok") in site.audit()[before:]
    # The yes sends the same form again with confirmed=1 and the page's CSRF token; the no
    # leads back to the case.
    yes = confirm_form(asked)
    assert yes == {"action": path, "referral_id": case, "confirmed": "1", "csrf": desk.token()}
    assert f'<a class="button secondary" href="/desk/referrals/{case}">' in asked.text
    assert "Nee: reservering houden" in said
    assert "Ja: T001 vrijgeven" in said
    # Without this session's token the yes is refused like any other form.
    forged = desk.post(path, {"referral_id": case, "confirmed": "1"}, csrf="forged")
    assert forged.status_code == 403
    assert _held(site) == {case: "T001"}

    response = desk.post(path, {"referral_id": case, "confirmed": "1"})
    assert response.headers["location"] == f"/desk/referrals/{case}?done=released"
    assert _held(site) == {}
    assert "T001" in options(text(desk.get(f"/desk/referrals/{case}")))

    # Pressed again on a hold released already: no question about what cannot happen.
    for fields in ({"referral_id": case}, {"referral_id": case, "confirmed": "1"}):
        again = desk.post(path, fields)
        assert again.status_code == 409
        assert "Deze reservering is al bevestigd of vrijgegeven." in text(again)
        assert "vrijgeven?" not in text(again)


def test_a_release_asked_after_the_hold_ran_out_says_so(site: Site) -> None:
    site.add_shelter("T001", 1)
    desk = site.visitor("desk")
    case, hold = _hold_at(desk, "T001")
    site.clock.advance(91)
    late = desk.post(f"/desk/holds/{hold}/release", {"referral_id": case})
    assert late.status_code == 409
    assert "De reservering is verlopen: de plaatsen zijn weer vrij." in text(late)
    assert "vrijgeven?" not in text(late)


def test_closing_a_held_referral_asks_first_since_it_gives_up_the_place(site: Site) -> None:
    site.add_shelter("T001", 2)
    desk = site.visitor("desk")
    case, _hold = _hold_at(desk, "T001", children="1")
    path = f"/desk/referrals/{case}/close"

    asked = desk.post(path, {"reason": "returned_home"})
    assert asked.status_code == 200
    said = text(asked)
    assert f"Zaak {case} afsluiten en de reservering bij T001 vrijgeven?" in said
    assert (
        "De aanmelding gaat van de wachtlijst (reden: naar huis of het land van herkomst "
        "teruggekeerd), en de 2 plaatsen die bij T001 worden vastgehouden, komen meteen vrij "
        "voor anderen." in said
    )
    assert site.api("desk", "GET", f"/api/v1/referrals/{case}")["status"] == "held"
    assert _held(site) == {case: "T001"}
    yes = confirm_form(asked)
    assert yes == {
        "action": path,
        "reason": "returned_home",
        "confirmed": "1",
        "csrf": desk.token(),
    }
    assert f'<a class="button secondary" href="/desk/referrals/{case}">' in asked.text

    closed = desk.post(path, {"reason": "returned_home", "confirmed": "1"})
    assert closed.headers["location"] == f"/desk/referrals/{case}?done=closed"
    stored = site.api("desk", "GET", f"/api/v1/referrals/{case}")
    assert (stored["status"], stored["close_reason"]) == ("closed", "returned_home")
    assert _held(site) == {}

    # A referral without a hold gives up no place: it is closed at the first press.
    waiting = register(desk)
    assert desk.post(f"/desk/referrals/{waiting}/close", {"reason": "withdrawn"}).status_code == 303
    assert site.api("desk", "GET", f"/api/v1/referrals/{waiting}")["status"] == "closed"


def confirm_form(page: httpx2.Response) -> dict[str, str]:
    """The form of a page's confirmation box: where it posts and every field it sends with its
    yes (hidden fields, and the button's own name and value)."""
    box = re.search(
        r'<div class="notice warn" role="alert" id="confirm">(.*?)</div>', page.text, re.S
    )
    assert box is not None, text(page)
    action = re.search(r'<form method="post" action="([^"]+)"', box.group(1))
    assert action is not None
    fields = re.findall(
        r'<(?:input type="hidden"|button type="submit") name="([^"]+)" value="([^"]*)"',
        box.group(1),
    )
    return {"action": action.group(1), **dict(fields)}


def test_a_late_intake_extends_the_hold_from_the_page(site: Site) -> None:
    site.add_shelter("T001", 1)
    desk = site.visitor("desk")
    case = register(desk)
    desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": "T001"})
    assert "/extend" not in desk.get(f"/desk/referrals/{case}").text  # nothing to gain yet
    site.clock.advance(80)
    page = desk.get(f"/desk/referrals/{case}")
    hold_id = re.search(r"/desk/holds/(H[0-9a-f]+)/extend", page.text)
    assert hold_id is not None
    until = (site.clock.now + timedelta(minutes=90)).astimezone(AMSTERDAM).strftime("%H:%M")
    assert f"Verlengen tot {until}" in text(page)
    response = desk.post(f"/desk/holds/{hold_id.group(1)}/extend", {"referral_id": case})
    assert response.headers["location"] == f"/desk/referrals/{case}?done=extended"
    site.clock.advance(30)  # past the hold's first end
    held = text(desk.get(f"/desk/referrals/{case}", done="extended"))
    assert "De reservering is verlengd." in held
    assert f"tot ma 30 nov {until}." in held

    desk.post(f"/desk/holds/{hold_id.group(1)}/confirm", {"referral_id": case})
    again = desk.post(f"/desk/holds/{hold_id.group(1)}/extend", {"referral_id": case})
    assert again.status_code == 409
    assert "Deze reservering is al bevestigd of vrijgegeven." in text(again)


def test_an_expired_hold_cannot_be_confirmed_and_the_page_says_why(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(desk)
    offered = options(text(desk.get(f"/desk/referrals/{case}")))
    desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": offered[0]})
    hold_id = re.search(
        r"/desk/holds/(H[0-9a-f]+)/confirm", desk.get(f"/desk/referrals/{case}").text
    )
    assert hold_id is not None
    site.clock.advance(91)
    response = desk.post(f"/desk/holds/{hold_id.group(1)}/confirm", {"referral_id": case})
    assert response.status_code == 409
    assert "De reservering is verlopen" in text(response)


def test_the_national_plan_is_accepted_line_by_line(site: Site) -> None:
    desk = site.visitor("desk")
    cases = [register(desk), register(desk, priority="3")]
    planned = desk.post("/desk/plan", {})
    assert planned.status_code == 200
    buttons = re.findall(r'name="accept" value="([^"]+)"', planned.text)
    assert sorted(value.split()[0] for value in buttons) == sorted(cases)
    assert buttons[0].startswith(cases[1])  # the most urgent first
    state = re.search(r'name="state" value="([^"]+)"', planned.text)
    assert state is not None

    accepted = desk.post(
        "/desk/plan/accept", {"accept": buttons[0], "state": _unescape(state.group(1))}
    )
    assert accepted.status_code == 200
    left = re.findall(r'name="accept" value="([^"]+)"', accepted.text)
    assert left == buttons[1:]
    holds = site.api("desk", "GET", "/api/v1/holds")
    assert [(h["referral_id"], h["shelter_id"]) for h in holds] == [tuple(buttons[0].split())]
    assert 'data-countdown="5400"' in accepted.text


def test_a_plan_line_whose_hold_ran_out_counts_down_no_further_than_zero(site: Site) -> None:
    """The plan stays on the page while its lines are accepted, holds and all: a line held
    longer ago than holds last shows its hold ended, not minutes below zero."""
    desk = site.visitor("desk")
    cases = [register(desk, priority="3"), register(desk)]
    planned = desk.post("/desk/plan", {})
    buttons = re.findall(r'name="accept" value="([^"]+)"', planned.text)
    assert [button.split()[0] for button in buttons] == cases
    first = desk.post("/desk/plan/accept", {"accept": buttons[0], "state": _plan_form(planned)})
    assert first.status_code == 200
    site.clock.advance(100)  # past the 90 minutes a hold lasts
    second = desk.post("/desk/plan/accept", {"accept": buttons[1], "state": _plan_form(first)})
    assert second.status_code == 200
    countdowns = re.findall(r'data-countdown="(-?\d+)"', second.text)
    assert countdowns == ["0", "5400"]


def test_an_accept_for_another_shelter_than_the_plan_line_holds_nothing(site: Site) -> None:
    """The accept names the case and the shelter: one changed to another shelter (by hand, or a
    copy of the page sent back with another line's shelter) is no line of the plan, and nothing
    is held, not the case's line nor the shelter named."""
    desk = site.visitor("desk")
    case = register(desk)
    planned = desk.post("/desk/plan", {})
    (button,) = re.findall(r'name="accept" value="([^"]+)"', planned.text)
    shelter = button.split()[1]
    other = next(
        item["id"]
        for item in site.api("admin", "GET", "/api/v1/shelters?limit=500")
        if item["id"] != shelter
    )
    sent = {"accept": f"{case} {other}", "state": _plan_form(planned)}
    assert desk.post("/desk/plan/accept", sent).status_code == 422
    assert site.api("desk", "GET", "/api/v1/holds") == []


@pytest.mark.parametrize(
    ("moment", "holiday"),
    [
        (datetime(2026, 12, 25, 10, 0, tzinfo=AMSTERDAM), True),
        (datetime(2026, 12, 24, 10, 0, tzinfo=AMSTERDAM), False),
    ],
)
def test_the_plan_marks_set_hours_shelters_on_a_public_holiday(
    site: Site, moment: datetime, holiday: bool
) -> None:
    """On Christmas Day every line at a shelter without day-and-night intake is marked, and
    only those, unless the shelter said it takes intakes on holidays; on Christmas Eve none
    is."""
    site.add_shelter("T001", 4, intake="office")
    site.add_shelter("T002", 4, intake="office", holiday_intake=True)
    site.clock.now = moment
    desk = site.visitor("desk")
    for _ in range(10):
        register(desk)
    planned = desk.post("/desk/plan", {})
    assert planned.status_code == 200
    lines = re.findall(
        r'<td><span class="ids">([^<]+)</span>(.*?)</td>', planned.text, flags=re.DOTALL
    )
    assert len(lines) == 10
    marked = {shelter: "feestdag: eerst bellen" in badges for shelter, badges in lines}
    stored = {
        shelter: site.api("admin", "GET", f"/api/v1/shelters/{shelter}") for shelter in marked
    }
    set_hours = {
        shelter: body["intake"] != "24/7" and not body["holiday_intake"]
        for shelter, body in stored.items()
    }
    assert marked == {shelter: holiday and hours for shelter, hours in set_hours.items()}
    assert ("Eerste kerstdag is een feestdag." in text(planned)) == any(marked.values())
    assert any(set_hours.values())
    assert {"T001", "T002"} <= set(marked)


def test_a_plan_line_held_elsewhere_meanwhile_offers_no_accept_button_again(site: Site) -> None:
    desk, other = site.visitor("desk"), site.visitor("desk")
    case = register(desk)
    planned = desk.post("/desk/plan", {})
    state = re.search(r'name="state" value="([^"]+)"', planned.text)
    assert state is not None
    [line] = re.findall(r'name="accept" value="([^"]+)"', planned.text)
    assert line.startswith(f"{case} ")
    # Another desk holds a place for the same person from the case page.
    shelter = line.split()[1]
    assert other.post(f"/desk/referrals/{case}/hold", {"shelter_id": shelter}).status_code == 303

    refused = desk.post("/desk/plan/accept", {"accept": line, "state": _unescape(state.group(1))})
    assert refused.status_code == 409
    assert "Er wordt al een plaats voor deze persoon vastgehouden." in text(refused)
    assert f'name="accept" value="{line}"' not in refused.text


def test_a_planner_cannot_open_a_referral(site: Site) -> None:
    case = register(site.visitor("desk"))
    response = site.visitor("planner").get(f"/desk/referrals/{case}")
    assert response.status_code == 403
    shown = text(response)
    assert "Als planner mag u deze pagina niet openen." in shown
    assert "Utrecht" not in shown
    assert site.audit()[-1] == ("denied", "referral", case, "denied")


def _unescape(value: str) -> str:
    """A hidden field's value as the browser would send it back."""
    return value.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def test_the_desk_records_where_someone_stays_and_sees_the_unsuitable_nights(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(desk, stay="hotel")
    site.clock.now += timedelta(days=2)
    assert "hotel · 2 nachten ongeschikt" in row_of(desk.get("/desk"), case)
    page = text(desk.get(f"/desk/referrals/{case}"))
    assert "Verblijft hotel" in page
    assert "2 nachten op een ongeschikte plek" in page

    saved = desk.post(f"/desk/referrals/{case}/stay", {"kind": "acquaintances"})
    assert saved.headers["location"] == f"/desk/referrals/{case}?done=stay"
    page = text(desk.get(f"/desk/referrals/{case}", done="stay"))
    assert "De verblijfplaats is opgeslagen." in page
    assert "Verblijft bij familie of vrienden" in page
    stored = site.api("desk", "GET", f"/api/v1/referrals/{case}")
    assert (stored["stay"]["kind"], stored["unsuitable_nights"]) == ("acquaintances", 2)
    site.clock.now += timedelta(days=1)
    assert "2 nachten ongeschikt" in row_of(desk.get("/desk"), case)
    history = text(desk.get(f"/desk/referrals/{case}"))
    assert "2 verblijven vastgelegd" in history
    assert re.search(r"hotel ?: \S+ \d+ \S+ \d\d:\d\d – \S+ \d+ \S+ \d\d:\d\d · 2 nachten", history)
    assert "bij familie of vrienden: " in history
    assert "– nu · 1 nacht" in history
    assert desk.post(f"/desk/referrals/{case}/stay", {"kind": "motel"}).status_code == 422


def test_the_desk_dates_a_stay_back_and_sees_a_refused_moment_next_to_the_form(
    site: Site,
) -> None:
    desk = site.visitor("desk")
    case = register(desk, stay="acquaintances")
    site.clock.now += timedelta(days=3)
    yesterday = (site.clock.now - timedelta(days=1)).astimezone(AMSTERDAM)
    sent = yesterday.strftime("%Y-%m-%dT%H:%M")
    saved = desk.post(f"/desk/referrals/{case}/stay", {"kind": "hotel", "since": sent})
    assert saved.status_code == 303, text(saved)
    stored = site.api("desk", "GET", f"/api/v1/referrals/{case}")
    assert datetime.fromisoformat(stored["stay"]["since"]) == yesterday.replace(second=0)
    assert stored["unsuitable_nights"] == 1

    # A moment before the hotel stay began is refused by the API; the page keeps the choice
    # and says what is wrong next to the form, and nothing changes.
    earlier = (yesterday - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = desk.post(f"/desk/referrals/{case}/stay", {"kind": "police", "since": earlier})
    assert refused.status_code == 422
    shown = text(refused)
    assert "Dat moment ligt vóór het begin van het huidige verblijf" in shown
    assert 'value="police" selected' in refused.text
    assert f'value="{earlier}"' in refused.text
    weeks_ago = (site.clock.now - timedelta(days=20)).astimezone(AMSTERDAM)
    too_old = {"kind": "police", "since": weeks_ago.strftime("%Y-%m-%dT%H:%M")}
    refused = desk.post(f"/desk/referrals/{case}/stay", too_old)
    assert "Een verblijf kan hoogstens 14 dagen terug worden gedateerd." in text(refused)
    typo = desk.post(f"/desk/referrals/{case}/stay", {"kind": "police", "since": "gisteren"})
    assert typo.status_code == 422
    assert "Vul een datum en tijd in, niet „gisteren”." in text(typo)
    assert site.api("desk", "GET", f"/api/v1/referrals/{case}")["stay"]["kind"] == "hotel"


def test_a_stay_dated_outside_the_years_the_api_takes_is_refused_at_the_field(
    site: Site,
) -> None:
    """A date picker lets year 1 through; the desk sees why next to the form, with its choice
    and what it typed kept, as for any moment too far back, not an error page."""
    desk = site.visitor("desk")
    case = register(desk, stay="acquaintances")
    for since, said in (
        ("0001-01-01T00:00", "Een verblijf kan hoogstens 14 dagen terug worden gedateerd."),
        ("9999-12-31T23:59", "Dat moment ligt in de toekomst."),
    ):
        refused = desk.post(f"/desk/referrals/{case}/stay", {"kind": "police", "since": since})
        assert refused.status_code == 422
        assert said in text(refused)
        assert 'id="stay-since-error"' in refused.text
        assert 'value="police" selected' in refused.text
        assert f'value="{since}"' in refused.text
    assert site.api("desk", "GET", f"/api/v1/referrals/{case}")["stay"]["kind"] == "acquaintances"


def test_the_desk_closes_a_held_referral_and_the_page_says_when_and_why(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(desk)
    offered = options(text(desk.get(f"/desk/referrals/{case}")))
    assert desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": offered[0]}).status_code == 303
    site.clock.now += timedelta(hours=2)
    closed = desk.post(f"/desk/referrals/{case}/close", {"reason": "returned_home"})
    assert closed.headers["location"] == f"/desk/referrals/{case}?done=closed"
    stored = site.api("desk", "GET", f"/api/v1/referrals/{case}")
    assert (stored["status"], stored["close_reason"]) == ("closed", "returned_home")
    assert site.api("desk", "GET", f"/api/v1/holds?referral_id={case}&status=active") == []

    site.clock.now += timedelta(days=3)
    page = text(desk.get(f"/desk/referrals/{case}", done="closed"))
    assert "De aanmelding is afgesloten." in page
    assert "naar huis of het land van herkomst teruggekeerd" in page
    assert "Wachtte tot afsluiten 2 u 00 min" in page  # not the three days since
    assert "Deze aanmelding afsluiten" not in page
    assert case not in text(desk.get("/desk"))
    again = desk.post(f"/desk/referrals/{case}/close", {"reason": "withdrawn"})
    assert again.status_code == 409


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["S1", "S2", "S3", "S4", "S5", "S6"]),
            st.sets(st.sampled_from(REASON_CODES), min_size=1),
        ),
        unique_by=lambda item: item[0],
    )
)
def test_the_excluded_are_grouped_by_reason_naming_those_one_reason_alone_keeps_out(
    excluded: list[tuple[str, set[str]]],
) -> None:
    ordered = [
        Excluded(shelter=shelter, reasons=[code for code in REASON_CODES if code in reasons])
        for shelter, reasons in excluded
    ]
    groups = grouped(ordered)
    assert [group.reason for group in groups] == [
        code for code in REASON_CODES if any(code in reasons for _, reasons in excluded)
    ]
    for group in groups:
        hit = [shelter for shelter, reasons in excluded if group.reason in reasons]
        assert group.shelters == hit
        assert group.alone == [s for s, reasons in excluded if reasons == {group.reason}]
        assert group.others == [s for s in hit if s not in group.alone]


def test_the_page_names_the_shelters_a_single_reason_keeps_out(site: Site) -> None:
    site.add_shelter("T001", 2, accepts=[])  # fits but for the addiction
    desk = site.visitor("desk")
    case = register(desk, conditions=["addiction"])
    page = desk.get(f"/desk/referrals/{case}").text
    alone = re.findall(r"Alleen om deze reden: <span class=\"ids\">([^<]*)</span>", page)
    assert any("T001" in found.split(", ") for found in alone), alone


@pytest.mark.parametrize(
    ("moment", "holiday"),
    [
        (datetime(2026, 12, 25, 10, 0, tzinfo=AMSTERDAM), "Eerste kerstdag"),  # a Friday
        (datetime(2027, 5, 6, 10, 0, tzinfo=AMSTERDAM), "Hemelvaartsdag"),  # a Thursday
        (datetime(2026, 12, 24, 10, 0, tzinfo=AMSTERDAM), None),  # Christmas Eve: a workday
    ],
)
def test_on_a_public_holiday_the_desk_is_told_to_phone_set_hours_shelters_first(
    site: Site, moment: datetime, holiday: str | None
) -> None:
    """Intake hours repeat weekly, so an office-hours shelter reads as open at ten on
    Christmas Day; the page offers it, marked, and says why, but not one open day and night,
    nor one that said it takes intakes on public holidays within its hours."""
    site.add_shelter("T001", 2, intake="office")
    site.add_shelter("T004", 2, intake="office", holiday_intake=True)
    site.add_shelter("T002", 2)
    # Day and night written as two windows: no hour of the week without intake either.
    halves = [("00:00", "12:00"), ("12:00", "24:00")]
    site.add_shelter("T003", 2, intake=[{"days": "mon-sun", "from": a, "to": b} for a, b in halves])
    site.clock.now = moment
    desk = site.visitor("desk")
    case = register(desk)
    response = desk.get(f"/desk/referrals/{case}")
    shown = text(response)
    assert {"T001", "T002", "T003", "T004"} <= set(options(shown))
    marked = re.findall(
        r'class="ids">(T\d+)</span>[^<]*<span class="badge warn">feestdag', response.text
    )
    if holiday is None:
        assert "feestdag" not in shown
        return
    assert f"{holiday} is een feestdag." in shown
    assert "T001" in marked
    assert "T002" not in marked
    assert "T003" not in marked
    assert "T004" not in marked
    desk.post("/language", {"language": "en", "next": f"/desk/referrals/{case}"})
    english = text(desk.get(f"/desk/referrals/{case}"))
    assert "is a public holiday." in english
    assert "public holiday: phone first" in english
    # For an intake asked on a later workday, the holiday of today says nothing (the page is in
    # English by now: its words for the holiday are looked for, not the Dutch ones).
    later = text(desk.get(f"/desk/referrals/{case}", at=local_minute(moment + timedelta(days=3))))
    assert "Getoond" not in later
    assert "public holiday" not in later


def test_the_auditor_reads_the_trail_in_words_and_filters_by_them(site: Site) -> None:
    case = register(site.visitor("desk"))
    auditor = site.visitor("auditor")
    shown = text(auditor.get("/audit", object_type="referral", action="create"))
    assert re.search(rf"aangemaakt aanmelding {case} gelukt", shown), shown
    form = auditor.get("/audit").text
    assert '<option value="denied">toegang geweigerd</option>' in form
    assert '<option value="not_found">niet gevonden</option>' in form


@pytest.mark.parametrize(
    ("query", "said", "english"),
    [
        # Past the API's bound on the offset (1,000,000 rows at 100 a page), and past SQLite's
        # integers: the page said nothing and the database refused it (500).
        ({"page": "100000000000000000000"}, "Pagina: Vul 10001 of minder in.", "Page: Enter"),
        ({"page": "0"}, "Pagina: Vul 1 of meer in.", "Page: Enter 1 or more."),
        ({"page": "twee"}, "Pagina: Vul een heel getal in, niet “twee”.", "Page: Enter a whole"),
        # Digits of another script, blanks and underscores: int() reads them, nobody types so.
        ({"page": "٣"}, "Pagina: Vul een heel getal in, niet “٣”.", "Page: Enter a whole"),
        ({"page": " 3"}, "Pagina: Vul een heel getal in, niet “ 3”.", "Page: Enter a whole"),
        ({"page": "1_0"}, "Pagina: Vul een heel getal in, niet “1_0”.", "Page: Enter a whole"),
        ({"page": "9" * 5000}, "Pagina: Vul 10001 of minder in.", "Page: Enter"),
        # A moment the database cannot store (500 before), or past the years the API takes.
        (
            {"since": "0001-01-01T00:00"},
            "Vanaf: Vul een moment in de jaren 1970-2999 in.",
            "From: Enter a moment in the years 1970-2999.",
        ),
        (
            {"until": "9999-12-31T23:59"},
            "Tot: Vul een moment in de jaren 1970-2999 in.",
            "Until: Enter a moment in the years 1970-2999.",
        ),
        (
            {"since": "gisteren"},
            "Vanaf: Vul een datum en tijd in, niet „gisteren”.",
            "From: Enter a date and time",
        ),
        ({"actor": "d" * 65}, "Gebruiker: Gebruik hoogstens 64 tekens.", "User: Use at most 64"),
        (
            {"request_id": "a\tb"},
            "Verzoeknummer: Gebruik geen stuurtekens, zoals een tab.",
            "Request id: Use no control characters",
        ),
    ],
)
def test_the_auditor_is_told_which_filter_the_api_would_refuse_and_why(
    site: Site, query: dict[str, str], said: str, english: str
) -> None:
    """The page calls the API's route as a function, past the bounds the API checks on a
    request's query: it must check them itself, and say which field breaks them."""
    register(site.visitor("desk"))
    auditor = site.visitor("auditor")
    refused = auditor.get("/audit", **query)
    assert refused.status_code == 422
    shown = text(refused)
    assert f"Verbeter het volgende {said}" in shown, shown
    assert "<tbody>" not in refused.text
    auditor.post("/language", {"language": "en", "next": "/audit"})
    assert english in text(auditor.get("/audit", **query))


def test_the_auditor_turns_pages_as_far_as_the_api_reaches_and_no_further(site: Site) -> None:
    register(site.visitor("desk"))
    auditor = site.visitor("auditor")
    assert "<tbody>" in auditor.get("/audit", page="1").text
    last = auditor.get("/audit", page="10001")  # offset 1,000,000: the API's bound
    assert last.status_code == 200
    assert "Niets gevonden." in text(last)
    beyond = auditor.get("/audit", page="10002")
    assert beyond.status_code == 422
    assert "Pagina: Vul 10001 of minder in." in text(beyond)


def test_the_auditor_sees_a_backup_as_the_whole_database_copied_out(
    site: Site, tmp_path: Path
) -> None:
    """A backup takes every person out of the service at once: the trail says so in words, and
    whether it left readable by whoever gets the file."""
    app = typer.Typer()
    register_commands(app)
    url = site.database.engine.url.render_as_string(hide_password=False)
    env = {"SAFEPLACE_DATABASE_URL": url, "SAFEPLACE_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "copy.db")], env=env)
    assert result.exit_code == 0, result.output
    auditor = site.visitor("auditor")
    shown = text(auditor.get("/audit", action="export", object_type="database"))
    copied = (
        r"console:\S+ serverconsole gekopieerd \(back-up\) de hele database \(niet versleuteld\) "
        "gelukt"
    )
    assert re.search(copied, shown), shown
    form = auditor.get("/audit").text
    assert '<option value="export">gekopieerd (back-up)</option>' in form
    assert '<option value="database">de hele database</option>' in form


def test_the_auditor_sees_where_a_purged_trail_begins(site: Site) -> None:
    """Two years and more later, every row of today is past the default 730 days (the three
    logins: the newest stays, as the boundary): the page says from when the trail is kept and
    how many rows went, when and under what period. Before any purge it says nothing of the
    kind."""
    before = site.api("auditor", "GET", "/api/v1/audit/beginning")
    assert (before["purged_rows"], before["purged_at"], before["retention_days"]) == (0, None, None)
    assert "Audittrail bewaard vanaf" not in text(site.visitor("auditor").get("/audit"))
    for role in ("desk", "planner"):  # their logins are on record too
        site.visitor(role).get("/")
    site.clock.now += timedelta(days=800)
    with site.database.session() as session:
        done = audit_purge.purge_expired(
            session, now=site.clock.now, days=730, actor="console:root", request_id="run"
        )
        begun = audit_verify.beginning(session)
    assert done is not None
    assert begun is not None
    auditor = site.visitor("auditor")
    shown = text(auditor.get("/audit"))
    kept_from, on = (day(begun.at, "nl"), day(site.clock.now, "nl"))
    assert (
        f"Audittrail bewaard vanaf {kept_from}; {done.through} eerdere regels zijn verwijderd, "
        f"het laatst op {on}, onder een bewaartermijn van 730 dagen."
    ) in shown, shown
    rows = text(auditor.get("/audit", action="purge"))
    assert "verwijderd na afloop van de bewaartermijn de oudste regels van de audittrail" in rows
    auditor.post("/language", {"language": "en", "next": "/audit"})
    english = text(auditor.get("/audit"))
    assert (
        f"Trail kept from {day(begun.at, 'en')}; {done.through} earlier rows were purged, the "
        f"last time on {day(site.clock.now, 'en')}, under a retention of 730 days."
    ) in english, english


def day(moment: datetime, language: str) -> str:
    """A day as the pages write it, with its year."""
    return format_datetime(moment, "d MMMM y", tzinfo=AMSTERDAM, locale=language)


def test_the_auditor_sees_a_restore_as_the_whole_database_put_in_place(site: Site) -> None:
    """The row ``safeplace restore`` writes into the database it puts in place, in words."""
    with site.database.session() as session:
        audit.record(
            session,
            actor="console:root",
            role=audit.CONSOLE,
            action="import",
            object_type="database",
            object_id=None,
            result="ok",
            request_id="restore-1",
            at=site.clock.now,
        )
    auditor = site.visitor("auditor")
    shown = text(auditor.get("/audit", action="import"))
    restored = "console:root serverconsole teruggezet (uit een back-up) de hele database gelukt"
    assert restored in shown, shown
    form = auditor.get("/audit").text
    assert '<option value="import">teruggezet (uit een back-up)</option>' in form


def test_a_database_that_does_not_answer_is_a_page_too(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk at night must read what happened, in Dutch, not a JSON document."""
    desk = site.visitor("desk")
    assert desk.get("/desk").status_code == 200

    def busy(*_args: object, **_kwargs: object) -> NoReturn:
        raise DatabaseBusy

    monkeypatch.setattr(ledger, "expire_holds", busy)
    page = desk.get("/desk")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "1"
    assert "Safeplace is even bezet" in text(page)


def test_a_fault_on_a_page_is_the_error_page_with_the_request_id_and_the_api_keeps_json(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A desk whose form hits a fault of the service reads what happened in Dutch, with an id
    to quote that the logs hold, not a JSON document; the API's clients keep their problem."""
    desk = site.visitor("desk")
    case = register(desk)

    def broken(*_args: object, **_kwargs: object) -> NoReturn:
        raise RuntimeError("secret-value-in-an-exception-message")

    monkeypatch.setattr(ledger, "expire_holds", broken)
    typo = {"kind": "hotel", "since": "gisteren"}  # the form's page again, which fails
    with caplog.at_level(logging.ERROR):
        pages = [
            desk.get(f"/desk/referrals/{case}"),
            desk.post(f"/desk/referrals/{case}/stay", typo),
        ]
    for page in pages:
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        shown = text(page)
        assert "Er ging iets mis" in shown
        request = page.headers["x-request-id"]
        assert f"geef de beheerder dan dit kenmerk: {request}" in shown
        assert f"request {request})" in caplog.text
        assert "secret-value" not in page.text
    assert "secret-value" not in caplog.text
    answer = TestClient(site.app).get("/api/v1/referrals", headers=bearer("desk"))
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"


def _hold_at(desk: Visitor, shelter: str, **fields: str) -> tuple[str, str]:
    """A referral registered and held at ``shelter`` from its page: (case, hold id)."""
    return _hold_at_existing(desk, register(desk, **fields), shelter)


def test_the_waiting_list_counts_down_each_hold_from_its_time_left(site: Site) -> None:
    """A held line says how long its places are still kept: the night desk acts on the one that
    runs out first, without opening each case."""
    site.add_shelter("T001", 1)
    desk = site.visitor("desk")
    case, _hold = _hold_at(desk, "T001")
    site.clock.advance(10)
    listed = desk.get("/desk")
    row = re.search(rf"{case}.*?</tr>", listed.text, flags=re.S)
    assert row is not None
    assert 'data-countdown="4800"' in row.group(0)  # 90 minutes held, 10 gone


@pytest.mark.parametrize(
    ("path", "change", "warning"),
    [
        ("/availability", {"closed": True}, "T001 is tijdelijk gesloten sinds de plaats werd"),
        ("", {"accepts": ["addiction"]}, "T001 past niet meer bij deze persoon"),
        ("", {"genders": ["male"]}, "T001 past niet meer bij deze persoon"),
    ],
)
def test_a_held_shelter_that_changed_is_flagged_and_its_refused_confirm_said_truly(
    site: Site, path: str, change: dict[str, object], warning: str
) -> None:
    site.add_shelter("T001", 3, accepts=["pregnancy"])
    desk = site.visitor("desk")
    case, hold = _hold_at(desk, "T001", conditions="pregnancy")
    assert "Zoals het nu staat" not in text(desk.get(f"/desk/referrals/{case}"))

    # Shelter staff (or the admin) change the shelter while the desk holds a place there.
    site.api("admin", "PATCH", f"/api/v1/shelters/T001{path}", change)
    shown = text(desk.get(f"/desk/referrals/{case}"))
    assert warning in shown
    assert "Zoals het nu staat kan de intake daar niet worden bevestigd." in shown

    refused = desk.post(f"/desk/holds/{hold}/confirm", {"referral_id": case})
    assert refused.status_code == 409
    said = text(refused)
    # No other desk took anything, and the hold is not gone: the page must not say so.
    assert "een andere tafel" not in said
    assert "Er is niets veranderd: de reservering staat nog." in said
    assert warning in said
    held = site.api("desk", "GET", "/api/v1/holds", None)
    assert [(h["id"], h["status"]) for h in held] == [(hold, "active")]


def test_a_plan_line_refused_does_not_promise_an_updated_list(site: Site) -> None:
    site.add_shelter("T001", 1, genders=["x"])
    desk, other = site.visitor("desk"), site.visitor("desk")
    mine = register(desk, gender="x")
    planned = desk.post("/desk/plan", {})
    state = re.search(r'name="state" value="([^"]+)"', planned.text)
    assert state is not None
    theirs = register(other, gender="x")
    assert other.post(f"/desk/referrals/{theirs}/hold", {"shelter_id": "T001"}).status_code == 303

    refused = desk.post(
        "/desk/plan/accept", {"accept": f"{mine} T001", "state": _unescape(state.group(1))}
    )
    assert refused.status_code == 409
    said = text(refused)
    assert "T001 heeft geen vrije plaats meer" in said
    assert "De lijst hieronder is bijgewerkt" not in said
    assert "Maak een nieuw plan, of open de zaak om een andere opvang te kiezen." in said


def test_those_the_plan_leaves_out_are_listed_most_urgent_first_with_their_priority(
    site: Site,
) -> None:
    desk = site.visitor("desk")
    # A danger zone of 400 km around Utrecht rules out every shelter in the country.
    nowhere = {"zone_0_place": "Utrecht", "zone_0_km": "400"}
    priorities = ["1", "3", "2", "1", "3", "2"]
    for priority in priorities:
        register(desk, priority=priority, **nowhere)

    shown = text(desk.post("/desk/plan", {}))
    left_out = shown[shown.index("Niet geplaatst in dit plan") :]
    listed = re.findall(r"C[0-9a-f]{16} ([123]) · ", left_out)
    assert listed == sorted(priorities, reverse=True)


_NO_INTAKE_BEFORE_THE_END = (
    "T001 doet geen intake voordat deze reservering afloopt: de volgende intake is"
)


@pytest.mark.parametrize(
    ("intake", "warning"),
    [
        ("office", None),  # Monday 10:00: open now
        ([{"days": "mon", "from": "11:00", "to": "12:00"}], None),  # opens within the 90 minutes
        (
            [{"days": "mon", "from": "11:30", "to": "12:00"}],  # opens just after the hold ends
            f"{_NO_INTAKE_BEFORE_THE_END} ma 30 nov 11:30.",
        ),
        (
            [{"days": "sat", "from": "10:00", "to": "14:00"}],
            f"{_NO_INTAKE_BEFORE_THE_END} za 5 dec 10:00.",
        ),
        ([], "T001 heeft nu helemaal geen intake-uren."),
    ],
)
def test_a_held_shelter_that_takes_no_intake_before_the_hold_ends_is_flagged(
    site: Site, intake: object, warning: str | None
) -> None:
    site.add_shelter("T001", 3)
    desk = site.visitor("desk")
    case, _hold = _hold_at(desk, "T001")  # Monday 10:00, held until 11:30

    # The admin's edit: staff reporting availability cannot give no window at all (closed is
    # how they say so), but the contract allows a shelter stored without one.
    site.api("admin", "PATCH", "/api/v1/shelters/T001", {"intake": intake})
    shown = text(desk.get(f"/desk/referrals/{case}"))
    if warning is None:
        assert "Bel de opvang om de intake af te spreken" not in shown
    else:
        assert warning in shown
        assert "Bel de opvang om de intake af te spreken" in shown


def test_the_waiting_list_flags_a_hold_whose_intake_is_in_doubt(site: Site) -> None:
    site.add_shelter("T001", 3)
    site.add_shelter("T002", 3)
    desk = site.visitor("desk")
    doubtful, _ = _hold_at(desk, "T001")
    fine, _ = _hold_at(desk, "T002")
    flag = "controleer de reservering: de intake daar is onzeker"
    assert flag not in text(desk.get("/desk"))

    site.api("admin", "PATCH", "/api/v1/shelters/T001/availability", {"closed": True})
    rows = re.findall(r"<tr>.*?</tr>", desk.get("/desk").text, flags=re.S)
    flagged = [row for row in rows if flag in row]
    assert len(flagged) == 1
    assert doubtful in flagged[0]
    assert fine not in flagged[0]


# A change to a held shelter or its held case (site, shelter id, case id).
_Change = Callable[[Site, str, str], None]


def _patch(path: str, change: dict[str, object]) -> _Change:
    """A change the admin makes to a held shelter through the API."""
    return lambda site, shelter_id, _case: site.api(
        "admin", "PATCH", f"/api/v1/shelters/{shelter_id}{path}", change
    )


def _cut_places(site: Site, shelter_id: str, _case: str) -> None:
    """Places in use outside Safeplace, written past the API (by an import or by hand), which
    would refuse to count more than the places left."""
    with site.database.session() as session:
        session.execute(update(ShelterRow).where(ShelterRow.id == shelter_id).values(occupied=3))


def _more_children(site: Site, _shelter_id: str, case: str) -> None:
    """The held person turns out to bring two children: three places, where one is held."""
    site.api("desk", "PATCH", f"/api/v1/referrals/{case}", {"children": 2})


# Each kind of doubt about a hold, caused after the hold, and the warning's id on the case's
# page (None: no warning).
_DOUBTS: dict[str, tuple[_Change | None, str | None]] = {
    "T001": (None, None),
    "T002": (_patch("/availability", {"closed": True}), "hold-trouble"),  # closed
    "T003": (_cut_places, "hold-trouble"),  # places cut
    "T004": (_more_children, "hold-trouble"),  # more places needed than the shelter has left
    "T005": (_patch("", {"genders": ["male"]}), "hold-trouble"),  # no longer fits the rules
    "T006": (_patch("", {"intake": []}), "intake-late"),  # no intake before the end (admin)
}


def test_the_waiting_list_flags_exactly_the_holds_their_pages_warn_of(site: Site) -> None:
    """The list checks every held case at once, the case's page its own hold: for every kind of
    doubt the list flags a case exactly when its page warns, and the view is audited as the
    API's searches it makes (one row per case and per hold shown), nothing more."""
    for shelter_id in _DOUBTS:
        site.add_shelter(shelter_id, 3)
    desk = site.visitor("desk")
    held = {shelter_id: _hold_at(desk, shelter_id) for shelter_id in _DOUBTS}
    # Someone else's hold where places are cut or more are needed: it takes one of the three.
    for shelter_id in ("T003", "T004"):
        _hold_at(desk, shelter_id)
    for shelter_id, (change, _) in _DOUBTS.items():
        if change is not None:
            change(site, shelter_id, held[shelter_id][0])

    before = len(site.audit())
    listed = desk.get("/desk").text
    audited = site.audit()[before:]
    flag = "controleer de reservering: de intake daar is onzeker"
    rows = {
        case: row
        for row in re.findall(r"<tr>.*?</tr>", listed, flags=re.S)
        for case in re.findall(r"C[0-9a-f]{16}", row)
    }
    for shelter_id, (_, warning) in _DOUBTS.items():
        case, _hold = held[shelter_id]
        page = desk.get(f"/desk/referrals/{case}").text
        warned = [found for found in ("hold-trouble", "intake-late") if f'id="{found}"' in page]
        assert warned == ([] if warning is None else [warning]), shelter_id
        assert (flag in rows[case]) == bool(warned), shelter_id
        # Places cut or more places needed: the warning blames neither the staff nor the desk.
        too_few = "heeft nu te weinig plaatsen voor deze reservering" in page
        assert too_few == (shelter_id in ("T003", "T004")), shelter_id
    holds = site.api("desk", "GET", "/api/v1/holds")
    assert len(holds) == len(_DOUBTS) + 2
    assert Counter(audited) == Counter(
        [("search", "referral", None, "ok")]  # nobody is waiting
        + [("search", "referral", hold["referral_id"], "ok") for hold in holds]
        + [("search", "hold", hold["id"], "ok") for hold in holds]
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def any_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The service with its pages on a new database of each kind."""
    with (
        contextmanager(empty_database)(request.param, tmp_path) as url,
        running_site(tmp_path / "var", database_url=url) as running,
    ):
        yield running


def _statements(site: Site, visitor: Visitor, path: str) -> int:
    """How many SQL statements opening ``path`` again runs (the network as read the first time
    is cached, as it is for a desk refreshing the page)."""
    assert visitor.get(path).status_code == 200
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(site.database.engine, "before_cursor_execute", count)
    try:
        assert visitor.get(path).status_code == 200
    finally:
        event.remove(site.database.engine, "before_cursor_execute", count)
    return len(statements)


# A person from a raid, registered through the API.
_RAIDED = {"gender": "female", "age": 27, "location": {"municipality": "Rotterdam"}}


def test_the_waiting_list_checks_its_holds_in_as_many_statements_for_2_as_for_20(
    any_site: Site,
) -> None:
    """After a raid the night desk refreshes a list of some thirty held cases all night: checking
    their holds may not cost statements per case."""
    site = any_site
    for number in range(5):
        site.add_shelter(f"T00{number}", 10)
    desk = site.visitor("desk")
    register(desk)  # someone waiting, whose fitting shelters the list counts
    cases = [site.api("desk", "POST", "/api/v1/referrals", _RAIDED)["id"] for _ in range(20)]

    def hold(case: str, number: int) -> None:
        made = {"referral_id": case, "shelter_id": f"T00{number % 5}"}
        site.api("desk", "POST", "/api/v1/holds", made)

    for number, case in enumerate(cases[:2]):
        hold(case, number)
    site.api("admin", "PATCH", "/api/v1/shelters/T000/availability", {"closed": True})
    assert desk.get("/desk").text.count("controleer de reservering") == 1
    two = _statements(site, desk, "/desk")
    site.api("admin", "PATCH", "/api/v1/shelters/T000/availability", {"closed": False})
    for number, case in enumerate(cases[2:], start=2):
        hold(case, number)
    site.api("admin", "PATCH", "/api/v1/shelters/T000/availability", {"closed": True})
    assert desk.get("/desk").text.count("controleer de reservering") == 4  # the 20 at five
    assert _statements(site, desk, "/desk") == two


def test_a_hold_that_ran_out_is_said_on_the_case_until_the_next_hold(site: Site) -> None:
    site.add_shelter("T001", 3)
    desk = site.visitor("desk")
    case, _ = _hold_at(desk, "T001")  # Monday 10:00, held until 11:30
    lapsed = "De laatste reservering, bij T001, is op ma 30 nov 11:30 verlopen zonder intake"
    site.clock.advance(89)
    assert lapsed not in text(desk.get(f"/desk/referrals/{case}"))

    site.clock.advance(2)
    shown = text(desk.get(f"/desk/referrals/{case}"))
    assert lapsed in shown
    assert "T001" in options(shown)

    # Held again and released: the last hold did not run out, so nothing is said of it.
    _, hold = _hold_at_existing(desk, case, "T001")
    released = desk.post(f"/desk/holds/{hold}/release", {"referral_id": case, "confirmed": "1"})
    assert released.status_code == 303
    assert "verlopen zonder intake" not in text(desk.get(f"/desk/referrals/{case}"))


def _hold_at_existing(desk: Visitor, case: str, shelter: str) -> tuple[str, str]:
    """Hold ``shelter`` for a waiting referral from its page: (case, hold id)."""
    assert desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": shelter}).status_code == 303
    found = re.search(r"/desk/holds/(H[0-9a-f]+)/confirm", desk.get(f"/desk/referrals/{case}").text)
    assert found is not None
    return case, found.group(1)


def test_the_case_page_says_when_the_next_office_hours_intake_is(site: Site) -> None:
    desk = site.visitor("desk")
    case = register(desk)
    button = "Rangschikken voor de volgende intake in kantooruren"
    assert button not in text(desk.get(f"/desk/referrals/{case}"))  # Monday 10:00: open now

    site.clock.advance(8 * 60)  # Monday 18:00
    assert f"{button}, di 1 dec 09:00" in text(desk.get(f"/desk/referrals/{case}"))


def test_a_hold_for_the_next_morning_says_which_day_it_lasts_until(site: Site) -> None:
    site.add_shelter("T001", 3, intake="office")
    site.clock.advance(12 * 60)  # Monday 22:00
    desk = site.visitor("desk")
    case = register(desk)
    ranked = desk.get(f"/desk/referrals/{case}", at="2026-12-01T09:00")
    until = re.search(r'name="until" value="([^"]+)"', ranked.text)
    assert until is not None
    held = desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": "T001", "until": until[1]})
    assert held.status_code == 303

    # Held until Tuesday 10:30: "until 10:30" alone would read as this evening's past.
    shown = text(desk.get(f"/desk/referrals/{case}"))
    assert "1 plaats wordt vastgehouden tot di 1 dec 10:30." in shown

    # The shelter's staff (of S001, a COSM shelter) see the day of a hold too.
    person = {"gender": "female", "age": 30, "programmes": ["cosm"]}
    theirs = site.api("desk", "POST", "/api/v1/referrals", person)["id"]
    body = {"referral_id": theirs, "shelter_id": "S001", "until": until[1]}
    site.api("desk", "POST", "/api/v1/holds", body)
    incoming = re.search(rf"{theirs}.*?</tr>", site.visitor("shelter").get("/shelter").text, re.S)
    assert incoming is not None
    assert "di 1 dec 10:30" in " ".join(re.sub(r"<[^>]+>", " ", incoming[0]).split())


# No shelter of the sample network that takes gender X cares for aggression: people registered
# with ``ONLY_T`` fit only the shelters a test adds with ``ONLY_AT_T``.
ONLY_T: dict[str, str | list[str]] = {"gender": "x", "conditions": ["aggression"]}
ONLY_AT_T = {"genders": ["x"], "accepts": ["aggression"]}


def _plan_form(page: httpx2.Response) -> str:
    """The plan a plan page carries in its form, as the browser sends it back."""
    state = re.search(r'name="state" value="([^"]+)"', page.text)
    assert state is not None
    return _unescape(state.group(1))


def _plan_lines(page: httpx2.Response) -> dict[str, str]:
    """Case -> shelter of every line a plan page proposes."""
    rows = re.findall(
        r'<tr>\s*<th scope="row" class="ids"><a href="/desk/referrals/(C[0-9a-f]+)">'
        r'.*?<td><span class="ids">(\S+)</span>',
        page.text,
        flags=re.S,
    )
    return dict(rows)


def _held(site: Site) -> dict[str, str]:
    """Case -> shelter of every active hold."""
    return {
        h["referral_id"]: h["shelter_id"]
        for h in site.api("desk", "GET", "/api/v1/holds", None)
        if h["status"] == "active"
    }


def test_accept_all_holds_every_open_line_most_urgent_first(site: Site) -> None:
    site.add_shelter("T001", 3, **ONLY_AT_T)
    desk = site.visitor("desk")
    cases = {priority: register(desk, **ONLY_T, priority=priority) for priority in "132"}
    planned = desk.post("/desk/plan", {})
    lines = _plan_lines(planned)
    assert lines == dict.fromkeys(cases.values(), "T001")
    shown = text(planned)
    assert "Alles accepteren: alle 3 open regels in één keer vasthouden…" in shown
    assert "Ja: 3 reserveringen maken" in shown
    before = len(site.audit())

    accepted = desk.post("/desk/plan/accept-all", {"state": _plan_form(planned)})
    made = site.audit()[before:]
    assert accepted.status_code == 200
    said = text(accepted)
    assert "3 reserveringen gemaakt." in said
    assert "geweigerd" not in said
    assert 'name="accept"' not in accepted.text
    assert "Alles accepteren" not in said
    assert accepted.text.count('data-countdown="5400"') == 3
    # Each line through the API's hold, with its audit rows, the most urgent first.
    holds = {h["referral_id"]: h for h in site.api("desk", "GET", "/api/v1/holds", None)}
    assert {case: hold["shelter_id"] for case, hold in holds.items()} == lines
    assert made == [
        row
        for case in (cases["3"], cases["2"], cases["1"])
        for row in (("create", "hold", holds[case]["id"], "ok"), ("update", "referral", case, "ok"))
    ]


def test_a_line_refused_in_accept_all_does_not_stop_the_others_nor_undo_them(site: Site) -> None:
    for shelter in ("T001", "T002", "T003"):
        site.add_shelter(shelter, 1, **ONLY_AT_T)
    desk, other = site.visitor("desk"), site.visitor("desk")
    urgent, middle, last = (register(desk, **ONLY_T, priority=p) for p in "321")
    planned = desk.post("/desk/plan", {})
    lines = _plan_lines(planned)
    assert set(lines) == {urgent, middle, last}
    # Another desk takes the place planned for the middle line, after the plan was made: the
    # line held before it and the one after it must both stand.
    theirs = register(other, **ONLY_T)
    taken = lines[middle]
    assert other.post(f"/desk/referrals/{theirs}/hold", {"shelter_id": taken}).status_code == 303

    accepted = desk.post("/desk/plan/accept-all", {"state": _plan_form(planned)})
    assert accepted.status_code == 409
    assert _held(site) == {urgent: lines[urgent], last: lines[last], theirs: taken}
    said = text(accepted)
    assert (
        "2 reserveringen gemaakt. 1 regel is geweigerd: bij die regel hieronder staat waarom."
        in said
    )
    assert f"{taken} heeft geen vrije plaats meer" in said
    assert "Deze regel is niet vastgehouden." in said
    # No room may change (a place frees up): that line can still be accepted, alone or all.
    assert re.findall(r'name="accept" value="([^"]+)"', accepted.text) == [f"{middle} {taken}"]
    assert "Alles accepteren: 1 open regel in één keer vasthouden…" in said


def test_accept_all_again_from_an_old_copy_of_the_page_holds_nothing_twice(site: Site) -> None:
    site.add_shelter("T001", 2, **ONLY_AT_T)
    desk = site.visitor("desk")
    cases = [register(desk, **ONLY_T) for _ in range(2)]
    planned = desk.post("/desk/plan", {})
    state = _plan_form(planned)
    assert desk.post("/desk/plan/accept-all", {"state": state}).status_code == 200

    # The back button and the same press again: every line is held already, and says so.
    again = desk.post("/desk/plan/accept-all", {"state": state})
    assert again.status_code == 409
    said = text(again)
    assert "0 reserveringen gemaakt. 2 regels zijn geweigerd" in said
    assert said.count("Er wordt al een plaats voor deze persoon vastgehouden.") == 2
    assert 'name="accept"' not in again.text
    assert "Alles accepteren" not in said
    assert sorted(_held(site)) == sorted(cases)


def test_a_plan_too_old_is_not_accepted_all_at_once(site: Site) -> None:
    site.add_shelter("T001", 2, **ONLY_AT_T)
    desk = site.visitor("desk")
    first, second = (register(desk, **ONLY_T) for _ in range(2))
    planned = desk.post("/desk/plan", {})
    site.clock.advance(16)
    late = register(desk, **ONLY_T, priority="3")  # registered since: not in the plan

    refused = desk.post("/desk/plan/accept-all", {"state": _plan_form(planned)})
    assert refused.status_code == 409
    assert _held(site) == {}
    said = text(refused)
    assert "Dit plan is meer dan 15 minuten oud" in said
    assert "Alles accepteren" not in said
    assert late not in _plan_lines(refused)
    # One line at a time still works, and the page keeps saying the plan is old.
    one = desk.post("/desk/plan/accept", {"accept": f"{first} T001", "state": _plan_form(refused)})
    assert one.status_code == 200
    assert _held(site) == {first: "T001"}
    assert "Dit plan is meer dan 15 minuten oud" in text(one)
    assert f'name="accept" value="{second} T001"' in one.text


def test_a_plan_within_the_time_is_accepted_all_at_once(site: Site) -> None:
    site.add_shelter("T001", 1, **ONLY_AT_T)
    desk = site.visitor("desk")
    case = register(desk, **ONLY_T)
    planned = desk.post("/desk/plan", {})
    site.clock.advance(15)
    accepted = desk.post("/desk/plan/accept-all", {"state": _plan_form(planned)})
    assert accepted.status_code == 200
    assert _held(site) == {case: "T001"}
    assert "1 reservering gemaakt." in text(accepted)


@pytest.mark.parametrize("role", ["shelter", "planner", "auditor", "admin"])
def test_accept_all_is_the_desks_only(site: Site, role: str) -> None:
    site.add_shelter("T001", 2, **ONLY_AT_T)
    register(site.visitor("desk"), **ONLY_T)
    state = _plan_form(site.visitor("desk").post("/desk/plan", {}))

    refused = site.visitor(role).post("/desk/plan/accept-all", {"state": state})
    assert site.audit()[-1] == ("denied", "hold", None, "denied")  # as the API's refusal
    assert refused.status_code == 403
    assert "Niet voor uw rol" in text(refused)
    assert _held(site) == {}


def test_an_unreadable_plan_is_refused_by_accept_all(site: Site) -> None:
    refused = site.visitor("desk").post("/desk/plan/accept-all", {"state": "{not a plan"})
    assert refused.status_code == 422


def _without_offset(plan: dict[str, Any], case: str) -> None:
    plan["made_at"] = "2026-12-07T15:05:35"


def _past_the_years(plan: dict[str, Any], case: str) -> None:
    plan["made_at"] = "9999-12-31T23:59:59Z"


def _held_without_offset(plan: dict[str, Any], case: str) -> None:
    plan["held"] = {case: {"hold": "H1", "expires_at": "2026-12-07T15:05:35"}}


def _past_any_distance(plan: dict[str, Any], case: str) -> None:
    plan["lines"][0]["distance_km"] = 1e308


@pytest.mark.parametrize("route", ["/desk/plan/accept", "/desk/plan/accept-all"])
@pytest.mark.parametrize(
    "tamper", [_without_offset, _past_the_years, _held_without_offset, _past_any_distance]
)
def test_a_plan_changed_by_hand_into_what_no_plan_holds_is_refused_with_nothing_held(
    site: Site, route: str, tamper: Callable[[dict[str, Any], str], None]
) -> None:
    """The plan travels in the form, where it can be edited: a moment without its offset or in
    the year 9999, or a distance no plan has, failed as the page was drawn (500)."""
    site.add_shelter("T001", 2, **ONLY_AT_T)
    desk = site.visitor("desk")
    case = register(desk, **ONLY_T)
    plan = json.loads(_plan_form(desk.post("/desk/plan", {})))
    tamper(plan, case)
    sent = {"state": json.dumps(plan), "accept": f"{case} T001"}

    refused = desk.post(route, sent)
    assert refused.status_code == 422
    assert (
        "Het plan op de pagina kon niet worden gelezen; er is dus niets vastgehouden. "
        "Maak een nieuw plan." in text(refused)
    )
    assert _held(site) == {}
    desk.post("/language", {"language": "en", "next": "/desk/plan"})
    english = text(desk.post(route, sent))
    assert "The plan on the page could not be read, so nothing was held." in english


def test_a_plan_sent_back_within_the_bounds_is_accepted(site: Site) -> None:
    """Strict, not narrow: a moment with another offset, or a line at its bounds, is a plan."""
    site.add_shelter("T001", 2, **ONLY_AT_T)
    desk = site.visitor("desk")
    case = register(desk, **ONLY_T)
    plan = json.loads(_plan_form(desk.post("/desk/plan", {})))
    made = datetime.fromisoformat(plan["made_at"]).astimezone(AMSTERDAM)
    plan["made_at"] = made.isoformat()  # +01:00 rather than UTC
    plan["lines"][0]["distance_km"] = 20015.0  # all but half the earth round

    accepted = desk.post("/desk/plan/accept-all", {"state": json.dumps(plan)})
    assert accepted.status_code == 200
    assert _held(site) == {case: "T001"}
    assert "20.015,0 km" in text(accepted)


def test_each_plan_line_says_the_distance_as_ranked_and_the_compromises_in_words(
    site: Site,
) -> None:
    site.add_shelter(
        "T001", 2, location={"municipality": "Amersfoort"}, languages=["nl"], **ONLY_AT_T
    )
    desk = site.visitor("desk")
    far = register(desk, **ONLY_T, exploitation="sexual", languages="ro")
    # No location, and proposed to another shelter before: no distance, and a move.
    person = {"gender": "x", "age": 40, "conditions": ["aggression"], "current": "S001"}
    moved = site.api("desk", "POST", "/api/v1/referrals", person)["id"]
    planned = desk.post("/desk/plan", {})
    assert planned.status_code == 200
    assert _plan_lines(planned) == {far: "T001", moved: "T001"}
    rows = {
        case: " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for case, row in re.findall(
            r'<tr>\s*<th scope="row" class="ids"><a href="/desk/referrals/(C[0-9a-f]+)">(.*?)</tr>',
            planned.text,
            flags=re.S,
        )
    }
    ranked = re.search(r"\d+ T001 (\d+,\d km) ", text(desk.get(f"/desk/referrals/{far}")))
    assert ranked is not None
    assert (
        f"T001 {ranked.group(1)} niet gespecialiseerd in deze uitbuiting geen gedeelde taal "
        in (rows[far])
    )
    assert "T001 – betekent verhuizen " in rows[moved]
    assert "Kosten" not in text(planned)
    # The page carries the distance no more exactly than it shows it, and no cost at all.
    state = _plan_form(planned)
    assert '"cost"' not in state
    assert re.search(r'"distance_km":\d+\.\d,', state), state
    # ...and as exactly: to the tenth of a kilometre the ranking shows, not a whole one.
    shown = ranked.group(1).removesuffix(" km").replace(",", ".")
    assert not shown.endswith(".0"), "a distance a whole number of km tells no rounding apart"
    assert f'"distance_km":{shown},' in state


def test_a_plan_line_in_an_emergency_bed_says_so(site: Site) -> None:
    """A raid at night may fill the emergency beds: the plan must not pass them off as
    placements."""
    site.add_shelter("T001", 1, kind="emergency", **ONLY_AT_T)
    site.add_shelter("T002", 1, kind="men", **ONLY_AT_T, location={"municipality": "Zwolle"})
    desk = site.visitor("desk")
    register(desk, **ONLY_T)
    register(desk, **ONLY_T)
    planned = desk.post("/desk/plan", {})
    assert set(_plan_lines(planned).values()) == {"T001", "T002"}
    badges = dict(
        re.findall(
            r'<span class="ids">(T00\d)</span> <span class="badge[^"]*">([^<]+)<', planned.text
        )
    )
    assert badges == {"T001": "noodbedden", "T002": "mannenopvang"}
    assert "1 van deze plaatsen is een noodbed: voor een paar nachten" in text(planned)


def test_a_plan_line_without_compromises_says_none(site: Site) -> None:
    site.add_shelter("T001", 1, **ONLY_AT_T)
    desk = site.visitor("desk")
    case = register(desk, **ONLY_T)
    planned = desk.post("/desk/plan", {})
    row = re.search(rf"{case}</a>.*?</tr>", planned.text, flags=re.S)
    assert row is not None
    assert "T001 0,0 km geen " in " ".join(re.sub(r"<[^>]+>", " ", row.group(0)).split())


def _three_lines(site: Site, desk: Visitor) -> tuple[httpx2.Response, list[str], dict[str, str]]:
    """Three people only T001-T003 take in, a place each, planned: (the plan's page, the cases
    most urgent first, case -> shelter of each line)."""
    for shelter in ("T001", "T002", "T003"):
        site.add_shelter(shelter, 1, **ONLY_AT_T)
    cases = [register(desk, **ONLY_T, priority=p) for p in "321"]
    planned = desk.post("/desk/plan", {})
    lines = _plan_lines(planned)
    assert set(lines) == set(cases)
    return planned, cases, lines


@pytest.mark.parametrize(
    ("failure", "busy_at"),
    [
        (DatabaseBusy, 2),
        (OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked")), 2),
        (DatabaseBusy, 3),
    ],
)
def test_accept_all_stops_where_the_database_does_not_answer_and_says_what_was_not_tried(
    site: Site, monkeypatch: pytest.MonkeyPatch, failure: Exception, busy_at: int
) -> None:
    desk = site.visitor("desk")
    planned, cases, lines = _three_lines(site, desk)
    real = ledger.create_hold
    tried: list[str] = []

    def busy(session: Session, referral_id: str, shelter_id: str, **kwargs: Any) -> HoldRow:
        tried.append(referral_id)
        if len(tried) == busy_at:
            raise failure
        return real(session, referral_id, shelter_id, **kwargs)

    monkeypatch.setattr(ledger, "create_hold", busy)
    accepted = desk.post("/desk/plan/accept-all", {"state": _plan_form(planned)})
    assert accepted.status_code == 503
    assert accepted.headers["retry-after"] == "1"
    assert accepted.headers["content-type"].startswith("text/html")
    # Stopped at the line the database failed: none after it was tried.
    assert tried == cases[:busy_at]
    held, stuck, untried = cases[: busy_at - 1], cases[busy_at - 1], cases[busy_at:]
    assert _held(site) == {case: lines[case] for case in held}
    said = text(accepted)
    made = "1 reservering gemaakt." if len(held) == 1 else "2 reserveringen gemaakt."
    assert made in said
    if untried:
        assert (
            f"Safeplace was bezet en stopte bij zaak {stuck}: die regel en 1 regel erna zijn "
            "niet vastgehouden." in said
        )
    else:
        assert f"Safeplace was bezet bij zaak {stuck}: die regel is niet vastgehouden." in said
    assert "De gemaakte reserveringen blijven staan." in said
    assert said.count("Niet vastgehouden: Safeplace was bezet.") == 1
    assert said.count("Niet geprobeerd: het accepteren stopte bij een regel hierboven.") == len(
        untried
    )
    # The lines not held stay open, one press away once the database answers again.
    open_lines = re.findall(r'name="accept" value="(\S+) ', accepted.text)
    assert open_lines == [stuck, *untried]
    monkeypatch.undo()
    again = desk.post("/desk/plan/accept-all", {"state": _plan_form(accepted)})
    assert again.status_code == 200
    assert _held(site) == lines


def test_one_line_the_database_does_not_answer_for_stays_open(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = site.visitor("desk")
    planned, cases, lines = _three_lines(site, desk)

    def busy(*_args: object, **_kwargs: object) -> NoReturn:
        raise DatabaseBusy

    monkeypatch.setattr(ledger, "create_hold", busy)
    line = f"{cases[1]} {lines[cases[1]]}"
    accepted = desk.post("/desk/plan/accept", {"accept": line, "state": _plan_form(planned)})
    assert accepted.status_code == 503
    assert accepted.headers["retry-after"] == "1"
    said = text(accepted)
    assert "Niet vastgehouden: Safeplace was bezet." in said
    assert "Niet geprobeerd" not in said
    assert f'name="accept" value="{line}"' in accepted.text
    assert _held(site) == {}


@pytest.mark.parametrize("gone", ["case", "shelter"])
def test_a_plan_line_whose_case_or_shelter_is_gone_says_so_and_the_others_are_held(
    site: Site, gone: str
) -> None:
    desk = site.visitor("desk")
    planned, cases, lines = _three_lines(site, desk)
    state = json.loads(_plan_form(planned))
    middle = cases[1]
    if gone == "case":
        # Closed, and removed once its retention was over (safeplace retention run --days 0).
        site.api("desk", "POST", f"/api/v1/referrals/{middle}/close", {"reason": "withdrawn"})
        with site.database.session() as session:
            assert (
                purge_closed(
                    session, now=site.clock.now + timedelta(seconds=1), days=0, actor="console:test"
                )
                == 1
            )
    else:
        # A page whose form names a shelter there is none of (the form is the browser's).
        for line in state["lines"]:
            if line["victim"] == middle:
                line["shelter"] = "T999"
    before = len(site.audit())

    accepted = desk.post("/desk/plan/accept-all", {"state": json.dumps(state)})
    assert accepted.status_code == 409
    assert _held(site) == {case: lines[case] for case in (cases[0], cases[2])}
    said = text(accepted)
    assert (
        "2 reserveringen gemaakt. 1 regel is geweigerd: bij die regel hieronder staat waarom."
        in said
    )
    assert "Deze zaak of deze opvang staat niet meer in Safeplace." in said
    assert "Deze regel kan niet worden vastgehouden. Maak een nieuw plan." in said
    # Accepting it again cannot work: no button for it, and accept all has nothing left.
    assert 'name="accept"' not in accepted.text
    assert "Alles accepteren" not in said
    assert ("create", "hold", None, "not_found") in site.audit()[before:]


@pytest.mark.parametrize(
    ("change", "said", "open_again"),
    [
        ("closed", "Deze aanmelding is afgesloten.", False),
        ("placed", "Deze persoon is al geplaatst.", False),
        ("refit", "De opvang past niet meer bij deze persoon", True),
    ],
)
def test_a_plan_line_refused_by_the_ledger_says_why_and_whether_it_can_be_tried_again(
    site: Site, change: str, said: str, open_again: bool
) -> None:
    desk = site.visitor("desk")
    planned, cases, lines = _three_lines(site, desk)
    middle = cases[1]
    if change == "closed":
        site.api("desk", "POST", f"/api/v1/referrals/{middle}/close", {"reason": "withdrawn"})
    elif change == "placed":
        body = {"referral_id": middle, "shelter_id": lines[middle]}
        hold = site.api("desk", "POST", "/api/v1/holds", body)
        site.api("desk", "POST", f"/api/v1/holds/{hold['id']}/confirm")
    else:
        site.api("admin", "PATCH", f"/api/v1/shelters/{lines[middle]}", {"genders": ["female"]})

    accepted = desk.post("/desk/plan/accept-all", {"state": _plan_form(planned)})
    assert accepted.status_code == 409
    shown = text(accepted)
    assert "2 reserveringen gemaakt. 1 regel is geweigerd" in shown
    assert said in shown
    assert {case: shelter for case, shelter in _held(site).items() if case != middle} == {
        case: lines[case] for case in (cases[0], cases[2])
    }
    offered = re.findall(r'name="accept" value="(\S+) ', accepted.text)
    assert offered == ([middle] if open_again else [])


def test_a_plan_whose_form_breaks_the_apis_id_rules_is_refused_whole(site: Site) -> None:
    desk = site.visitor("desk")
    planned, _cases, _lines = _three_lines(site, desk)
    state = json.loads(_plan_form(planned))
    state["lines"][0]["victim"] = "C" * 65  # longer than any id the API takes
    for path in ("/desk/plan/accept-all", "/desk/plan/accept"):
        refused = desk.post(path, {"state": json.dumps(state), "accept": f"{'C' * 65} T001"})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("text/html")
    assert _held(site) == {}


def test_a_case_number_typed_twice_to_keep_apart_counts_once() -> None:
    """What the desk asks is plain; the API would refuse the repeat in English."""
    form = FormData([*REFERRAL.items(), ("avoid", "C1, C2 C1;C2")])
    assert referral_from_form(form).avoid == ["C1", "C2"]
