"""The HTML report: self-contained and offline, every section present, free text escaped."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from typing import get_args

import pytest

from api import disclosure
from api.schemas import ShelterKind
from api.web.i18n import Language
from api.web.labels import SHELTER_KINDS
from api.web.report import _KIND_COLOURS, render_report
from engine.simulation.kpis import WAIT_EDGES
from engine.simulation.network import ADDED_KIND
from engine.simulation.runner import run_scenario
from engine.simulation.stats import estimate
from models.gazetteer import POLICE_UNITS
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario import PublicHolidayIntake, ScenarioTranslation
from models.scenario_result import (
    KPI_DESCRIPTIONS,
    Difference,
    Estimate,
    Histogram,
    PolicyComparison,
    PublicHolidays,
    ScenarioResult,
)
from tests.scenario_helpers import busy


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    scenario = busy(horizon_days=25).model_copy(
        update={"name": "Shortage <script>alert(1)</script>", "description": 'R&D "test"'}
    )
    return run_scenario(
        scenario, sample_shelters(), sample_shelter_kinds(), replications=2, compare=False
    )


def test_the_report_references_nothing_outside_itself(result: ScenarioResult) -> None:
    html = render_report(result)
    assert not re.search(r"https?://", html)
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=", html, flags=re.IGNORECASE)


def test_the_report_has_every_plot(result: ScenarioResult) -> None:
    html = render_report(result)
    for heading in (
        "Shelters and regional shortage",
        "Occupancy per police unit",
        "Waiting time until placed, and who left the queue unplaced",
        "Never placed, by profile",
        "Never placed, by the single change",
        "Engine against today's phone-around",
    ):
        assert heading in html
    assert html.count("<svg") >= 14  # map, 10 units, waiting, two unmet charts, nights by unit
    assert "Noord-Holland" in html


def test_free_text_is_escaped(result: ScenarioResult) -> None:
    html = render_report(result)
    assert "<script>" not in html
    assert "Shortage &lt;script&gt;" in html
    assert "R&amp;D &quot;test&quot;" in html


def test_a_difference_is_worded_by_its_sign(result: ScenarioResult) -> None:
    """Never "+49.0 fewer nights" nor "-2.0 more people": the words follow the sign."""
    worse = Difference(mean=-2.0, low=-5.0, high=1.0, significant=False)
    better = Difference(mean=49.0, low=12.0, high=86.0, significant=True)
    compared = result.model_copy(
        update={
            "comparison": PolicyComparison(
                policy="rank",
                more_placed=worse,
                fewer_unsuitable_nights=better,
                fewer_hotel_nights=better,
                baseline_kpis=result.kpis,
            )
        }
    )
    html = render_report(compared)
    assert "<b>2.0</b> fewer people placed in suitable shelter" in html
    assert "<b>49.0</b> fewer nights in unsuitable shelter" in html
    assert not re.search(r"<b>[+-]", html)


def test_a_run_without_the_comparison_does_not_call_its_policy_greedy(
    result: ScenarioResult,
) -> None:
    assert result.comparison is None
    assert result.policy == "rank"
    html = render_report(result)
    assert "greedy phone-around itself" not in html
    assert "Not compared" in html
    greedy = render_report(result.model_copy(update={"policy": "greedy"}))
    assert "This scenario's desk policy is the greedy phone-around itself." in greedy


def test_one_replication_shows_no_interval(result: ScenarioResult) -> None:
    first = result.per_replication[0]
    single = result.model_copy(
        update={
            "replications": 1,
            "per_replication": [first],
            "kpis": {name: estimate([value]) for name, value in first.values.items()},
        }
    )
    html = render_report(single.model_copy(update={"comparison": _comparison(single)}))
    assert "no interval from one replication" in html
    # Nor has a difference from one replication: no interval, and no verdict on the noise.
    assert html.count("no interval from one replication, so no telling it from the noise") == 3
    assert "95 % interval of the gain" not in html
    assert "significant" not in html
    # A zero-width "interval" such as "6.0 (6.0 – 6.0)" would read as certainty.
    assert not re.search(r"([\d,.]+ %?) \(\1 – \1\)", html)


def test_a_wait_at_the_give_up_limit_is_shown_as_that_limit(result: ScenarioResult) -> None:
    limit = 24.0 * (result.give_up_days or 0)
    assert limit > 0
    kpis = {**result.kpis, "wait_p95_hours": estimate([limit, limit])}
    capped = result.model_copy(update={"kpis": kpis})
    assert capped.at_give_up_limit("wait_p95_hours")
    html = render_report(capped)
    # Those never placed are everyone not placed in a suitable shelter.
    never = 100 * (1 - result.kpis["placed_share"].mean)
    assert f"at least {limit:,.0f} h: the give-up limit, reached by the {never:.1f} % never" in html
    assert f"{limit:,.1f} ({limit:,.1f} – {limit:,.1f})" not in html
    below = {**result.kpis, "wait_p95_hours": estimate([limit, limit - 5])}
    assert not result.model_copy(update={"kpis": below}).at_give_up_limit("wait_p95_hours")
    assert not capped.model_copy(update={"give_up_days": None}).at_give_up_limit("wait_p95_hours")


def test_the_waiting_chart_shows_who_left_unplaced_apart_from_the_placed(
    result: ScenarioResult,
) -> None:
    """Nobody who left is drawn as placed after a month; bins past the limit are left out."""
    assert result.give_up_days is not None
    assert result.waiting_hours.left_unplaced
    chart = _waiting_chart(render_report(result))
    assert f"left unplaced after {result.give_up_days} d" in chart
    limit = result.give_up_days * 24
    beyond = [low for low in result.waiting_hours.edges[:-1] if low >= limit]
    assert beyond
    assert not any(
        f">{low / 24:g} d –" in chart or f">over {low / 24:g} d" in chart for low in beyond
    )


def test_a_result_stored_before_the_unplaced_were_counted_apart_keeps_its_chart(
    result: ScenarioResult,
) -> None:
    stored = result.model_copy(
        update={"waiting_hours": result.waiting_hours.model_copy(update={"left_unplaced": None})}
    )
    chart = _waiting_chart(render_report(stored))
    assert "Waiting time until placed or leaving the queue" in chart
    assert "left unplaced" not in chart
    assert chart.count("<rect") == len(result.waiting_hours.counts)


# The test scenario's name and description in Dutch, free text to escape like its own.
DUTCH = ScenarioTranslation(name="Tekort <b>", description="Proef & meting")


def test_a_result_stored_before_translations_is_reported_by_its_own_name(
    result: ScenarioResult,
) -> None:
    stored = result.model_dump(mode="json")
    del stored["translations"]
    html = render_report(ScenarioResult.model_validate(stored), "nl")
    assert "<h1>Shortage &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "<p>R&amp;D &quot;test&quot;</p>" in html


# Words the Dutch report shares with the English one on purpose: Dutch too, or names and codes.
SHARED_WORDS = {
    "COSM", "Gender", "gender", "interval", "hotel", "hotels", "over", "start", "significant",
    "engine", "greedy", "rank", "seed", "seeds", "scenario", "Safeplace", "intakes", "open",
}  # fmt: skip


def test_the_dutch_report_has_no_english_left(result: ScenarioResult) -> None:
    """Every word of four letters or more in the Dutch report's text (charts and tooltips
    included, the scenario's name and description too) that the English report has too is a
    name, a code or Dutch as well: a message left out of the catalogue, or never marked for it,
    or a scenario shown by its own English name, shows up here in English."""
    compared = _holidays(result).model_copy(
        update={"comparison": _comparison(result), "translations": {"nl": DUTCH}}
    )
    dutch, english = render_report(compared, "nl"), render_report(compared, "en")
    assert '<html lang="nl">' in dutch
    names = {word for unit in POLICE_UNITS for word in (unit, *unit.split())}
    shared = _words(dutch) & _words(english)
    assert shared - names - SHARED_WORDS == set()
    assert "Kerncijfers" in dutch
    assert "<title>Tekort &lt;b&gt; · Safeplace-scenario</title>" in dutch
    assert "<h1>Tekort &lt;b&gt;</h1>" in dutch
    assert "<p>Proef &amp; meting</p>" in dutch
    assert "<h1>Shortage &lt;script&gt;" in english
    assert "Wachttijd tot plaatsing, en wie de wachtrij ongeplaatst verliet" in dutch


def _words(html: str) -> set[str]:
    """The words of four letters or more a reader sees (styles left out, and code: a scenario
    file's field and value are the same in every language)."""
    shown = re.sub(r"<style>.*?</style>|<code>.*?</code>", " ", html, flags=re.S)
    visible = unescape(re.sub(r"<[^>]+>", " ", shown))
    return set(re.findall(r"[A-Za-z][A-Za-z'-]{3,}", visible))


def test_the_dutch_report_writes_numbers_the_dutch_way(result: ScenarioResult) -> None:
    """``12,5 %`` and ``1.234``: an English ``1,234`` would read as one and a quarter."""
    compared = result.model_copy(update={"comparison": _comparison(result)})
    html = render_report(compared, "nl")
    assert "<b>2,0</b> mensen minder geplaatst in passende opvang" in html
    assert "<b>49,0</b> nachten minder in niet-passende opvang" in html
    assert "95 %-interval van de winst +12,0 tot +86,0" in html
    placed = result.kpis["placed_share"].mean
    share = f"{100 * placed:.1f}".replace(".", ",")
    assert f"<b>{share} %</b> vond een passende" in html
    assert f"ongeplaatst vertrokken na {result.give_up_days} d" in html
    thousand = result.model_copy(
        update={"kpis": {**result.kpis, "unsuitable_nights": estimate([1234.0, 1234.0])}}
    )
    assert "<b>1.234</b> nachten door in niet-passende opvang" in render_report(thousand, "nl")
    assert "<b>1,234</b> nights in unsuitable shelter" in render_report(thousand, "en")


def _comparison(result: ScenarioResult) -> PolicyComparison:
    """The engine 2 people worse and 49 nights better than the phone-around."""
    worse = Difference(mean=-2.0, low=-5.0, high=1.0, significant=False)
    better = Difference(mean=49.0, low=12.0, high=86.0, significant=True)
    return PolicyComparison(
        policy="rank",
        more_placed=worse,
        fewer_unsuitable_nights=better,
        fewer_hotel_nights=better,
        baseline_kpis=result.kpis,
    )


def _waiting_chart(html: str) -> str:
    start = html.index("<h2>Waiting</h2>")
    return html[start : html.index("</svg>", start)]


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("en", ["<b>1</b> person needed", "<b>1</b> night in", "<b>1</b> person was never"],
         ["<b>3</b> people needed", "<b>3</b> nights in", "<b>3</b> people were never"]),
        ("nl", ["<b>1</b> persoon een plaats", "<b>1</b> nacht door", "<b>1</b> persoon werd"],
         ["<b>3</b> mensen een plaats", "<b>3</b> nachten door", "<b>3</b> mensen werden nooit"]),
    ],
)  # fmt: skip
def test_the_headline_agrees_with_its_counts(
    result: ScenarioResult, language: Language, one: list[str], many: list[str]
) -> None:
    """A count that rounds to one takes the singular ("1 person", "1 persoon"), any other the
    plural: the headline's counts are means, so one arrival or one unmet person happens."""
    for count, expected in ((1.0, one), (0.6, one), (3.0, many)):
        kpis = {
            **result.kpis,
            **{
                name: estimate([count, count])
                for name in ("arrivals", "unsuitable_nights", "unmet")
            },
        }
        html = render_report(result.model_copy(update={"kpis": kpis}), language)
        for phrase in expected:
            assert phrase in html
    zero = {name: estimate([0.0, 0.0]) for name in ("arrivals", "unsuitable_nights", "unmet")}
    html = render_report(result.model_copy(update={"kpis": {**result.kpis, **zero}}), language)
    assert ("<b>0</b> people were never" if language == "en" else "<b>0</b> mensen werden") in html


def test_every_kind_on_the_map_has_its_own_colour_in_the_legend(result: ScenarioResult) -> None:
    """Each shelter's dot has its kind's colour, and the legend names every kind drawn with
    that colour, kinds the labels know and any other a network file gives alike; no two kinds
    share a colour (emergency beds once took COSM's)."""
    kinds = [*SHELTER_KINDS, "other"]
    shelters = [
        point.model_copy(update={"kind": kinds[number % len(kinds)]})
        for number, point in enumerate(result.shelters)
    ]
    assert len(shelters) >= len(kinds)
    html = render_report(result.model_copy(update={"shelters": shelters}))
    legend = {
        unescape(label): colour
        for colour, label in re.findall(
            r'<span style="color:(#[0-9a-f]{6})" aria-hidden="true">&#9679;</span> ([^<]+)</span>',
            html,
        )
    }
    assert set(legend) == {unescape(words) for words in SHELTER_KINDS.values()} | {"other"}
    assert len(set(legend.values())) == len(legend)
    for point in shelters:
        label = SHELTER_KINDS.get(point.kind, point.kind)
        dot = re.search(rf'fill="([^"]+)"[^>]*><title>{re.escape(point.id)} \(', html)
        assert dot is not None
        assert dot.group(1) == legend[label]


def test_every_kind_of_shelter_has_words_and_a_colour() -> None:
    """The kinds the API accepts (``ShelterKind``) and the simulation's added places are named
    in one place each: a kind added to the API but not to the labels would show as its code."""
    known = {*get_args(ShelterKind), ADDED_KIND}
    assert set(SHELTER_KINDS) == known
    assert set(_KIND_COLOURS) == known
    assert set(sample_shelter_kinds().values()) <= known


def _holidays(
    result: ScenarioResult, intake: PublicHolidayIntake = "closed", *days: date
) -> ScenarioResult:
    """Christmas Day and Boxing Day 2026 (or ``days``) in the measured days; five people arrived
    on them per replication, half a person of them placed within 24 hours (10 %)."""
    holidays = PublicHolidays(
        intake=intake,
        days=list(days or (date(2026, 12, 25), date(2026, 12, 26))),
        arrivals=estimate([4.0, 6.0]),
        within_24h=estimate([0.0, 1.0]),
    )
    return result.model_copy(update={"public_holidays": holidays})


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["2 Dutch public holidays fell in the measured days: Christmas Day (Fri 25 Dec "
                "2026), Second Day of Christmas (Sat 26 Dec 2026).",
                "On them only shelters open day and night took intakes; those with set intake "
                "hours took nobody in (<code>public_holiday_intake: closed</code>).",
                "Arrivals on them, per replication: about <b>5.0</b>; placed in a suitable shelter "
                "within 24 hours: <b>10.0 %</b> of them, against <b>{all}</b> of all arrivals."]),
        ("nl", ["Op de gemeten dagen vielen 2 Nederlandse feestdagen: Eerste kerstdag (vr 25 dec "
                "2026), Tweede kerstdag (za 26 dec 2026).",
                "nam niemand op (<code>public_holiday_intake: closed</code>).",
                "ongeveer <b>5,0</b>; binnen 24 uur geplaatst in passende opvang: <b>10,0 %</b> "
                "daarvan, tegen <b>{all}</b> van alle aanmeldingen."]),
    ],
)  # fmt: skip
def test_the_report_names_the_holidays_and_how_those_arriving_on_them_fared(
    result: ScenarioResult, language: Language, expected: list[str]
) -> None:
    share = 100 * result.kpis["within_24h_share"].mean
    everyone = f"{share:.1f} %" if language == "en" else f"{share:.1f} %".replace(".", ",")
    html = render_report(_holidays(result), language)
    for phrase in expected:
        assert phrase.format(all=everyone) in html


def test_the_report_says_when_holidays_kept_their_usual_hours_or_none_fell(
    result: ScenarioResult,
) -> None:
    one = render_report(_holidays(result, "as_usual", date(2027, 1, 1)))
    assert "1 Dutch public holiday fell in the measured days: New Year&#x27;s Day" in one
    assert "On them every shelter took intakes at its usual weekly hours" in one
    assert "<code>public_holiday_intake: as_usual</code>" in one
    # The test scenario's 25 days from 5 January hold none.
    assert result.public_holidays is not None
    assert result.public_holidays.days == []
    assert "No Dutch public holiday fell in the measured days." in render_report(result)
    # A result stored before the holidays were counted says nothing about them.
    stored = result.model_copy(update={"public_holidays": None})
    assert "holiday" not in render_report(stored)


# The KPIs that are shares of the arrivals, shown in per cent; every other one is a count or a time.
SHARES = {"placed_share", "within_24h_share"}


def test_the_key_figures_stop_their_intervals_where_the_figures_stop(
    result: ScenarioResult,
) -> None:
    """Two replications stretch an interval past what a figure can be: the table shows none
    below 0 and no share above 100 %, for this scenario and for the phone-around on the same
    arrivals, each its own."""
    scenario = {name: Estimate(mean=0.5, low=-0.5, high=1.5, n=2) for name in result.kpis}
    greedy = {name: Estimate(mean=0.4, low=-1.0, high=2.0, n=2) for name in result.kpis}
    compared = result.model_copy(
        update={
            "kpis": scenario,
            "comparison": _comparison(result).model_copy(update={"baseline_kpis": greedy}),
        }
    )
    table = _section(render_report(compared), "Key figures")
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    names = [name for name in KPI_DESCRIPTIONS if name in result.kpis]
    assert len(rows) == len(names)
    for name, (this, other) in zip(names, rows, strict=True):
        if name in SHARES:
            assert (this, other) == ("50.0 % (0.0 % – 100.0 %)", "40.0 % (0.0 % – 100.0 %)"), name
        else:
            assert (this, other) == ("0.5 (0.0 – 1.5)", "0.4 (0.0 – 2.0)"), name


def test_the_headline_says_what_the_measured_days_did_to_people(result: ScenarioResult) -> None:
    """Each number in its place: arrivals are counted after the warm-up, so the days are the
    measured ones, and hotels and homeless shelters are not to be mixed up."""
    figures = {
        "arrivals": 40.0, "placed_share": 0.5, "within_24h_share": 0.25,
        "unsuitable_nights": 30.0, "hotel_nights": 10.0, "homeless_shelter_nights": 20.0,
        "unmet": 20.0,
    }  # fmt: skip
    kpis = {**result.kpis, **{name: estimate([v, v]) for name, v in figures.items()}}
    html = render_report(result.model_copy(update={"kpis": kpis}))
    days = result.horizon_days - result.warmup_days
    assert days == 20
    assert (
        f'<p class="lead">Over {days} days, about <b>40</b> people needed a place. '
        "<b>50.0 %</b> found a suitable one, <b>25.0 %</b> within 24 hours. "
        "Meanwhile they spent <b>30</b> nights in unsuitable shelter, <b>10</b> of them in hotels "
        "and <b>20</b> in homeless shelters. <b>20</b> people were never placed.</p>"
    ) in html


def test_the_waiting_chart_shares_add_up_to_everyone_and_name_their_spans(
    result: ScenarioResult,
) -> None:
    """Each bar is a share of everyone who arrived, the placed and those who left unplaced
    together, so the bars make 100 %; waits from two days on are in days, and the last span
    has no end."""
    counts = [1.0] * (len(WAIT_EDGES) - 2) + [5.0]
    histogram = Histogram(edges=list(WAIT_EDGES), counts=counts, left_unplaced=5.0)
    patient = result.model_copy(update={"waiting_hours": histogram, "give_up_days": 3650})
    bars = _bars_of(render_report(patient), "Waiting time until placed")
    assert bars == [
        ("0 h – 1 h", "5 %"), ("1 h – 6 h", "5 %"), ("6 h – 12 h", "5 %"),
        ("12 h – 24 h", "5 %"), ("24 h – 2 d", "5 %"), ("2 d – 3 d", "5 %"), ("3 d – 7 d", "5 %"),
        ("7 d – 14 d", "5 %"), ("14 d – 28 d", "5 %"), ("28 d – 56 d", "5 %"),
        ("over 56 d", "25 %"), ("left unplaced after 3,650 d", "25 %"),
    ]  # fmt: skip
    assert sum(float(value.removesuffix(" %")) for _, value in bars) == 100


def test_an_old_waiting_chart_ends_open_too(result: ScenarioResult) -> None:
    stored = result.model_copy(
        update={"waiting_hours": result.waiting_hours.model_copy(update={"left_unplaced": None})}
    )
    bars = _bars_of(render_report(stored), "Waiting time until placed or leaving")
    assert [label for label, _ in bars][-2:] == ["28 d – 56 d", "over 56 d"]


def test_holidays_nobody_arrived_on_are_named_without_a_share_of_nobody(
    result: ScenarioResult,
) -> None:
    holidays = _holidays(result).public_holidays
    assert holidays is not None
    nobody = holidays.model_copy(
        update={"arrivals": estimate([0.0, 0.0]), "within_24h": estimate([0.0, 0.0])}
    )
    html = render_report(result.model_copy(update={"public_holidays": nobody}))
    assert "2 Dutch public holidays fell in the measured days" in html
    assert "Arrivals on them" not in html


# Eighteen profiles: every gender, three first conditions, adults and minors.
PROFILE_WORDS = {
    "female": "woman", "male": "man", "x": "gender X",
    "none": "no condition", "addiction": "addiction", "wheelchair": "wheelchair",
}  # fmt: skip
PROFILES = [
    f"{gender} / {condition}{minor}"
    for gender in ("female", "male", "x")
    for condition in ("none", "addiction", "wheelchair")
    for minor in ("", " / youth")
]


def test_the_unmet_profiles_shown_are_the_largest_in_words_minors_marked(
    result: ScenarioResult,
) -> None:
    """Fifteen bars at most, the largest first, each profile in words with "minor" on the minors
    only."""
    unmet = {key: estimate([float(n), float(n)]) for n, key in enumerate(PROFILES)}
    bars = _bars_of(
        render_report(result.model_copy(update={"unmet_by_profile": unmet})),
        "Never placed, by profile",
    )

    def words(key: str) -> str:
        gender, condition, *minor = key.split(" / ")
        return " / ".join(
            [PROFILE_WORDS[gender], PROFILE_WORDS[condition]] + ["minor"] * len(minor)
        )

    largest = sorted(unmet.items(), key=lambda item: item[1].mean, reverse=True)[:15]
    assert bars == [(words(key), f"{e.mean:g}") for key, e in largest]


def test_the_reasons_are_in_words(result: ScenarioResult) -> None:
    reasons = {
        "condition:addiction": estimate([3.0, 3.0]),
        "capacity": estimate([2.0, 2.0]),
        "no single change": estimate([1.0, 1.0]),
    }
    bars = _bars_of(
        render_report(result.model_copy(update={"unmet_by_reason": reasons})),
        "Never placed, by the single change",
    )
    assert bars == [
        ("Contra-indication: addiction", "3"), ("Free places", "2"), ("no single change", "1")
    ]  # fmt: skip


def test_a_unit_without_nights_is_neither_a_bar_nor_a_circle(result: ScenarioResult) -> None:
    nights = {unit: estimate([0.0, 0.0]) for unit in POLICE_UNITS}
    nights["Amsterdam"] = estimate([12.0, 12.0])
    html = render_report(result.model_copy(update={"unsuitable_nights_by_unit": nights}))
    bars = _bars_of(html, "Nights in unsuitable shelter by police unit")
    assert [label for label, _ in bars] == ["Amsterdam"]
    circles = re.findall(r"<title>([^<:]+): [\d,]+ nights in unsuitable shelter</title>", html)
    assert circles == ["Amsterdam"]


def _section(html: str, heading: str) -> str:
    """The part of the report from the heading ``heading`` to the next one."""
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 1)
    return html[start : end if end >= 0 else len(html)]


def _bars_of(html: str, title: str) -> list[tuple[str, str]]:
    """The labels and values of the bar chart whose title starts with ``title``."""
    start = html.index(f'aria-label="{title}')
    chart = html[start : html.index("</svg>", start)]
    return [
        (unescape(label), unescape(value))
        for label, value in re.findall(
            r'text-anchor="end">([^<]*)</text><rect [^>]*/>(?:<line [^>]*/>)?'
            r'<text x="[^"]*" y="[^"]*">([^<]*)</text>',
            chart,
        )
    ]


def test_a_run_on_the_live_network_says_when_it_was_read_and_shows_no_shelter(
    result: ScenarioResult,
) -> None:
    """The planner learns which network the figures describe (read at 10:30 in Amsterdam, 09:30
    UTC), and nothing of one shelter: no map point, no places or occupancy per police unit."""
    read_at = datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    html = render_report(disclosure.live_scenario_result(result, read_at))
    assert "Run on the live network: the shelters as stored at 2026-03-02 09:30 (UTC)." in html
    assert "Withheld on the live network" in html
    assert "Mean occupied places" not in html
    assert result.shelters
    assert not [s.id for s in result.shelters if re.search(rf"\b{s.id}\b", html)]
