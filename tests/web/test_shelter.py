"""The shelter's own page: availability and intake hours kept by its staff, and who is coming."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import FormData

from api.web.forms import FormProblems, availability_from_form, windows_text
from models.codes import WEEKDAYS
from models.intake import IntakeWindow
from tests.api.helpers import OTHER_SHELTER, OWN_SHELTER
from tests.web.site import Site, text
from tests.web.test_desk import confirm_form, register


def test_staff_update_their_availability_and_the_api_sees_it(site: Site) -> None:
    staff = site.visitor("shelter")
    page = staff.get("/shelter")
    assert page.status_code == 200
    assert f"Opvang {OWN_SHELTER}" in text(page)

    response = staff.post(
        "/shelter/availability",
        {"free": "3", "intake": "windows", "windows": "mon-fri 08:00-19:00\nsat 10:00-14:00"},
    )
    assert response.headers["location"] == "/shelter?done=saved"
    assert "Opgeslagen." in text(staff.get("/shelter", done="saved"))
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert shelter["free"] == 3
    assert shelter["intake"] == [
        {"days": "mon-fri", "from": "08:00", "to": "19:00"},
        {"days": "sat", "from": "10:00", "to": "14:00"},
    ]

    staff.post("/shelter/availability", {"free": "0", "intake": "24/7", "closed": "yes"})
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert (shelter["free"], shelter["intake"], shelter["closed"]) == (0, "24/7", True)


def test_a_closed_shelter_says_why_its_empty_places_are_not_free(site: Site) -> None:
    staff = site.visitor("shelter")
    staff.post("/shelter/availability", {"free": "3", "intake": "24/7", "closed": "yes"})
    page = text(staff.get("/shelter"))
    assert "3 plaatsen zijn leeg, maar worden niet aangeboden zolang u gesloten bent" in page
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert (shelter["free"], shelter["closed"]) == (0, True)

    staff.post("/shelter/availability", {"free": "3", "intake": "24/7"})
    assert "niet aangeboden" not in text(staff.get("/shelter"))


def test_availability_mistakes_are_shown_at_their_fields(site: Site) -> None:
    staff = site.visitor("shelter")
    response = staff.post(
        "/shelter/availability", {"free": "2", "intake": "windows", "windows": "weekdays 9-5"}
    )
    assert response.status_code == 422
    assert "Regel 1 is geen tijdvak" in text(response)
    response = staff.post(
        "/shelter/availability", {"free": "2", "intake": "windows", "windows": "mnd 09:00-17:00"}
    )
    assert response.status_code == 422
    assert "Regel 1 is geen tijdvak" in text(response)
    response = staff.post(
        "/shelter/availability",
        {"free": "2", "intake": "windows", "windows": "mon-fri 09:00-17:00\nsat 10:00-25:00"},
    )
    assert response.status_code == 422
    assert "Regel 2 is geen tijdvak" in text(response)
    assert "Regel 1" not in text(response)
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 3})
    person = {"gender": "female", "age": 30, "programmes": ["cosm"]}
    desk_case = site.api("desk", "POST", "/api/v1/referrals", person)
    site.api(
        "desk", "POST", "/api/v1/holds", {"referral_id": desk_case["id"], "shelter_id": OWN_SHELTER}
    )
    response = staff.post("/shelter/availability", {"free": "999", "intake": "office"})
    assert response.status_code == 422
    shown = text(response)
    assert "Hoogstens 13 plaatsen kunnen vrij zijn" in shown
    assert "Controleer dit veld" not in shown
    assert 'value="999"' in response.text


def test_staff_write_intake_days_in_dutch_and_are_told_how_to_split_a_night(site: Site) -> None:
    staff = site.visitor("shelter")
    saved = staff.post(
        "/shelter/availability",
        {"free": "2", "intake": "windows", "windows": "ma-vr 08:00-19:00\nza,zo 10:00-14:00"},
    )
    assert saved.headers["location"] == "/shelter?done=saved"
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert shelter["intake"] == [
        {"days": "mon-fri", "from": "08:00", "to": "19:00"},
        {"days": "sat,sun", "from": "10:00", "to": "14:00"},
    ]
    page = staff.get("/shelter")
    assert "ma-vr 08:00-19:00\nza,zo 10:00-14:00</textarea>" in page.text
    night = staff.post(
        "/shelter/availability",
        {"free": "2", "intake": "windows", "windows": "ma 09:00-17:00\nvr-ma 20:00-08:00"},
    )
    assert night.status_code == 422
    assert "Regel 2 loopt over middernacht" in text(night)
    assert "Regel 1" not in text(night)
    both = staff.post(
        "/shelter/availability",
        {"free": "2", "intake": "windows", "windows": "vr 20:00-24:00\nza 00:00-08:00"},
    )
    assert both.headers["location"] == "/shelter?done=saved"


def test_saving_asks_for_the_count_and_for_at_least_one_window(site: Site) -> None:
    staff = site.visitor("shelter")
    before = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    site.clock.now += timedelta(hours=1)
    emptied = staff.post("/shelter/availability", {"free": "", "intake": "office"})
    assert emptied.status_code == 422
    assert "Vul dit in." in text(emptied)
    no_window = staff.post(
        "/shelter/availability", {"free": "2", "intake": "windows", "windows": ""}
    )
    assert no_window.status_code == 422
    assert "Vul dit in." in text(no_window)
    # Nothing was stored, not even the moment the places were last reported.
    assert site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}") == before


def test_incoming_people_are_shown_with_what_intake_needs_only(site: Site) -> None:
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 2})
    desk = site.visitor("desk")
    case = register(
        desk,
        programmes=["cosm"],
        zone_0_place="Groningen",
        zone_0_km="20",
        languages="bg",
        exploitation="labour",
    )
    held = desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": OWN_SHELTER})
    assert held.status_code == 303, text(held)

    staff = site.visitor("shelter")
    page = staff.get("/shelter")
    shown = text(page)
    assert case in shown
    assert "vrouw, 30" in shown
    assert "spreekt Bulgaars" in shown
    for secret in ("Utrecht", "Groningen", "arbeidsuitbuiting", "labour"):
        assert secret not in shown
    assert ("read", "referral", case, "ok") in site.audit()
    assert site.visitor("other-shelter").get("/shelter").text.count(case) == 0

    hold_id = re.search(r"/shelter/holds/(H[0-9a-f]+)/confirm", page.text)
    assert hold_id is not None
    confirmed = staff.post(f"/shelter/holds/{hold_id.group(1)}/confirm", {})
    assert confirmed.headers["location"] == "/shelter?done=in"
    page = staff.get("/shelter")
    placement = re.search(r"/shelter/placements/(P[0-9a-f]+)/discharge", page.text)
    assert placement is not None
    path = f"/shelter/placements/{placement.group(1)}/discharge"
    assert staff.post(path, {"confirmed": "1"}).status_code == 303
    assert "Er woont nu niemand" in text(staff.get("/shelter"))


def test_releasing_a_hold_asks_first_and_the_yes_frees_the_place(site: Site) -> None:
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1})
    case = hold_for_someone(site)
    staff = site.visitor("shelter")
    hold_id = re.search(r"/shelter/holds/(H[0-9a-f]+)/release", staff.get("/shelter").text)
    assert hold_id is not None
    path = f"/shelter/holds/{hold_id.group(1)}/release"
    before = len(site.audit())

    asked = staff.post(path, {})
    assert asked.status_code == 200
    said = text(asked)
    assert f"De reservering voor zaak {case} vrijgeven?" in said
    assert (
        "De 1 plaats komt meteen vrij en de plaatsingstafel zoekt voor deze persoon elders." in said
    )
    assert f"Ja: reservering voor {case} vrijgeven" in said
    assert _active_holds(site) == [hold_id.group(1)]
    assert [row for row in site.audit()[before:] if row[0] == "update"] == []
    assert confirm_form(asked) == {"action": path, "confirmed": "1", "csrf": staff.token()}
    assert '<a class="button secondary" href="/shelter">Nee: reservering houden</a>' in asked.text

    released = staff.post(path, {"confirmed": "1"})
    assert released.headers["location"] == "/shelter?done=released"
    assert _active_holds(site) == []
    assert site.api("desk", "GET", f"/api/v1/referrals/{case}")["status"] == "waiting"


def test_a_departure_asks_first_and_the_yes_ends_the_placement(site: Site) -> None:
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1})
    case = hold_for_someone(site)
    hold_id = site.api("desk", "GET", "/api/v1/holds")[0]["id"]
    site.api("desk", "POST", f"/api/v1/holds/{hold_id}/confirm")
    staff = site.visitor("shelter")
    placement = re.search(r"/shelter/placements/(P[0-9a-f]+)/discharge", staff.get("/shelter").text)
    assert placement is not None
    path = f"/shelter/placements/{placement.group(1)}/discharge"

    asked = staff.post(path, {})
    assert asked.status_code == 200
    said = text(asked)
    assert f"Vastleggen dat zaak {case} de opvang heeft verlaten?" in said
    assert (
        "De plaatsing eindigt: de 1 plaats komt meteen vrij en de aanmelding wordt afgesloten. "
        "Dit kan niet ongedaan worden gemaakt." in said
    )
    assert f"Ja: {case} is vertrokken" in said
    assert _active_placements(site) == [placement.group(1)]
    assert confirm_form(asked) == {"action": path, "confirmed": "1", "csrf": staff.token()}
    assert '<a class="button secondary" href="/shelter">Nee: plaatsing houden</a>' in asked.text
    # Another shelter's placement is none of theirs: not found, whether asked or confirmed.
    for fields in ({}, {"confirmed": "1"}):
        assert site.visitor("other-shelter").post(path, fields).status_code == 404
    assert _active_placements(site) == [placement.group(1)]

    left = staff.post(path, {"confirmed": "1"})
    assert left.headers["location"] == "/shelter?done=discharged"
    assert _active_placements(site) == []
    assert site.api("desk", "GET", f"/api/v1/referrals/{case}")["status"] == "closed"
    again = staff.post(path, {})
    assert again.status_code == 409
    assert "Deze plaatsing is al beëindigd." in text(again)


def _active_holds(site: Site) -> list[str]:
    return [h["id"] for h in site.api("desk", "GET", "/api/v1/holds?status=active")]


def _active_placements(site: Site) -> list[str]:
    return [p["id"] for p in site.api("desk", "GET", "/api/v1/placements?status=active")]


def test_staff_cannot_touch_another_shelters_hold(site: Site) -> None:
    site.api("admin", "PATCH", f"/api/v1/shelters/{OTHER_SHELTER}/availability", {"free": 1})
    desk = site.visitor("desk")
    case = register(desk, programmes=["cosm"])
    desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": OTHER_SHELTER})
    hold_id = site.api("desk", "GET", "/api/v1/holds")[0]["id"]
    response = site.visitor("shelter").post(f"/shelter/holds/{hold_id}/confirm", {})
    assert response.status_code == 404
    assert ("update", "hold", hold_id, "denied") in site.audit()


def test_staff_extend_a_hold_for_someone_coming_later(site: Site) -> None:
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1})
    desk = site.visitor("desk")
    case = register(desk, programmes=["cosm"])
    desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": OWN_SHELTER})
    staff = site.visitor("shelter")
    assert "/extend" not in staff.get("/shelter").text  # nothing to gain yet
    site.clock.advance(2)
    assert "/extend" not in staff.get("/shelter").text  # two minutes: not worth a button
    site.clock.advance(58)
    page = staff.get("/shelter")
    hold_id = re.search(r"/shelter/holds/(H[0-9a-f]+)/extend", page.text)
    assert hold_id is not None
    extended = staff.post(f"/shelter/holds/{hold_id.group(1)}/extend", {})
    assert extended.headers["location"] == "/shelter?done=extended"
    site.clock.advance(60)  # past the hold's first end
    assert case in text(staff.get("/shelter"))
    assert ("update", "hold", hold_id.group(1), "ok") in site.audit()

    other = site.visitor("other-shelter").post(f"/shelter/holds/{hold_id.group(1)}/extend", {})
    assert other.status_code == 404


def test_staff_are_asked_to_check_places_reported_a_day_ago(site: Site) -> None:
    staff = site.visitor("shelter")
    staff.post("/shelter/availability", {"free": "2", "intake": "24/7"})
    assert "het laatst gemeld" not in text(staff.get("/shelter"))

    site.clock.advance(25 * 60)
    page = text(staff.get("/shelter"))
    assert "Uw plaatsen zijn het laatst gemeld op ma 30 nov 10:00." in page

    staff.post("/shelter/availability", {"free": "2", "intake": "24/7"})  # nothing changed
    assert "het laatst gemeld" not in text(staff.get("/shelter"))


def shown_version(page: httpx2.Response) -> str:
    """The shelter's version the page's availability form would send back."""
    found = re.search(r'name="version" value="([0-9]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_a_colleagues_save_in_between_is_not_overwritten_unseen(site: Site) -> None:
    """Two staff members open the page; one closes the shelter, the other then saves free
    places from the page as it was: that save would reopen the shelter, so it is refused with
    what is stored now, and the entries are kept for a second, deliberate save."""
    morning = site.visitor("shelter")
    evening = site.visitor("shelter")
    seen = shown_version(evening.get("/shelter"))
    closing = morning.post(
        "/shelter/availability",
        {
            "free": "2",
            "intake": "24/7",
            "closed": "yes",
            "version": shown_version(morning.get("/shelter")),
        },
    )
    assert closing.headers["location"] == "/shelter?done=saved"

    site.clock.advance(3)
    late = evening.post("/shelter/availability", {"free": "4", "intake": "office", "version": seen})
    assert late.status_code == 409
    shown = text(late)
    assert (
        "Niet opgeslagen: iemand anders heeft de beschikbaarheid van deze opvang gewijzigd" in shown
    )
    assert 'value="4"' in late.text
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert (shelter["closed"], shelter["intake"]) == (True, "24/7")

    again = evening.post(
        "/shelter/availability", {"free": "4", "intake": "office", "version": shown_version(late)}
    )
    assert again.headers["location"] == "/shelter?done=saved"
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert (shelter["closed"], shelter["free"], shelter["intake"]) == (False, 4, "office")


def shown_taken(page: httpx2.Response) -> str:
    """The places held or placed through Safeplace the page's availability form counted with."""
    found = re.search(r'name="taken" value="([0-9]+)"', page.text)
    assert found is not None
    return found.group(1)


def hold_for_someone(site: Site) -> str:
    """The desk holds a place at the staff's own shelter for a new referral; its case id."""
    person = {"gender": "female", "age": 30, "programmes": ["cosm"]}
    case: str = site.api("desk", "POST", "/api/v1/referrals", person)["id"]
    site.api("desk", "POST", "/api/v1/holds", {"referral_id": case, "shelter_id": OWN_SHELTER})
    return case


def test_free_places_are_counted_against_the_holds_the_page_showed(site: Site) -> None:
    """Staff count three empty beds on a page that shows no hold; the desk holds one of them
    before they save: the saved count must leave that bed held, not offer it a second time."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 3})
    staff = site.visitor("shelter")
    page = staff.get("/shelter")
    assert shown_taken(page) == "0"
    hold_for_someone(site)
    saved = staff.post(
        "/shelter/availability", {"free": "3", "intake": "24/7", "taken": shown_taken(page)}
    )
    assert saved.headers["location"] == "/shelter?done=saved"
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert (shelter["free"], shelter["held"]) == (2, 1)

    page = staff.get("/shelter")
    hold_for_someone(site)
    none_left = staff.post(
        "/shelter/availability", {"free": "0", "intake": "24/7", "taken": shown_taken(page)}
    )
    assert none_left.status_code == 422
    assert "heeft de tafel hier 1 plaats meer vastgehouden" in text(none_left)
    too_many = staff.post(
        "/shelter/availability", {"free": "99", "intake": "24/7", "taken": shown_taken(page)}
    )
    assert too_many.status_code == 422
    assert "Hoogstens 13 plaatsen kunnen vrij zijn" in text(too_many)


def test_a_shelter_without_intake_hours_is_told_nobody_can_be_placed(site: Site) -> None:
    """The admin may store a shelter without a window (the contract allows it); its staff must
    not read an empty line as "no restriction"."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}", {"intake": []})
    page = text(site.visitor("shelter").get("/shelter"))
    assert "helemaal geen uren: hier kan niemand geplaatst worden" in page


def test_staff_who_closed_are_told_how_to_confirm_someone_still_coming(site: Site) -> None:
    """A confirm at a shelter marked closed is refused by the ledger; its own staff closed it,
    so the page says that, and how to reopen, rather than the desk's "the shelter closed"."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 2})
    hold_for_someone(site)
    staff = site.visitor("shelter")
    staff.post("/shelter/availability", {"free": "1", "intake": "24/7", "closed": "yes"})
    page = staff.get("/shelter")
    assert "een intake kan pas worden bevestigd als u weer opengaat" in text(page)

    hold_id = re.search(r"/shelter/holds/(H[0-9a-f]+)/confirm", page.text)
    assert hold_id is not None
    refused = staff.post(f"/shelter/holds/{hold_id.group(1)}/confirm", {})
    assert refused.status_code == 409
    assert "Niet bevestigd: uw opvang staat op tijdelijk gesloten." in text(refused)

    staff.post("/shelter/availability", {"free": "1", "intake": "24/7"})
    confirmed = staff.post(f"/shelter/holds/{hold_id.group(1)}/confirm", {})
    assert confirmed.headers["location"] == "/shelter?done=in"


def test_a_hold_that_ran_out_sends_staff_to_the_desk(site: Site) -> None:
    """Staff cannot hold places; a confirm after the hold ran out must not tell them to."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1})
    hold_for_someone(site)
    staff = site.visitor("shelter")
    hold_id = re.search(r"/shelter/holds/(H[0-9a-f]+)/confirm", staff.get("/shelter").text)
    assert hold_id is not None
    site.clock.advance(91)
    late = staff.post(f"/shelter/holds/{hold_id.group(1)}/confirm", {})
    assert late.status_code == 409
    shown = text(late)
    assert "De reservering is verlopen" in shown
    assert "bel dan de plaatsingstafel: alleen de tafel kan opnieuw een plaats vasthouden" in shown
    assert "Houd opnieuw een plaats vast" not in shown


def test_the_person_whose_hold_runs_out_first_is_listed_first(site: Site) -> None:
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 2})
    first = hold_for_someone(site)
    site.clock.advance(30)
    second = hold_for_someone(site)
    shown = text(site.visitor("shelter").get("/shelter"))
    assert shown.index(first) < shown.index(second)


def test_intake_hours_are_read_as_dutch_notices_write_them(site: Site) -> None:
    """Days in full and times with a dot, as on the shelter's door: ``maandag t/m vrijdag 8.00 -
    19.00 uur``; what is still no window is refused at its line, as before."""
    staff = site.visitor("shelter")
    saved = staff.post(
        "/shelter/availability",
        {
            "free": "2",
            "intake": "windows",
            "windows": "maandag t/m vrijdag 8.00 - 19.00 uur\nZa, Zo 10.00-14.00",
        },
    )
    assert saved.headers["location"] == "/shelter?done=saved"
    shelter = site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")
    assert shelter["intake"] == [
        {"days": "mon-fri", "from": "08:00", "to": "19:00"},
        {"days": "sat,sun", "from": "10:00", "to": "14:00"},
    ]
    refused = staff.post(
        "/shelter/availability",
        {"free": "2", "intake": "windows", "windows": "ma-vr 9-17\nmaandag 09.00-17.00"},
    )
    assert refused.status_code == 422
    assert "Regel 1 is geen tijdvak" in text(refused)
    assert "Regel 2" not in text(refused)


_FULL = {
    "mon": "maandag",
    "tue": "dinsdag",
    "wed": "woensdag",
    "thu": "donderdag",
    "fri": "vrijdag",
    "sat": "zaterdag",
    "sun": "zondag",
}


@st.composite
def intake_windows(draw: st.DrawFn) -> IntakeWindow:
    """A window of one day, a range of days or a list of days, within one day's 24 hours."""
    first, last = draw(st.sampled_from(WEEKDAYS)), draw(st.sampled_from(WEEKDAYS))
    days = draw(st.sampled_from([first, f"{first}-{last}", f"{first},{last}"]))
    start = draw(st.integers(0, 24 * 60 - 1))
    end = draw(st.integers(start + 1, 24 * 60))
    return IntakeWindow.model_validate(
        {
            "days": days,
            "from": f"{start // 60:02}:{start % 60:02}",
            "to": f"{end // 60:02}:{end % 60:02}",
        }
    )


def read_back(text: str) -> object:
    """The intake the availability form makes of ``text`` in its windows field."""
    form = FormData([("free", "1"), ("intake", "windows"), ("windows", text)])
    return availability_from_form(form).intake


@given(st.lists(intake_windows(), min_size=1, max_size=4), st.booleans())
def test_intake_hours_the_page_shows_read_back_as_they_are(
    windows: list[IntakeWindow], dutch: bool
) -> None:
    """What the form shows (in Dutch or English) and what Dutch notices write (days in full,
    ``t/m``, times with a dot and ``uur``) are read back as the very windows written."""
    assert read_back(windows_text(windows, dutch=dutch)) == windows

    def notice(window: IntakeWindow) -> str:
        days = window.days
        for code, word in _FULL.items():
            days = days.replace(code, word)
        days = days.replace("-", " t/m ").replace(",", ", ")
        return f"{days} {window.start.replace(':', '.')} - {window.end.replace(':', '.')} uur"

    assert read_back("\n".join(notice(window) for window in windows)) == windows


def test_a_line_of_intake_hours_with_a_long_run_of_blanks_is_read_in_a_moment() -> None:
    """A form may send a line padded with thousands of blanks: read as the same line with one
    blank in each run, not tried at every split of the run (16,000 took seconds)."""
    started = time.monotonic()
    padded = "ma-vr" + " " * 20_000 + "08:00" + " " * 20_000 + "- 19:00"
    assert read_back(padded) == read_back("ma-vr 08:00-19:00")
    with pytest.raises(FormProblems) as refused:
        read_back("ma-vr" + " " * 20_000 + "x")
    assert [(p.field, p.code) for p in refused.value.problems] == [("windows", "window")]
    assert time.monotonic() - started < 1


def parts(html: str) -> list[str]:
    """The names of the parts a page or fragment gives the page's script to swap in."""
    return re.findall(r'data-part="([a-z]+)"', html)


def test_the_page_refreshes_what_changes_under_staffs_feet_from_a_fragment(site: Site) -> None:
    """A place the desk holds while the page is open at the door appears without a reload: the
    fragment carries the places, the form, the people expected and those placed, each as a part
    of its own, from the session without renewing it (a screen nobody uses still logs out)."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 3})
    staff = site.visitor("shelter")
    page = staff.get("/shelter")
    assert 'data-poll="/shelter/live" data-every="30"' in page.text
    assert '<a href="/shelter">Verversen</a>' in page.text  # without script
    assert parts(page.text) == ["places", "availability", "incoming", "living"]
    assert "Er wordt op dit moment niemand verwacht." in text(page)

    case = hold_for_someone(site)
    fragment = staff.get("/shelter/live")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "set-cookie" not in fragment.headers
    assert "set-cookie" in page.headers
    assert parts(fragment.text) == parts(page.text)
    shown = text(fragment)
    assert "Stand van 10:00; wordt elke 30 seconden ververst." in shown
    assert f"{case} vrouw, 30 · 1 plaats" in shown
    assert "Vastgehouden door de tafel 1" in shown
    # The form, swapped in while nobody edits it, counts with what is stored now.
    assert shown_taken(fragment) == "1"
    assert int(shown_version(fragment)) == int(shown_version(page))
    staff.post("/shelter/availability", {"free": "1", "intake": "24/7", "taken": "1"})
    assert int(shown_version(staff.get("/shelter/live"))) == int(shown_version(page)) + 1


def test_the_fragment_reads_and_audits_as_the_page_does(site: Site) -> None:
    """Each refresh shows the people expected and placed again, so it leaves the audit rows
    the page leaves: the same reads and searches, in the same order."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 3})
    hold_for_someone(site)
    first = site.api("desk", "GET", "/api/v1/holds")[0]["id"]
    placement = site.api("desk", "POST", f"/api/v1/holds/{first}/confirm")["id"]
    expected = hold_for_someone(site)
    [second] = [hold["id"] for hold in site.api("desk", "GET", "/api/v1/holds?status=active")]
    staff = site.visitor("shelter")

    def rows_of(path: str) -> list[tuple[str, str, str | None, str]]:
        before = len(site.audit())
        assert staff.get(path).status_code == 200
        return site.audit()[before:]

    by_page = rows_of("/shelter")
    assert by_page == [
        ("search", "hold", second, "ok"),
        ("read", "referral", expected, "ok"),
        ("search", "placement", placement, "ok"),
    ]
    assert rows_of("/shelter/live") == by_page


def test_only_the_shelters_own_staff_get_its_fragment(site: Site) -> None:
    """The fragment admits whom the page admits, refuses whom it refuses with the same rows in
    the trail, and shows another shelter's staff their own shelter, never this one's people."""
    site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1})
    case = hold_for_someone(site)
    other = site.visitor("other-shelter").get("/shelter/live")
    assert other.status_code == 200
    assert case not in other.text
    assert shown_taken(other) == "0"
    for role in ("desk", "planner", "auditor", "admin"):
        visitor = site.visitor(role)
        before = len(site.audit())
        assert visitor.get("/shelter").status_code == 403, role
        by_page = site.audit()[before:]
        refused = visitor.get("/shelter/live")
        assert refused.status_code == 403, role
        assert "Niet voor uw rol" in text(refused)
        assert site.audit()[before + len(by_page) :] == by_page, role
    anonymous = site.visitor().get("/shelter/live")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")


def test_a_refused_saves_entries_are_kept_from_the_refresh(site: Site) -> None:
    """The page that gives back a refused save's entries marks its form as kept: the script
    swaps in the rest, never those entries; the fragment itself never keeps a form."""
    staff = site.visitor("shelter")
    refused = staff.post(
        "/shelter/availability", {"free": "2", "intake": "windows", "windows": "weekdays 9-5"}
    )
    assert refused.status_code == 422
    assert '<div data-part="availability" data-keep>' in refused.text
    assert "data-keep" not in staff.get("/shelter").text
    assert "data-keep" not in staff.get("/shelter/live").text


def holiday_box(page: httpx2.Response) -> bool:
    """Whether the availability form's public-holiday box is ticked."""
    found = re.search(r'<input type="checkbox" id="holiday_intake"[^>]*>', page.text)
    assert found is not None
    return " checked" in found.group()


def test_staff_say_whether_they_take_intakes_on_public_holidays(site: Site) -> None:
    """Next to their intake hours staff say whether those hours hold on public holidays: saved
    with the form, audited as any save, shown as saved, and cleared by saving without it."""
    staff = site.visitor("shelter")
    assert not holiday_box(staff.get("/shelter"))
    saved = staff.post(
        "/shelter/availability", {"free": "2", "intake": "office", "holiday_intake": "yes"}
    )
    assert saved.headers["location"] == "/shelter?done=saved"
    assert site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")["holiday_intake"] is True
    assert site.audit()[-1] == ("update", "shelter", OWN_SHELTER, "ok")
    page = staff.get("/shelter")
    assert holiday_box(page)
    assert "kantooruren (ma–vr 09:00–17:00) · ook op feestdagen" in text(page)
    assert "Wij doen ook op feestdagen intakes, binnen deze uren" in text(page)
    staff.post("/language", {"language": "en", "next": "/shelter"})
    english = text(staff.get("/shelter"))
    assert "office hours (Mon–Fri 09:00–17:00) · on public holidays too" in english
    assert "We take intakes on public holidays too, within these hours" in english

    staff.post("/shelter/availability", {"free": "2", "intake": "office"})
    assert site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")["holiday_intake"] is False
    page = staff.get("/shelter")
    assert not holiday_box(page)
    assert "office hours (Mon–Fri 09:00–17:00) · on public" not in text(page)


def test_a_refused_save_keeps_the_public_holiday_box_as_it_was_sent(site: Site) -> None:
    staff = site.visitor("shelter")
    refused = staff.post(
        "/shelter/availability",
        {"free": "2", "intake": "windows", "windows": "weekdays 9-5", "holiday_intake": "yes"},
    )
    assert refused.status_code == 422
    assert holiday_box(refused)
    assert site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")["holiday_intake"] is False


# What a form can send for a number that str.isdigit takes and int does not, or int takes and
# nobody types as a number: a superscript, thousands of digits, another script's digits.
ODD_NUMBERS = ("²", "9" * 5000, "٣", "2_7")


@pytest.mark.parametrize("odd", ODD_NUMBERS, ids=["superscript", "5000-digits", "arabic", "_"])
def test_odd_hidden_counts_are_not_read_and_the_save_still_counts_as_typed(
    site: Site, odd: str
) -> None:
    """A hidden version or count that is no plain number is left unread, as if not sent: the
    save goes through with the free places typed, never as a failure of the service."""
    staff = site.visitor("shelter")
    for hidden in ("version", "taken"):
        saved = staff.post("/shelter/availability", {"free": "2", "intake": "24/7", hidden: odd})
        assert saved.headers["location"] == "/shelter?done=saved", (hidden, saved.status_code)
    assert site.api("admin", "GET", f"/api/v1/shelters/{OWN_SHELTER}")["free"] == 2


@pytest.mark.parametrize("odd", ODD_NUMBERS, ids=["superscript", "5000-digits", "arabic", "_"])
def test_a_typed_count_that_is_no_plain_number_is_refused_at_its_field(
    site: Site, odd: str
) -> None:
    staff = site.visitor("shelter")
    response = staff.post("/shelter/availability", {"free": odd, "intake": "24/7"})
    assert response.status_code == 422
    assert "Nu vrije plaatsen: Vul een heel getal in" in text(response)
