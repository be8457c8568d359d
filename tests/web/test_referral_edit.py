"""The desk's change to a referral: the new referral's form filled in as the referral is stored,
sending only what changed, with the version it was made from, through ``PATCH /referrals/{id}``
(its role, audit row, version check and refusals)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from api.problems import FieldError
from api.schemas import ReferralUpdate
from api.web.access import call
from api.web.forms import FieldProblem, people_unknown, place_text, referral_from_form
from api.web.pages import referral_edit
from models.location import Location
from tests.web.site import Site, Visitor, form_entries, text
from tests.web.test_desk import options

# A referral as the API may hold one: a municipality by another name than its official one, a
# danger zone given as a point, a programme no shelter runs now.
STORED = {
    "gender": "female",
    "age": 31,
    "children": 1,
    "priority": 2,
    "conditions": ["addiction", "pregnancy"],
    "exploitation": "sexual",
    "languages": ["ro", "ti"],
    "programmes": ["oldprog"],
    "location": {"municipality": "Den Bosch"},
    "danger_zones": [
        {"location": {"municipality": "Rotterdam"}, "min_km": 30},
        {"location": {"lat": 52.0907374, "lon": 5.1214201}, "min_km": 12.5},
    ],
}


def stored_case(site: Site, **fields: Any) -> dict[str, Any]:
    """A referral registered through the API; as the API returns it."""
    created: dict[str, Any] = site.api("desk", "POST", "/api/v1/referrals", STORED | fields)
    return created


def referral(site: Site, case: str) -> dict[str, Any]:
    found: dict[str, Any] = site.api("desk", "GET", f"/api/v1/referrals/{case}")
    return found


def edit_form(visitor: Visitor, case: str) -> dict[str, list[str]]:
    """The edit form's entries as the page fills them in."""
    page = visitor.get(f"/desk/referrals/{case}/edit")
    assert page.status_code == 200, text(page)
    return form_entries(page, f"/desk/referrals/{case}/edit")


def changes_of(site: Site, case: str) -> list[tuple[str, str, str | None, str]]:
    """The audit rows of changes to the case (reads left out)."""
    return [row for row in site.audit() if row[2] == case and row[0] != "read"]


def between(shown: str, start: str, end: str) -> str:
    return shown.split(start, 1)[1].split(end, 1)[0]


def test_the_form_shows_the_referral_as_stored_and_sent_back_changes_nothing(site: Site) -> None:
    other = stored_case(site)["id"]
    case = stored_case(site, avoid=[other])
    desk = site.visitor("desk")
    form = edit_form(desk, case["id"])
    assert form == {
        "version": ["1"],
        "gender": ["female"],
        "age": ["31"],
        "children": ["1"],
        "priority": ["2"],
        "conditions": ["addiction", "pregnancy"],
        "exploitation": ["sexual"],
        "languages": ["Roemeens, Tigrinya"],
        "programmes": ["oldprog"],
        "location": ["Den Bosch"],
        "zone_0_place": ["Rotterdam"],
        "zone_0_km": ["30"],
        "zone_1_place": ["52.0907374, 5.1214201"],
        "zone_1_km": ["12.5"],
        "zone_2_place": [""],
        "zone_2_km": [""],
        "avoid": [other],
    }
    page = desk.get(f"/desk/referrals/{case['id']}/edit")
    assert "Waar de persoon nu verblijft" not in text(page)  # the case page's own form
    assert "Wijzigingen opslaan" in text(page)
    desk.post("/language", {"language": "en", "next": "/desk"})
    assert edit_form(desk, case["id"])["languages"] == ["Romanian, Tigrinya"]

    site.clock.advance(5)
    response = desk.post(f"/desk/referrals/{case['id']}/edit", form)
    assert response.headers["location"] == f"/desk/referrals/{case['id']}?done=unchanged"
    assert referral(site, case["id"]) | {"stays": None} == case | {"stays": None}
    assert changes_of(site, case["id"]) == [("create", "referral", case["id"], "ok")]
    done = desk.get(f"/desk/referrals/{case['id']}", done="unchanged")
    assert "Nothing changed: the form was sent as it was shown." in text(done)


def test_a_change_arrives_in_the_api_alone_with_its_audit_row(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = stored_case(site)["id"]
    sent: list[ReferralUpdate] = []

    def recording(endpoint: Any, *args: Any, **kwargs: Any) -> Any:
        sent.extend(arg for arg in args if isinstance(arg, ReferralUpdate))
        return call(endpoint, *args, **kwargs)

    monkeypatch.setattr(referral_edit, "call", recording)
    desk = site.visitor("desk")
    form = edit_form(desk, case)
    changed = form | {"priority": ["3"], "languages": ["Tigrinya, Roemeens, Arabisch"]}
    response = desk.post(f"/desk/referrals/{case}/edit", changed)
    assert response.headers["location"] == f"/desk/referrals/{case}?done=changed"
    assert [update.model_dump(exclude_unset=True) for update in sent] == [
        {"priority": 3, "languages": ["ti", "ro", "ar"], "version": 1}
    ]
    stored = referral(site, case)
    assert (stored["priority"], stored["languages"], stored["version"]) == (
        3,
        ["ti", "ro", "ar"],
        2,
    )
    # Fields not changed are not sent: the name as given, the point with all its digits.
    assert stored["location"] == {"municipality": "Den Bosch", "lat": None, "lon": None}
    assert stored["danger_zones"][1]["location"]["lat"] == 52.0907374
    assert changes_of(site, case)[-1] == ("update", "referral", case, "ok")
    assert "De wijzigingen zijn opgeslagen." in text(
        desk.get(f"/desk/referrals/{case}", done="changed")
    )


def test_a_danger_zone_dropped_opens_the_shelter_it_kept_out(site: Site) -> None:
    """After the police's assessment the desk drops a zone; the case page ranks anew."""
    site.add_shelter("T9", 3)
    body = {"gender": "female", "age": 30, "location": {"municipality": "Utrecht"}}
    zone = {"location": {"municipality": "Utrecht"}, "min_km": 30}
    case = site.api("desk", "POST", "/api/v1/referrals", body | {"danger_zones": [zone]})["id"]
    desk = site.visitor("desk")
    assert "T9" not in options(text(desk.get(f"/desk/referrals/{case}")))
    form = edit_form(desk, case) | {"zone_0_place": [""], "zone_0_km": [""]}
    response = desk.post(f"/desk/referrals/{case}/edit", form)
    assert response.status_code == 303
    assert referral(site, case)["danger_zones"] == []
    page = text(desk.get(f"/desk/referrals/{case}", done="changed"))
    assert "De wijzigingen zijn opgeslagen." in page
    assert "T9" in options(page)


def test_a_colleagues_change_is_never_overwritten_and_the_entries_are_kept(site: Site) -> None:
    case = stored_case(site)["id"]
    desk = site.visitor("desk")
    form = edit_form(desk, case)
    site.api("desk", "PATCH", f"/api/v1/referrals/{case}", {"priority": 3, "children": 2})
    mine = form | {"children": ["0"], "age": ["32"]}
    response = desk.post(f"/desk/referrals/{case}/edit", mine)
    assert response.status_code == 409
    shown = text(response)
    assert "Niet opgeslagen: deze aanmelding is gewijzigd" in shown
    stored_now = between(shown, "waar het verschilt van wat u invulde:", "Wat u invulde staat")
    assert "Status wacht" in stored_now
    assert "Prioriteit 3 · acuut gevaar" in stored_now
    assert "Meekomende kinderen 2" in stored_now
    assert "Leeftijd 31" in stored_now
    kept = form_entries(response, f"/desk/referrals/{case}/edit")
    assert (kept["children"], kept["age"], kept["priority"]) == (["0"], ["32"], ["2"])
    assert kept["conditions"] == ["addiction", "pregnancy"]  # every box ticked stays ticked
    stored = referral(site, case)
    assert (stored["children"], stored["age"], stored["priority"]) == (2, 31, 3)
    assert changes_of(site, case)[-1] == ("update", "referral", case, "conflict")

    # Saved again from there, knowingly: the form now carries the version it showed.
    assert kept["version"] == [str(stored["version"])]
    response = desk.post(f"/desk/referrals/{case}/edit", kept | {"priority": ["3"]})
    assert response.status_code == 303
    stored = referral(site, case)
    assert (stored["children"], stored["age"], stored["priority"]) == (0, 32, 3)
    assert stored["conditions"] == ["addiction", "pregnancy"]


def test_a_hold_made_meanwhile_makes_a_save_a_conflict_that_says_so(site: Site) -> None:
    site.add_shelter("T2", 4)
    case = stored_case(site, danger_zones=[], conditions=[], programmes=[])["id"]
    desk = site.visitor("desk")
    form = edit_form(desk, case)
    site.api("desk", "POST", "/api/v1/holds", {"referral_id": case, "shelter_id": "T2"})
    response = desk.post(f"/desk/referrals/{case}/edit", form | {"priority": ["1"]})
    assert response.status_code == 409
    stored_now = between(text(response), "waar het verschilt van wat u invulde:", "Wat u invulde")
    assert stored_now.split() == ["Status", "vastgehouden", "Prioriteit", "2", "·", "urgent"]
    assert referral(site, case)["priority"] == 2


def test_a_mistake_sends_the_form_back_still_based_on_the_version_it_was_made_from(
    site: Site,
) -> None:
    case = stored_case(site)["id"]
    desk = site.visitor("desk")
    form = edit_form(desk, case)
    site.api("desk", "PATCH", f"/api/v1/referrals/{case}", {"priority": 3})
    mistaken = desk.post(f"/desk/referrals/{case}/edit", form | {"location": ["Utrecht-Zuid"]})
    assert mistaken.status_code == 422
    assert "Dit is geen Nederlandse gemeente" in text(mistaken)
    corrected = form_entries(mistaken, f"/desk/referrals/{case}/edit") | {"location": ["Utrecht"]}
    assert corrected["version"] == ["1"]
    assert desk.post(f"/desk/referrals/{case}/edit", corrected).status_code == 409
    assert referral(site, case)["location"]["municipality"] == "Den Bosch"


def placed_case(site: Site) -> str:
    site.add_shelter("T3", 4, accepts=["addiction", "pregnancy"], programme="oldprog")
    case: str = stored_case(site, danger_zones=[], location={"municipality": "Utrecht"})["id"]
    hold = site.api("desk", "POST", "/api/v1/holds", {"referral_id": case, "shelter_id": "T3"})
    site.api("desk", "POST", f"/api/v1/holds/{hold['id']}/confirm")
    return case


def test_what_a_placement_rests_on_is_refused_at_its_fields_saying_discharge_comes_first(
    site: Site,
) -> None:
    case = placed_case(site)
    desk = site.visitor("desk")
    page = desk.get(f"/desk/referrals/{case}/edit")
    assert "De persoon is geplaatst" in text(page)
    form = form_entries(page, f"/desk/referrals/{case}/edit")
    changed = form | {
        "age": ["40"],
        "conditions": ["addiction"],
        "zone_0_place": ["Amsterdam"],
        "zone_0_km": ["20"],
        "priority": ["3"],
    }
    response = desk.post(f"/desk/referrals/{case}/edit", changed)
    assert response.status_code == 409
    shown = text(response)
    assert (
        "Niet opgeslagen: de persoon is geplaatst, en de plaatsing rust op wat u wijzigde: "
        "Leeftijd, Contra-indicaties, Gevarenzones." in shown
    )
    assert "eerst moet het vertrek worden vastgelegd" in shown
    for field in ("age", "conditions", "zones"):
        assert f'id="{field}-error"' in response.text, field
    assert 'id="priority-error"' not in response.text
    kept = form_entries(response, f"/desk/referrals/{case}/edit")
    assert (kept["age"], kept["priority"]) == (["40"], ["3"])
    stored = referral(site, case)
    assert (stored["age"], stored["priority"], stored["danger_zones"]) == (31, 2, [])
    assert changes_of(site, case)[-1] == ("update", "referral", case, "conflict")

    # What the placement does not rest on changes while the person is placed.
    response = desk.post(f"/desk/referrals/{case}/edit", form | {"priority": ["3"]})
    assert response.status_code == 303
    assert referral(site, case)["priority"] == 3


def test_a_case_number_kept_apart_that_names_nobody_is_said_at_its_field(site: Site) -> None:
    other = stored_case(site)["id"]
    case = stored_case(site)["id"]
    typo = other[:-1] + ("0" if other[-1] != "0" else "1")
    desk = site.visitor("desk")
    form = edit_form(desk, case)
    refused = desk.post(f"/desk/referrals/{case}/edit", form | {"avoid": [f"{other} {typo}"]})
    assert refused.status_code == 422
    assert f'<p class="field-error" id="avoid-error">Geen zaak of bewoner {typo} bekend' in (
        refused.text
    )
    assert "<details open>" in refused.text
    assert form_entries(refused, f"/desk/referrals/{case}/edit")["avoid"] == [f"{other} {typo}"]
    assert referral(site, case)["avoid"] == []
    response = desk.post(f"/desk/referrals/{case}/edit", form | {"avoid": [other]})
    assert response.status_code == 303
    assert referral(site, case)["avoid"] == [other]


def test_a_closed_referral_offers_no_change_and_a_form_from_before_is_refused(site: Site) -> None:
    case = stored_case(site)["id"]
    desk = site.visitor("desk")
    link = f'href="/desk/referrals/{case}/edit"'
    assert link in desk.get(f"/desk/referrals/{case}").text
    form = edit_form(desk, case)
    site.api("desk", "POST", f"/api/v1/referrals/{case}/close", {"reason": "withdrawn"})
    assert link not in desk.get(f"/desk/referrals/{case}").text
    page = desk.get(f"/desk/referrals/{case}/edit")
    assert "Deze aanmelding is afgesloten: ze verandert niet meer." in text(page)
    assert form_entries(page, f"/desk/referrals/{case}/edit") == {}
    response = desk.post(f"/desk/referrals/{case}/edit", form | {"priority": ["3"]})
    assert response.status_code == 409
    assert "Deze aanmelding is afgesloten" in text(response)
    assert referral(site, case)["priority"] == 2


@pytest.mark.parametrize("role", ["shelter", "planner", "auditor", "admin"])
def test_only_the_desk_opens_or_sends_the_edit_page(site: Site, role: str) -> None:
    case = stored_case(site)["id"]
    before = referral(site, case)
    form = edit_form(site.visitor("desk"), case)
    visitor = site.visitor(role)
    page = visitor.get(f"/desk/referrals/{case}/edit")
    assert page.status_code == 403
    assert "Niet voor uw rol" in text(page)
    assert visitor.post(f"/desk/referrals/{case}/edit", form | {"age": ["50"]}).status_code == 403
    assert referral(site, case) == before


def test_a_form_without_this_sessions_token_changes_nothing(site: Site) -> None:
    case = stored_case(site)["id"]
    desk = site.visitor("desk")
    form = edit_form(desk, case) | {"age": ["50"]}
    response = desk.post(f"/desk/referrals/{case}/edit", form, csrf="forged")
    assert response.status_code == 403
    assert referral(site, case)["age"] == 31


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)
def test_a_point_reads_back_as_the_form_shows_it(lat: float, lon: float) -> None:
    """A place the API was given as a point shows as its degrees, and reads back as the same
    point, as a location and as a danger zone."""
    shown = place_text(Location(lat=lat, lon=lon))
    assert re.fullmatch(r"-?[0-9.]+, -?[0-9.]+", shown), shown
    form = FormData(
        [
            ("gender", "female"),
            ("age", "30"),
            ("location", shown),
            ("zone_0_place", shown),
            ("zone_0_km", "5"),
        ]
    )
    read = referral_from_form(form)
    assert read.location == Location(lat=lat, lon=lon)
    assert read.danger_zones[0].location == Location(lat=lat, lon=lon)


def test_a_referral_kept_apart_from_itself_is_told_so_not_that_it_is_unknown(site: Site) -> None:
    """Only the service's "names nobody" refusal reads as an unknown number: the referral's own
    number is known, and its refusal is another."""
    case = stored_case(site)["id"]
    desk = site.visitor("desk")
    refused = desk.post(f"/desk/referrals/{case}/edit", edit_form(desk, case) | {"avoid": [case]})
    assert refused.status_code == 422
    assert "Geen zaak of bewoner" not in refused.text
    assert "a victim cannot avoid themselves" in refused.text
    assert referral(site, case)["avoid"] == []


# One change at each of the form's inputs, and the field as the API then holds it.
ONE_CHANGE: dict[str, tuple[dict[str, list[str]], Any]] = {
    "gender": ({"gender": ["male"]}, "male"),
    "age": ({"age": ["45"]}, 45),
    "children": ({"children": ["0"]}, 0),
    "priority": ({"priority": ["1"]}, 1),
    "conditions": ({"conditions": ["medical"]}, ["medical"]),
    "exploitation": ({"exploitation": ["labour"]}, "labour"),
    "languages": ({"languages": ["Arabisch"]}, ["ar"]),
    "programmes": ({"programmes": []}, []),
    "location": (
        {"location": ["52.37, 4.89"]},
        {"municipality": None, "lat": 52.37, "lon": 4.89},
    ),
    "danger_zones": (
        {"zone_0_km": ["45"]},
        [
            {"location": {"municipality": "Rotterdam", "lat": None, "lon": None}, "min_km": 45},
            {
                "location": {"municipality": None, "lat": 52.0907374, "lon": 5.1214201},
                "min_km": 12.5,
            },
        ],
    ),
    "avoid": ({}, None),  # the other case, made in the test
}


@pytest.mark.parametrize("field", list(ONE_CHANGE))
def test_a_change_at_any_input_is_saved_and_nothing_else_changes(site: Site, field: str) -> None:
    """Each field the form shows is one the desk can change: a change left unsent would be
    lost without a word, as the page says it was saved."""
    other = stored_case(site)["id"]
    case = stored_case(site)
    entries, expected = ONE_CHANGE[field]
    if field == "avoid":
        entries, expected = {"avoid": [other]}, [other]
    desk = site.visitor("desk")
    response = desk.post(
        f"/desk/referrals/{case['id']}/edit", edit_form(desk, case["id"]) | entries
    )
    assert response.headers["location"] == f"/desk/referrals/{case['id']}?done=changed"
    stored = referral(site, case["id"])
    assert stored[field] == expected
    left = {field, "version", "updated_at", "region", "stays"}
    assert {k: v for k, v in stored.items() if k not in left} == {
        k: v for k, v in case.items() if k not in left
    }
    assert stored["version"] == 2


def test_the_same_entries_in_another_order_or_a_place_by_another_name_are_no_change(
    site: Site,
) -> None:
    """What a reader would call no change sends nothing: boxes ticked in the page's order,
    names typed in another order, a danger zone's place by its official name. Sent, a
    reordering would make a new version (a colleague's open form a conflict) and, for a placed
    person, be refused as a change to what the placement rests on."""
    first, second = stored_case(site)["id"], stored_case(site)["id"]
    zone = {"location": {"municipality": "Den Bosch"}, "min_km": 30}
    case = stored_case(
        site,
        conditions=["pregnancy", "addiction"],
        programmes=["oldprog", "cosm"],
        danger_zones=[zone],
        avoid=[first, second],
    )["id"]
    desk = site.visitor("desk")
    form = edit_form(desk, case)
    assert (form["conditions"], form["programmes"]) == (
        ["addiction", "pregnancy"],
        ["cosm", "oldprog"],
    )
    assert (form["avoid"], form["zone_0_place"]) == ([f"{first}, {second}"], ["Den Bosch"])
    retyped = form | {"languages": ["Tigrinya, Roemeens"], "avoid": [f"{second} {first}"]}
    response = desk.post(f"/desk/referrals/{case}/edit", retyped)
    assert response.headers["location"] == f"/desk/referrals/{case}?done=unchanged"
    stored = referral(site, case)
    assert (stored["version"], stored["conditions"], stored["avoid"]) == (
        1,
        ["pregnancy", "addiction"],
        [first, second],
    )
    assert changes_of(site, case) == [("create", "referral", case, "ok")]


def test_a_refusal_elsewhere_than_at_a_case_number_keeps_its_place_and_words() -> None:
    """The API's refusal may hold more than the case numbers kept apart (a shelter the person
    stays at that is no shelter): each is said at its own input, whatever was typed to keep
    apart."""
    errors = [
        FieldError(path="current", message="names no shelter: 'S999'"),
        FieldError(path="avoid[1]", message="no case or resident 'C2' is known"),
    ]
    assert people_unknown(errors, ["C1", "C2"]) == [
        FieldProblem("current", None, "names no shelter: 'S999'"),
        FieldProblem("avoid", "unknown_person", "C2"),
    ]
