"""The admin's shelter pages: the network in a table, and the form that adds or changes a shelter
through the API's own routes (its roles, audit rows, version check and refusals)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import httpx2
import pytest
from starlette.datastructures import FormData

from api.web.forms import shelter_from_form
from api.web.languages import name_of
from tests.api.helpers import OWN_SHELTER
from tests.web.site import Site, Visitor, text

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


class _Form(HTMLParser):
    """What a browser would send from the page's shelter form, as the page fills it in."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._inside = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._inside = found.get("action", "").startswith("/admin/shelters")
        if not self._inside:
            return
        name = found.get("name", "")
        if tag == "input" and (
            found.get("type") not in ("checkbox", "radio") or "checked" in found
        ):
            self.fields.setdefault(name, []).append(found.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.fields[self._select] = [found.get("value", "")]
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        if tag == "select" and self._select:
            self.fields.setdefault(self._select, [""])
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][0] += data


def filled(page: httpx2.Response) -> dict[str, list[str]]:
    """The shelter form's entries as the page shows them (the CSRF token left to the visitor)."""
    reader = _Form()
    reader.feed(page.text)
    fields = reader.fields
    fields.pop("csrf", None)
    fields.pop("", None)
    return {name: [v.strip("\n") for v in values] for name, values in fields.items()}


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
    assert (stored["closed"], stored["residents"]) == (False, [])
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


def test_an_empty_form_asks_for_each_number_instead_of_storing_a_default(site: Site) -> None:
    admin = site.visitor("admin")
    form = filled(admin.get(f"/admin/shelters/{OWN_SHELTER}/edit"))
    emptied = form | {"occupied": [""], "min_age": [""]}
    response = admin.post(f"/admin/shelters/{OWN_SHELTER}/edit", emptied)
    assert response.status_code == 422
    assert "Anderszins bezet: Vul dit in." in text(response)
    assert "Laagste leeftijd: Vul dit in." in text(response)


def test_an_id_in_use_is_refused_at_the_id_field(site: Site) -> None:
    admin = site.visitor("admin")
    before = shelter(site, OWN_SHELTER)
    response = admin.post("/admin/shelters", NEW | {"id": OWN_SHELTER})
    assert response.status_code == 409
    assert f"Id: Er is al een opvang {OWN_SHELTER}: kies een ander id." in text(response)
    assert 'id="id-error"' in response.text
    assert filled(response)["languages"] == [NEW["languages"]]
    assert shelter(site, OWN_SHELTER) == before
    assert site.audit()[-1] == ("create", "shelter", OWN_SHELTER, "conflict")


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
        read = shelter_from_form(FormData([*fields, ("languages", names)]))
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
