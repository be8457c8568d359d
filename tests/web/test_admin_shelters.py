"""The admin's shelter pages: the network in a table, and the form that adds or changes a shelter
through the API's own routes (its roles, audit rows, version check and refusals)."""

from __future__ import annotations

import re
import string
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from api.db.mapping import shelter_columns
from api.db.tables import ShelterRow
from api.web.forms import new_shelter_from_form
from api.web.languages import name_of
from models.shelter import Shelter
from tests.api.helpers import OWN_SHELTER, add_users, bearer
from tests.web.site import Site, Visitor, form_entries, text

NEW = {
    "id": "T100",
    "kind": "women",
    "location": "Den Bosch",
    "capacity": "12",
    "occupied": "2",
    "genders": "female",
    "min_age": "18",
    "max_age": "65",
    "children": "yes",
    "accepts": ["addiction", "pregnancy"],
    "specialisations": "sexual",
    "languages": "Nederlands, Roemeens en Tigrinya",
    "programme": "COSM",
    "intake": "windows",
    "windows": "ma-vr 08:00-19:00\nza,zo 10:00-14:00",
}
NOT_FOR_ADMINS = ("desk", "shelter", "planner", "auditor")


def filled(page: httpx2.Response) -> dict[str, list[str]]:
    """The shelter form's entries as the page shows them (the CSRF token left to the visitor)."""
    return form_entries(page, "/admin/shelters")


def summary(page: httpx2.Response) -> str:
    """The text of the page's summary of a form's mistakes ("" without one)."""
    found = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    return "" if found is None else " ".join(re.sub(r"<[^>]+>", " ", found.group()).split())


def shelter(site: Site, shelter_id: str) -> dict[str, Any]:
    result: dict[str, Any] = site.api("admin", "GET", f"/api/v1/shelters/{shelter_id}")
    return result


def row_of(html: str, shelter_id: str) -> str:
    """The text of a shelter's row in the table."""
    link = f'<a href="/admin/shelters/{shelter_id}/edit">'
    found = re.search(rf"<tr>\s*<th scope=\"row\"[^>]*>{re.escape(link)}.*?</tr>", html, re.S)
    assert found is not None, shelter_id
    return " ".join(re.sub(r"<[^>]+>", " ", found.group()).split())


def group_of(html: str, shelter_id: str) -> str:
    """The heading of the group whose rows include the shelter's."""
    for group in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        if f'href="/admin/shelters/{shelter_id}/edit"' in group:
            heading = re.search(r'<th scope="rowgroup" colspan="9">([^<]+)</th>', group)
            return "" if heading is None else heading.group(1)
    raise AssertionError(shelter_id)


def test_the_list_shows_every_shelter_with_its_places_and_links_to_change_it(site: Site) -> None:
    site.add_shelter("T1", 7, kind="emergency", closed=True)
    site.add_shelter("T2", 3, location={"lat": 52.37, "lon": 4.89}, intake="office")
    admin = site.visitor("admin")
    page = admin.get("/admin/shelters")
    assert page.status_code == 200
    network = site.api("admin", "GET", "/api/v1/shelters?limit=500")
    assert f"{len(network)} opvanglocaties in het netwerk" in text(page)
    for item in network:
        assert f'href="/admin/shelters/{item["id"]}/edit"' in page.text
    assert 'href="/admin/shelters/new"' in page.text
    # Grouped by police unit (a point counts under the nearest municipality's).
    assert (group_of(page.text, "T1"), group_of(page.text, "T2")) == (
        "Midden-Nederland",
        "Amsterdam",
    )
    t1 = row_of(page.text, "T1")
    assert t1.startswith("Opvang wijzigen T1 noodbedden Utrecht 7 0 gesloten 0 0 dag en nacht")
    assert "Opvang wijzigen T2 niet opgegeven 52,3700, 4,8900 3 3 0 0 kantooruren" in row_of(
        page.text, "T2"
    )
    # Each other order is a link in its column's heading.
    by_id = admin.get("/admin/shelters", sort="id").text
    ids = re.findall(r'href="/admin/shelters/([^/"]+)/edit"', by_id)
    assert ids == sorted(item["id"] for item in network)
    assert '<th scope="col" aria-sort="ascending">Opvang</th>' in by_id
    assert "rowgroup" not in by_id
    assert "Utrecht · Midden-Nederland 7" in row_of(by_id, "T1")
    assert "52,3700, 4,8900 · Amsterdam 3" in row_of(by_id, "T2")
    by_free = admin.get("/admin/shelters", sort="free").text
    frees = {item["id"]: item["free"] for item in network}
    ordered = [frees[i] for i in re.findall(r'href="/admin/shelters/([^/"]+)/edit"', by_free)]
    assert ordered == sorted(ordered, reverse=True)
    site.clock.advance(25 * 60)
    assert "meer dan een dag geleden" in row_of(admin.get("/admin/shelters").text, "T1")


def test_the_admins_menu_has_the_shelters_and_no_other_role_has(site: Site) -> None:
    assert '<a href="/admin/shelters"' in site.visitor("admin").get("/capacity").text
    for role in ("desk", "planner"):
        assert "/admin/shelters" not in site.visitor(role).get("/capacity").text


def test_a_new_shelter_then_an_edit_arrive_in_the_api_with_their_audit_rows(site: Site) -> None:
    admin = site.visitor("admin")
    form = filled(admin.get("/admin/shelters/new"))
    assert form["genders"] == ["female", "male", "x"]  # the API's defaults, filled in
    assert (form["min_age"], form["max_age"], form["intake"]) == (["18"], ["120"], ["24/7"])
    response = admin.post("/admin/shelters", NEW)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/shelters?done=created&saved=T100"
    assert "Opvang T100 toegevoegd." in text(
        admin.get("/admin/shelters", done="created", saved="T100")
    )
    stored = shelter(site, "T100")
    assert {key: stored[key] for key in NEW if key not in ("windows", "location")} == {
        "id": "T100",
        "kind": "women",
        "capacity": 12,
        "occupied": 2,
        "genders": ["female"],
        "min_age": 18,
        "max_age": 65,
        "children": True,
        "accepts": ["addiction", "pregnancy"],
        "specialisations": ["sexual"],
        "languages": ["nl", "ro", "ti"],
        "programme": "cosm",
        "intake": [
            {"days": "mon-fri", "from": "08:00", "to": "19:00"},
            {"days": "sat,sun", "from": "10:00", "to": "14:00"},
        ],
    }
    assert stored["location"] == {"lat": None, "lon": None, "municipality": "'s-Hertogenbosch"}
    assert stored["closed"] is False
    assert site.audit()[-1] == ("create", "shelter", "T100", "ok")

    page = admin.get("/admin/shelters/T100/edit")
    form = filled(page)
    assert form["languages"] == ["Nederlands, Roemeens, Tigrinya"]
    assert form["windows"] == ["ma-vr 08:00-19:00\nza,zo 10:00-14:00"]
    assert form["version"] == [str(stored["version"])]
    form |= {"languages": ["Engels"], "kind": [""], "location": [""]}
    form |= {"lat": ["51,69"], "lon": ["5.30"], "closed": ["yes"], "genders": ["female", "x"]}
    site.clock.advance(5)
    response = admin.post("/admin/shelters/T100/edit", form)
    assert response.headers["location"] == "/admin/shelters?done=saved&saved=T100"
    edited = shelter(site, "T100")
    assert edited["languages"] == ["en"]
    assert edited["kind"] is None
    assert edited["location"] == {"lat": 51.69, "lon": 5.3, "municipality": None}
    assert (edited["closed"], edited["genders"]) == (True, ["female", "x"])
    assert edited["version"] == stored["version"] + 1
    assert edited["places_reported_at"] > stored["places_reported_at"]  # closing is a report
    assert site.audit()[-1] == ("update", "shelter", "T100", "ok")

    # The form sent back as it is changes nothing: no change, no new version, no audit row.
    rows = len(site.audit())
    response = admin.post(
        "/admin/shelters/T100/edit", filled(admin.get("/admin/shelters/T100/edit"))
    )
    assert response.headers["location"] == "/admin/shelters?done=unchanged&saved=T100"
    assert shelter(site, "T100")["version"] == edited["version"]
    assert len(site.audit()) == rows
    # The pages neither show nor change the residents: a new shelter has none.
    residents = site.api("admin", "GET", "/api/v1/shelters/T100/residents")
    assert residents == {"shelter_id": "T100", "residents": []}


def test_an_edit_sends_only_what_changed_so_places_are_not_reported_by_a_language(
    site: Site,
) -> None:
    site.add_shelter("T2", 4)
    before = shelter(site, "T2")
    admin = site.visitor("admin")
    form = filled(admin.get("/admin/shelters/T2/edit")) | {"languages": ["nl, ar"]}
    site.clock.advance(120)
    admin.post("/admin/shelters/T2/edit", form)
    after = shelter(site, "T2")
    assert after["languages"] == ["nl", "ar"]
    assert after["places_reported_at"] == before["places_reported_at"]
    assert after["updated_at"] > before["updated_at"]


def test_mistakes_are_named_at_their_fields_and_the_entries_are_kept(site: Site) -> None:
    admin = site.visitor("admin")
    mistakes = NEW | {
        "capacity": "veel",
        "max_age": "16",
        "genders": [],
        "location": "Utrech",
        "windows": "weekdagen 9-5",
        "languages": "Nederlands, Klingon",
        "programme": "cosm plus",
    }
    response = admin.post("/admin/shelters", {k: v for k, v in mistakes.items() if v != []})
    assert response.status_code == 422
    shown = text(response)
    for said in (
        "Capaciteit: Vul een heel getal in, niet “veel”.",
        "Hoogste leeftijd: Vul 18 of meer in.",
        "Neemt op: Vink er minstens één aan.",
        "Gemeente: Dit is geen Nederlandse gemeente. Bedoelt u: Utrecht",
        "Intaketijden, één per regel: Regel 1 is geen tijdvak",
        "Talen die het personeel spreekt: “klingon” kennen we niet als taal",
        "Programma: Gebruik alleen kleine letters, cijfers, - en _",
    ):
        assert said in shown, said
    assert 'id="capacity-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert filled(response)["capacity"] == ["veel"]
    assert filled(response)["programme"] == ["cosm plus"]
    assert filled(response)["windows"] == ["weekdagen 9-5"]
    assert "T100" not in {item["id"] for item in site.api("admin", "GET", "/api/v1/shelters")}

    both = NEW | {"lat": "52.1", "lon": "5.1"}
    assert "Vul een gemeente of een positie in, niet allebei." in text(
        admin.post("/admin/shelters", both)
    )
    swapped = NEW | {"location": "", "lat": "5,12", "lon": "52,09"}
    assert "breedte- en lengtegraad lijken verwisseld" in text(
        admin.post("/admin/shelters", swapped)
    )
    abroad = NEW | {"location": "", "lat": "48.85", "lon": "2.35"}
    assert "ligt buiten Nederland" in text(admin.post("/admin/shelters", abroad))
    half = NEW | {"location": "", "lat": "52.1"}
    assert summary(admin.post("/admin/shelters", half)) == (
        "Verbeter het volgende Lengtegraad: Vul dit in."
    )
    over = NEW | {"capacity": "2", "occupied": "3"}
    assert "Anderszins bezet: Vul 2 of minder in." in text(admin.post("/admin/shelters", over))


def test_two_numbers_are_compared_only_when_each_is_sound_on_its_own(site: Site) -> None:
    """Told "occupied: at most -1" beside "capacity: at least 0", the admin is sent to a field
    that is right: only the refused number is named, on the new and the edit form."""
    admin = site.visitor("admin")
    wrong = {"capacity": ["-1"], "occupied": ["13"], "min_age": ["130"], "max_age": ["65"]}
    edit = f"/admin/shelters/{OWN_SHELTER}/edit"
    for path, form in (("/admin/shelters", NEW), (edit, filled(admin.get(edit)))):
        response = admin.post(path, form | wrong)
        assert response.status_code == 422
        assert summary(response) == (
            "Verbeter het volgende Capaciteit: Vul 0 of meer in. "
            "Laagste leeftijd: Vul 120 of minder in."
        )
        assert 'id="occupied-error"' not in response.text
        assert 'id="max_age-error"' not in response.text
    # Both sound, the pair is still checked, in the same round as a mistake elsewhere.
    over = NEW | {"capacity": "2", "occupied": "3", "min_age": "30", "max_age": "20"}
    assert summary(admin.post("/admin/shelters", over | {"location": "Utrech"})) == (
        "Verbeter het volgende Gemeente: Dit is geen Nederlandse gemeente. Bedoelt u: Utrecht? "
        "Anderszins bezet: Vul 2 of minder in. Hoogste leeftijd: Vul 30 of meer in."
    )


def test_an_empty_form_asks_for_each_number_instead_of_storing_a_default(site: Site) -> None:
    admin = site.visitor("admin")
    form = filled(admin.get(f"/admin/shelters/{OWN_SHELTER}/edit"))
    emptied = form | {"occupied": [""], "min_age": [""]}
    response = admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", emptied)
    assert response.status_code == 422
    assert "Anderszins bezet: Vul dit in." in text(response)
    assert "Laagste leeftijd: Vul dit in." in text(response)


@pytest.mark.parametrize("typed", [OWN_SHELTER, OWN_SHELTER.lower()])
def test_an_id_in_use_is_refused_at_the_id_field(site: Site, typed: str) -> None:
    """Also in another case: on the phone "S001" and "s001" are one shelter."""
    admin = site.visitor("admin")
    before = shelter(site, OWN_SHELTER)
    response = admin.post("/admin/shelters", NEW | {"id": typed})
    assert response.status_code == 409
    assert f"Id: Er is al een opvang {OWN_SHELTER}: kies een ander id." in text(response)
    assert 'id="id-error"' in response.text
    assert filled(response)["languages"] == [NEW["languages"]]
    assert shelter(site, OWN_SHELTER) == before
    network = site.api("admin", "GET", "/api/v1/shelters?limit=500")
    assert [found["id"] for found in network if found["id"].lower() == typed.lower()] == [
        OWN_SHELTER
    ]
    assert site.audit()[-1] == ("create", "shelter", OWN_SHELTER, "conflict")  # the one stored


def test_an_id_that_would_break_its_address_is_refused_at_the_id_field(site: Site) -> None:
    admin = site.visitor("admin")
    for typed in ("T/100", "T 100", "T#100", "..", "Zwolle-één"):
        response = admin.post("/admin/shelters", NEW | {"id": typed})
        assert response.status_code == 422, typed
        assert summary(response) == (
            "Verbeter het volgende Id: Gebruik alleen letters, cijfers, “.”, “-” en “_”, te "
            "beginnen met een letter of cijfer, zoals “S012”: het id wordt deel van het webadres "
            "van de opvang."
        ), typed
        assert 'id="id-error"' in response.text
        assert filled(response)["id"] == [typed]
    stored = {item["id"] for item in site.api("admin", "GET", "/api/v1/shelters")}
    assert not any(shelter_id.startswith("T") or "." in shelter_id for shelter_id in stored)


def store_as_before_the_rule(site: Site, shelter_id: str) -> None:
    """A shelter stored under ``shelter_id`` without the API's rule for new ids, as one created
    before the rule was."""
    described = {"id": shelter_id, "location": {"municipality": "Zwolle"}, "capacity": 4}
    with site.database.session() as session:
        session.add(
            ShelterRow(
                **shelter_columns(Shelter.model_validate(described)),
                updated_at=site.clock.now,
                places_reported_at=site.clock.now,
            )
        )


def test_a_shelter_stored_under_an_id_of_before_the_rule_can_still_be_changed(
    site: Site,
) -> None:
    """Ids already in a database are left as they are: one with a blank, taken before the rule,
    opens at its encoded address and its form saves as any other."""
    store_as_before_the_rule(site, "Oud 1")
    admin = site.visitor("admin")
    assert 'href="/admin/shelters/Oud%201/edit"' in admin.get("/admin/shelters").text
    form = filled(admin.get("/admin/shelters/Oud%201/edit")) | {"capacity": ["6"]}
    saved = admin.post("/admin/shelters/Oud%201/edit", form)
    assert saved.status_code == 303, text(saved)
    assert shelter(site, "Oud%201")["capacity"] == 6


def test_a_shelter_of_before_the_rule_with_a_slash_is_closed_by_its_own_staff(
    site: Site,
) -> None:
    """What README tells an operator with such a shelter: no address reaches it, but the page
    of its own staff names no id in its address, so one of them can close it."""
    store_as_before_the_rule(site, "Oud/2")
    for written in ("Oud/2", "Oud%2F2"):
        read = TestClient(site.app).get(f"/api/v1/shelters/{written}", headers=bearer("admin"))
        assert read.status_code == 404, written
    add_users(site.database, {"oud": ("shelter", "Oud/2")})
    staff = site.visitor("oud")
    closed = staff.post("/shelter/availability", {"free": "0", "intake": "24/7", "closed": "yes"})
    assert closed.status_code == 303, text(closed)
    listed = {item["id"]: item for item in site.api("admin", "GET", "/api/v1/shelters")}
    assert listed["Oud/2"]["closed"] is True


def test_a_colleagues_change_is_never_overwritten_and_the_entries_are_kept(site: Site) -> None:
    admin = site.visitor("admin")
    form = filled(admin.get(f"/admin/shelters/{OWN_SHELTER}/edit"))
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}", {"capacity": 40, "max_age": 99})
    mine = form | {"languages": ["Arabisch"], "max_age": ["70"]}
    response = admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", mine)
    assert response.status_code == 409
    shown = text(response)
    assert "Niet opgeslagen: iemand anders heeft deze opvang gewijzigd" in shown
    stored_now = shown.split("waar het verschilt van wat u invulde:")[1].split("Wat u invulde")[0]
    assert "Capaciteit 40" in stored_now
    assert "Hoogste leeftijd 99" in stored_now
    assert "Talen" in stored_now
    kept = filled(response)
    assert (kept["languages"], kept["max_age"], kept["capacity"]) == (
        ["Arabisch"],
        ["70"],
        form["capacity"],
    )
    stored = shelter(site, OWN_SHELTER)
    assert (stored["capacity"], stored["max_age"]) == (40, 99)
    assert stored["languages"] != ["ar"]
    assert site.audit()[-1] == ("update", "shelter", OWN_SHELTER, "conflict")

    # Saved again from there, knowingly: the form now carries the version it showed.
    assert kept["version"] == [str(stored["version"])]
    response = admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", kept | {"capacity": ["40"]})
    assert response.status_code == 303
    assert (shelter(site, OWN_SHELTER)["languages"], shelter(site, OWN_SHELTER)["max_age"]) == (
        ["ar"],
        70,
    )


def test_a_capacity_below_the_places_in_use_is_refused_at_the_capacity(site: Site) -> None:
    site.add_shelter("T3", 2)
    case = site.api("desk", "POST", "/api/v1/referrals", {"gender": "female", "age": 30})
    site.api("desk", "POST", "/api/v1/holds", {"referral_id": case["id"], "shelter_id": "T3"})
    admin = site.visitor("admin")
    form = filled(admin.get("/admin/shelters/T3/edit")) | {"capacity": ["0"]}
    response = admin.post("/admin/shelters/T3/edit", form)
    assert response.status_code == 409
    assert "Capaciteit: Vul 1 of meer in:" in text(response)
    assert shelter(site, "T3")["capacity"] == 2


@pytest.mark.parametrize("role", NOT_FOR_ADMINS)
def test_only_the_admin_opens_or_sends_the_shelter_pages(site: Site, role: str) -> None:
    visitor = site.visitor(role)
    before = shelter(site, OWN_SHELTER)
    for path in ("/admin/shelters", "/admin/shelters/new", f"/admin/shelters/{OWN_SHELTER}/edit"):
        response = visitor.get(path)
        assert response.status_code == 403, path
        assert "Niet voor uw rol" in text(response)
    assert visitor.post("/admin/shelters", NEW).status_code == 403
    edit = visitor.post(f"/admin/shelters/{OWN_SHELTER}/edit", NEW | {"capacity": "1"})
    assert edit.status_code == 403
    assert shelter(site, OWN_SHELTER) == before
    assert "T100" not in {item["id"] for item in site.api("admin", "GET", "/api/v1/shelters")}


def test_a_form_without_this_sessions_token_changes_nothing(site: Site) -> None:
    admin: Visitor = site.visitor("admin")
    before = shelter(site, OWN_SHELTER)
    form = filled(admin.get(f"/admin/shelters/{OWN_SHELTER}/edit")) | {"capacity": ["1"]}
    assert admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", form, csrf="forged").status_code == 403
    assert admin.post("/admin/shelters", NEW, csrf="").status_code == 403
    assert shelter(site, OWN_SHELTER) == before
    assert "T100" not in {item["id"] for item in site.api("admin", "GET", "/api/v1/shelters")}


def test_the_form_reads_the_languages_it_shows_back_into_their_codes() -> None:
    codes = ["nl", "en", "ar", "ti", "ro", "fa", "ht", "zh", "so", "uk"]
    fields = [(key, value) for key, value in NEW.items() if isinstance(value, str)]
    for language in ("nl", "en"):
        names = ", ".join(name_of(code, language) for code in codes)
        read = new_shelter_from_form(FormData([*fields, ("languages", names)]))
        assert read.languages == codes, names


def test_a_form_sent_back_for_a_mistake_still_guards_against_a_colleagues_change(
    site: Site,
) -> None:
    admin = site.visitor("admin")
    form = filled(admin.get(f"/admin/shelters/{OWN_SHELTER}/edit"))
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}", {"capacity": 40})
    mistaken = admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", form | {"capacity": ["veel"]})
    assert mistaken.status_code == 422  # the form's own reading comes first
    corrected = filled(mistaken) | {"capacity": ["30"]}
    response = admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", corrected)
    assert response.status_code == 409
    assert shelter(site, OWN_SHELTER)["capacity"] == 40


@pytest.mark.parametrize(
    "location",
    [{"municipality": "Den Bosch"}, {"lat": 52.0907374, "lon": 5.1214201}],
    ids=["another name", "a precise point"],
)
def test_a_form_sent_back_as_shown_changes_no_location(
    site: Site, location: dict[str, object]
) -> None:
    """A municipality stored by another name than the official one, or a point with more digits
    than a few, reads back as the same place."""
    site.add_shelter("T4", 3, location=location)
    admin = site.visitor("admin")
    response = admin.post("/admin/shelters/T4/edit", filled(admin.get("/admin/shelters/T4/edit")))
    assert response.headers["location"] == "/admin/shelters?done=unchanged&saved=T4"
    assert shelter(site, "T4")["version"] == 1


def test_the_admin_says_whether_a_shelter_takes_intakes_on_public_holidays(site: Site) -> None:
    """The form's box next to the intake hours: unticked for a new shelter, saved, shown in the
    list, cleared by an edit that is no report of places, and named in a conflict."""
    admin = site.visitor("admin")
    assert "holiday_intake" not in filled(admin.get("/admin/shelters/new"))
    admin.post("/admin/shelters", NEW | {"holiday_intake": "yes"})
    assert shelter(site, "T100")["holiday_intake"] is True
    assert "· ook op feestdagen" in row_of(admin.get("/admin/shelters").text, "T100")
    form = filled(admin.get("/admin/shelters/T100/edit"))
    assert form["holiday_intake"] == ["yes"]

    before = shelter(site, "T100")
    site.clock.advance(10)
    del form["holiday_intake"]
    assert admin.post("/admin/shelters/T100/edit", form).status_code == 303
    after = shelter(site, "T100")
    assert after["holiday_intake"] is False
    assert after["places_reported_at"] == before["places_reported_at"]
    assert site.audit()[-1] == ("update", "shelter", "T100", "ok")
    assert "feestdagen" not in row_of(admin.get("/admin/shelters").text, "T100")

    # A colleague says yes meanwhile: a save from the form as it was names it.
    site.api("admin", "PATCH", "/api/v1/shelters/T100", {"holiday_intake": True})
    stale = filled(admin.get("/admin/shelters/T100/edit")) | {"version": form["version"]}
    del stale["holiday_intake"]
    refused = admin.post("/admin/shelters/T100/edit", stale | {"max_age": ["70"]})
    assert refused.status_code == 409
    assert "Intakes op feestdagen ja" in text(refused)
    admin.post("/language", {"language": "en", "next": "/admin/shelters"})
    english = text(admin.get("/admin/shelters/T100/edit"))
    assert "Takes intakes on public holidays too, within these hours" in english
    assert "· on public holidays too" in row_of(admin.get("/admin/shelters").text, "T100")


# What a new shelter's id may hold, written out: ASCII letters and digits, ".", "_" and "-".
ADDRESSABLE = frozenset(string.ascii_letters + string.digits + "._-")
# Characters that break a path segment or a form, and others besides, to draw ids from.
TROUBLE = [*"/?#%&=+;:@~!$'()*,[]\\ \t", "é", "ß", "Ω", "\u00a0", "\u2028"]


def takes(shelter_id: str) -> bool:
    """The rule for a new shelter's id: addressable characters, a letter or digit first."""
    return shelter_id[0] in string.ascii_letters + string.digits and set(shelter_id) <= ADDRESSABLE


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.one_of(st.sampled_from(sorted(ADDRESSABLE)), st.sampled_from(TROUBLE)),
        min_size=1,
        max_size=12,
    )
    | st.text(min_size=1, max_size=64)
)
@example(".")
@example("..")
@example("T/100")
@example("T%2F100")
@example("T 100")
@example("T?100")
@example("T#100")
@example("-T100")
@example("T.1_2-3")
def test_a_new_shelter_id_is_taken_exactly_when_its_addresses_reach_it(
    site: Site, shelter_id: str
) -> None:
    """Every id the API takes reaches its shelter at its addresses, written into them as it is
    and encoded, and on the admin's edit page; every other id is refused at the id field, and
    no shelter is stored under it."""
    admin = TestClient(site.app)
    body = {"id": shelter_id, "location": {"municipality": "Utrecht"}, "capacity": 3}
    created = admin.post("/api/v1/shelters", json=body, headers=bearer("admin"))
    stored = {item["id"] for item in site.api("admin", "GET", "/api/v1/shelters?limit=500")}
    if not takes(shelter_id):
        assert created.status_code == 422, created.text
        errors = created.json()["errors"]
        assert [error["path"] for error in errors] == ["id"]
        assert errors[0]["message"].startswith("a shelter id ")
        assert shelter_id not in stored
        return
    assert created.status_code in (201, 409), created.text
    if created.status_code == 409:  # drawn before, or in another case: one shelter holds it
        (shelter_id,) = [item for item in stored if item.lower() == shelter_id.lower()]
    assert shelter_id in stored
    for written in (shelter_id, quote(shelter_id, safe="")):
        read = admin.get(f"/api/v1/shelters/{written}", headers=bearer("admin"))
        assert read.status_code == 200, written
        assert read.json()["id"] == shelter_id
    edit = f"/admin/shelters/{shelter_id}/edit"
    assert f'href="{edit}"' in site.visitor("admin").get("/admin/shelters", sort="id").text
    page = site.visitor("admin").get(edit)
    assert page.status_code == 200
    assert f'action="{edit}"' in page.text


@pytest.mark.parametrize(
    "odd", ["²", "9" * 5000, "0", "-1"], ids=["superscript", "5000-digits", "zero", "negative"]
)
def test_an_odd_hidden_version_is_not_read_and_the_edit_is_saved(site: Site, odd: str) -> None:
    """A version that is no plain number, or that no object ever has (they begin at 1), is left
    unread, as if the form sent none."""
    site.add_shelter("T2", 4)
    admin = site.visitor("admin")
    form = filled(admin.get("/admin/shelters/T2/edit")) | {
        "languages": ["nl, ar"],
        "version": [odd],
    }
    response = admin.post("/admin/shelters/T2/edit", form)
    assert response.status_code == 303, response.status_code
    assert shelter(site, "T2")["languages"] == ["nl", "ar"]
