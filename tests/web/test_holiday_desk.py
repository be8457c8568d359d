"""Public holidays on the desk's other views: held cases, and the waiting list's "fits now".

Intake hours repeat weekly, so on Christmas Day an office-hours shelter reads as open. The ranking
and the plan mark such options "public holiday: phone first" (tests/web/test_desk.py); so do the
held case's page and the waiting list, for a hold whose intake may fall on a holiday, and the
waiting list's counts of the shelters that fit now. A shelter that said it takes intakes on
holidays within its hours is not marked.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.codes import CONDITIONS
from tests.web.site import Site, Visitor, text
from tests.web.test_desk import register

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHRISTMAS_EVE = datetime(2026, 12, 24, 19, 0, tzinfo=AMSTERDAM)  # a Thursday, after hours
CHRISTMAS_DAY = datetime(2026, 12, 25, 10, 0, tzinfo=AMSTERDAM)  # a Friday, in office hours
A_WEEK_BEFORE = datetime(2026, 12, 17, 19, 0, tzinfo=AMSTERDAM)  # a Thursday, after hours
MARK = "feestdag: eerst bellen"


def row_of(listed: str, case: str) -> str:
    """The waiting list's row of ``case``, as HTML."""
    rows: list[str] = re.findall(r"<tr>.*?</tr>", listed, flags=re.S)
    (row,) = [row for row in rows if case in row]
    return row


def held_case(desk: Visitor, shelter: str, until: datetime | None) -> str:
    """A referral registered and held at ``shelter`` from its page, until ``until`` (as the page
    ranked for a later intake sends it) or for the usual hold time."""
    case = register(desk)
    form = {"shelter_id": shelter} | ({"until": until.isoformat()} if until else {})
    assert desk.post(f"/desk/referrals/{case}/hold", form).status_code == 303
    return case


@pytest.mark.parametrize(
    ("now", "until", "intake", "holiday_intake", "holiday"),
    [
        # Held on Christmas Eve evening for the morning: the intake is on Christmas Day.
        (CHRISTMAS_EVE, CHRISTMAS_DAY + timedelta(minutes=90), "office", False, "Eerste kerstdag"),
        # ... at a shelter that said it takes intakes on holidays within its hours.
        (CHRISTMAS_EVE, CHRISTMAS_DAY + timedelta(minutes=90), "office", True, None),
        # ... on an ordinary Thursday evening, for Friday morning.
        (A_WEEK_BEFORE, A_WEEK_BEFORE + timedelta(hours=16, minutes=30), "office", False, None),
        # Held on Christmas Day itself, for the usual 90 minutes: the intake is today.
        (CHRISTMAS_DAY, None, "office", False, "Eerste kerstdag"),
        (CHRISTMAS_DAY, None, "24/7", False, None),
        # Hours in windows: Ascension Day, held on the Wednesday evening for the morning.
        (
            datetime(2027, 5, 5, 21, 0, tzinfo=AMSTERDAM),
            datetime(2027, 5, 6, 9, 0, tzinfo=AMSTERDAM),
            [{"days": "mon-sun", "from": "08:00", "to": "20:00"}],
            False,
            "Hemelvaartsdag",
        ),
    ],
)
def test_a_held_case_whose_intake_falls_on_a_public_holiday_is_marked_phone_first(
    site: Site,
    *,
    now: datetime,
    until: datetime | None,
    intake: object,
    holiday_intake: bool,
    holiday: str | None,
) -> None:
    """The case's page marks the held shelter and says which holiday, with the intake there on
    that day (the moment is held to a minute-by-minute search in tests/engine); the waiting
    list marks the case, as the ranking marked the option."""
    site.add_shelter("T001", 2, intake=intake, holiday_intake=holiday_intake)
    site.clock.now = now
    desk = site.visitor("desk")
    case = held_case(desk, "T001", until)

    page = desk.get(f"/desk/referrals/{case}")
    heading = re.search(r'<h2 id="hold-title">(.*?)</h2>', page.text, flags=re.S)
    assert heading is not None
    listed = desk.get("/desk").text
    if holiday is None:
        assert "feestdag" not in text(page)
        assert MARK not in listed
        return
    assert MARK in heading.group(1)
    shown = text(page)
    assert f"{holiday} is een feestdag." in shown
    assert "Intake daar op die dag, zolang de plaats wordt vastgehouden: vanaf" in shown
    assert MARK in row_of(listed, case)
    assert f"{holiday} is een feestdag" in text(desk.get("/desk"))

    desk.post("/language", {"language": "en", "next": "/desk"})
    english = text(desk.get(f"/desk/referrals/{case}"))
    assert "is a public holiday." in english
    assert "Intake there on that day, while the place is held: from" in english
    assert "public holiday: phone first" in row_of(desk.get("/desk").text, case)


def test_the_held_case_names_the_first_holiday_intake_it_reaches(site: Site) -> None:
    """Held on Christmas Eve evening until Christmas morning: the office opens at nine."""
    site.add_shelter("T001", 2, intake="office")
    site.clock.now = CHRISTMAS_EVE
    desk = site.visitor("desk")
    case = held_case(desk, "T001", CHRISTMAS_DAY + timedelta(minutes=90))
    shown = text(desk.get(f"/desk/referrals/{case}"))
    assert "zolang de plaats wordt vastgehouden: vanaf vr 25 dec 09:00." in shown
    # Once the hold is released the case waits again, and nothing is marked on the list.
    hold = site.api("desk", "GET", "/api/v1/holds")[0]["id"]
    site.api("desk", "POST", f"/api/v1/holds/{hold}/release")
    assert "feestdag" not in row_of(desk.get("/desk").text, case)


def counts_of(listed: str, case: str) -> tuple[int, int]:
    """A waiting case's "fits now" on the list: (shelters for sure, shelters to phone first)."""
    cell = re.findall(r"<td[^>]*>(.*?)</td>", row_of(listed, case), flags=re.S)[2]
    sure = re.search(r'<span class="badge good">(\d+) ', cell)
    phone = re.search(r'<span class="badge warn">(\d+) ', cell)
    return (int(sure.group(1)) if sure else 0, int(phone.group(1)) if phone else 0)


def ranked(desk: Visitor, case: str) -> tuple[int, int]:
    """The options the case's ranking offers now: (unmarked, marked "phone first")."""
    page = desk.get(f"/desk/referrals/{case}").text
    rows = re.findall(r'<th scope="row"><span class="ids">(\S+)</span>(.*?)</th>', page, re.S)
    marked = [shelter for shelter, badges in rows if MARK in badges]
    return len(rows) - len(marked), len(marked)


@pytest.mark.parametrize(
    ("now", "holiday"),
    [
        (CHRISTMAS_DAY, "Eerste kerstdag"),
        (datetime(2027, 5, 6, 10, 0, tzinfo=AMSTERDAM), "Hemelvaartsdag"),
        (datetime(2026, 12, 24, 10, 0, tzinfo=AMSTERDAM), None),  # Christmas Eve: a workday
    ],
)
def test_on_a_public_holiday_the_waiting_list_counts_shelters_to_phone_first_apart(
    site: Site, now: datetime, holiday: str | None
) -> None:
    """Each waiting person's count of shelters that fit now is the ranking's, split as the
    ranking marks its options: for sure, and to phone first. Only the three shelters added here
    take every condition: office hours (phone first on a holiday), office hours said to hold on
    holidays, and day and night."""
    site.add_shelter("T001", 2, accepts=list(CONDITIONS), intake="office")
    site.add_shelter("T002", 2, accepts=list(CONDITIONS), intake="office", holiday_intake=True)
    site.add_shelter("T003", 2, accepts=list(CONDITIONS))
    site.clock.now = now
    desk = site.visitor("desk")
    every_condition = register(desk, conditions=list(CONDITIONS))
    others = [register(desk), register(desk, gender="male", age="17"), register(desk, age="70")]
    listed = desk.get("/desk").text

    assert counts_of(listed, every_condition) == ((2, 1) if holiday else (3, 0))
    for case in [every_condition, *others]:
        assert counts_of(listed, case) == ranked(desk, case), case
    if holiday is None:
        assert "feestdag" not in text(desk.get("/desk"))
        return
    assert any(counts_of(listed, case)[1] for case in others)
    assert f"{holiday} is een feestdag: vandaag geen kantooruren." in text(desk.get("/desk"))
    assert "1 opvang, feestdag: eerst bellen" in text(desk.get("/desk"))
    desk.post("/language", {"language": "en", "next": "/desk"})
    english = text(desk.get("/desk"))
    assert "is a public holiday: no office hours today." in english
    assert "2 shelters 1 shelter, public holiday: phone first" in english


def test_someone_only_shelters_to_phone_first_fit_is_shown_the_next_office_opening(
    site: Site,
) -> None:
    """On Christmas Day a person whom only an office-hours shelter fits has no place for sure:
    the list counts it to phone first and what fits at the next office opening; once the
    shelter says it takes intakes on holidays, it fits for sure."""
    site.add_shelter("T001", 2, accepts=list(CONDITIONS), intake="office")
    site.clock.now = CHRISTMAS_DAY
    desk = site.visitor("desk")
    case = register(desk, conditions=list(CONDITIONS))
    cell = text(desk.get("/desk")).split(case)[1]
    assert "1 opvang, feestdag: eerst bellen · 1 vanaf ma 28 dec 09:00" in cell
    site.api("admin", "PATCH", "/api/v1/shelters/T001", {"holiday_intake": True})
    listed = desk.get("/desk")
    assert counts_of(listed.text, case) == (1, 0)
    assert "vanaf ma 28 dec" not in text(listed).split(case)[1]
    assert MARK not in text(listed)


def test_on_a_public_holiday_the_list_says_there_are_no_office_hours_today(site: Site) -> None:
    """At ten on Christmas Day the list does not say that office-hours shelters take nobody in
    now (some do: those are marked to phone first); it says there are no office hours today,
    once, with the next office intake after the holidays."""
    site.add_shelter("T001", 2, accepts=list(CONDITIONS), intake="office")
    site.clock.now = CHRISTMAS_DAY
    desk = site.visitor("desk")
    register(desk, conditions=list(CONDITIONS))
    listed = desk.get("/desk").text
    shown = text(desk.get("/desk"))
    assert "Eerste kerstdag is een feestdag: vandaag geen kantooruren." in shown
    assert "Opvanglocaties met intake tijdens kantooruren nemen nu niemand op." not in shown
    assert "De volgende intake in kantooruren is ma 28 dec 09:00" in shown
    assert listed.count('id="holiday"') == 1
    site.clock.now = A_WEEK_BEFORE
    shown = text(desk.get("/desk"))
    assert "Buiten kantooruren." in shown
    assert "feestdag" not in shown
