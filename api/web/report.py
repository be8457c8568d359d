"""A self-contained HTML report of a scenario result, for planners, that works offline.

One file, inline CSS and inline SVG only (no script, no CDN, no external link), so it can be mailed
and opened anywhere. It leads with what the shortage does to people (placed, waiting, nights in
hotels and homeless shelters), then how the engine compares with today's phone-around on the same
arrivals, then where: the map, occupancy per police unit, who is left without a place and why.

It is written in the reader's language, Dutch or English, from the pages' message catalogue
(:mod:`api.web.i18n`), numbers in that language's notation: the planners who mail it on are
Dutch, and ``12,5`` means twelve and a half to them where ``1,234`` would mislead.
"""

from __future__ import annotations

import gettext
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date
from html import escape

from babel.dates import format_date
from babel.numbers import format_decimal

from api.svg import Bar, MapPoint, bar_chart, line_chart, map_chart
from api.web import render
from api.web.i18n import Language, translations
from engine.holidays import public_holiday_on
from engine.simulation.kpis import NO_SINGLE_CHANGE, YOUTH
from models import gazetteer
from models.scenario_result import KPI_DESCRIPTIONS, Difference, Estimate, ScenarioResult

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 980px; color: #1d2731;
       line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dde3e9; }
.meta { color: #5b6770; } .lead { font-size: 1.1rem; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.7rem; text-align: right; }
td:first-child, th:first-child { text-align: left; } tr:nth-child(even) { background: #f5f7f9; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 0.5rem; }
.yes { color: #1a7f37; font-weight: 600; } .no { color: #5b6770; }
.legend > span { margin-right: 1rem; } .note { color: #5b6770; font-size: 0.9rem; }
"""

_KIND_COLOURS = {
    "cosm": "#8d6a9f",
    "omm": "#d1495b",
    "women": "#1f6f8b",
    "men": "#edae49",
    "youth": "#66a182",
    "young_adult": "#00798c",
    "emergency": "#7f7f7f",
    "added": "#111111",
}
# Any other kind a network file or a programme names (``kind_of`` in the simulation): light grey,
# and still in the legend under its own name.
_OTHER_KIND = "#b8b8b8"
_SHORTAGE = "#c0392b"
_TOP = 15


@dataclass(frozen=True)
class _Words:
    """The report's language: its messages, labels and numbers."""

    language: Language
    catalogue: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.catalogue.ngettext(singular, plural, count)

    def label(self, kind: str, code: str) -> str:
        """The words for a code, as the pages say it."""
        return render.label(kind, code, self.catalogue)

    def number(self, value: float, digits: int = 1) -> str:
        """``1,234.5`` in English, ``1.234,5`` in Dutch, as the pages write it."""
        return render.number(value, digits, self.language)

    def signed(self, value: float) -> str:
        return render.signed(value, self.language)

    def pct(self, share: float) -> str:
        return f"{self.number(100 * share)} %"

    def compact(self, value: float) -> str:
        """A chart's label: whole numbers as they are, others to three significant digits."""
        if abs(value) >= 100 or value == int(value):
            return self.number(value, 0)
        return str(format_decimal(float(f"{value:.3g}"), format="#,##0.###", locale=self.language))

    def hours(self, hours: float) -> str:
        """A waiting time in days from two days on, else in hours (``6 h``, ``3 d``)."""
        if hours >= 48:
            return self.gettext("%(num)s d") % {"num": self.compact(hours / 24)}
        return self.gettext("%(num)s h") % {"num": self.compact(hours)}

    def no_interval(self) -> str:
        return self.gettext("no interval from one replication")

    def holiday(self, day: date) -> str:
        """``Christmas Day (Fri 25 Dec 2026)``, ``Eerste kerstdag (vr 25 dec 2026)``."""
        when = format_date(day, "EEE d MMM y", locale=self.language)
        name = public_holiday_on(day, self.language)
        return f"{name} ({when})" if name else when


def _interval(words: _Words, estimate: Estimate, share: bool = False) -> str:
    """Mean (low – high); every KPI is a count, time or share, so the interval stops at 0 (and
    a share's at 100 %) rather than show impossible values from a small number of replications."""
    show = words.pct if share else words.number
    if not estimate.has_interval:
        return f"{show(estimate.mean)} ({words.no_interval()})"
    low, high = estimate.within(share=share)
    return f"{show(estimate.mean)} ({show(low)} – {show(high)})"


def _kpi(words: _Words, result: ScenarioResult, name: str, kpis: dict[str, Estimate]) -> str:
    """A KPI with its interval, or, for a wait that is the give-up limit, what it really says."""
    if result.at_give_up_limit(name, kpis):
        return words.gettext(
            "at least %(hours)s h: the give-up limit, reached by the %(share)s never placed"
        ) % {
            "hours": words.number(kpis[name].mean, 0),
            "share": words.pct(1 - kpis["placed_share"].mean),
        }
    return _interval(words, kpis[name], name.endswith("_share"))


def _difference(words: _Words, diff: Difference, gain: str, loss: str, replications: int) -> str:
    """The engine's gain in words that match its sign ("49.0 fewer nights", never "+49.0 fewer"
    or "-2.0 more"), with its 95 % interval as a gain."""
    verdict = (
        '<span class="yes">' + words.gettext("significant") + "</span>"
        if diff.significant
        else '<span class="no">' + words.gettext("within the noise") + "</span>"
    )
    what = gain if diff.mean >= 0 else loss
    interval = (
        words.gettext("95 %% interval of the gain %(low)s to %(high)s; %(verdict)s")
        % {"low": words.signed(diff.low), "high": words.signed(diff.high), "verdict": verdict}
        if replications >= 2
        else words.gettext("%(none)s, so no telling it from the noise")
        % {"none": words.no_interval()}
    )
    per = words.gettext("%(what)s per replication (%(interval)s)") % {
        "what": escape(what),
        "interval": interval,
    }
    return f"<li><b>{words.number(abs(diff.mean))}</b> {per}</li>"


def _headline(words: _Words, result: ScenarioResult) -> str:
    """What the shortage did to people, in sentences whose nouns agree with their numbers: the
    counts are means over replications, and "1 people" or "1 nights" reads as a mistake."""
    k = result.kpis
    days = result.horizon_days - result.warmup_days
    arrivals = round(k["arrivals"].mean)
    nights = round(k["unsuitable_nights"].mean)
    unmet = round(k["unmet"].mean)
    sentences = [
        words.ngettext(
            "Over %(days)s days, about <b>%(arrivals)s</b> person needed a place.",
            "Over %(days)s days, about <b>%(arrivals)s</b> people needed a place.",
            arrivals,
        )
        % {"days": days, "arrivals": words.number(arrivals, 0)},
        words.gettext("<b>%(placed)s</b> found a suitable one, <b>%(within)s</b> within 24 hours.")
        % {
            "placed": words.pct(k["placed_share"].mean),
            "within": words.pct(k["within_24h_share"].mean),
        },
        words.ngettext(
            "Meanwhile they spent <b>%(nights)s</b> night in unsuitable shelter, <b>%(hotel)s</b> "
            "of them in hotels and <b>%(homeless)s</b> in homeless shelters.",
            "Meanwhile they spent <b>%(nights)s</b> nights in unsuitable shelter, "
            "<b>%(hotel)s</b> of them in hotels and <b>%(homeless)s</b> in homeless shelters.",
            nights,
        )
        % {
            "nights": words.number(nights, 0),
            "hotel": words.number(k["hotel_nights"].mean, 0),
            "homeless": words.number(k["homeless_shelter_nights"].mean, 0),
        },
        words.ngettext(
            "<b>%(unmet)s</b> person was never placed.",
            "<b>%(unmet)s</b> people were never placed.",
            unmet,
        )
        % {"unmet": words.number(unmet, 0)},
    ]
    return '<p class="lead">' + " ".join(sentences) + "</p>"


def _comparison(words: _Words, result: ScenarioResult) -> str:
    comparison = result.comparison
    if comparison is None:
        if result.policy == "greedy":
            greedy = words.gettext("This scenario's desk policy is the greedy phone-around itself.")
            return f"<p>{greedy}</p>"
        return (
            "<p>"
            + words.gettext(
                "Not compared: this run did not also place the same arrivals by today's "
                "phone-around."
            )
            + "</p>"
        )
    count = result.replications
    lead = words.gettext(
        "The same arrivals (same seeds), placed by the engine (policy <b>%(policy)s</b>) instead "
        "of today's phone-around (nearest shelter with room, one person at a time):"
    ) % {"policy": escape(comparison.policy)}
    return (
        f"<p>{lead}</p><ul>"
        + _difference(
            words,
            comparison.more_placed,
            words.gettext("more people placed in suitable shelter"),
            words.gettext("fewer people placed in suitable shelter"),
            count,
        )
        + _difference(
            words,
            comparison.fewer_unsuitable_nights,
            words.gettext("fewer nights in unsuitable shelter"),
            words.gettext("more nights in unsuitable shelter"),
            count,
        )
        + _difference(
            words,
            comparison.fewer_hotel_nights,
            words.gettext("fewer nights in hotels"),
            words.gettext("more nights in hotels"),
            count,
        )
        + "</ul>"
    )


def _kpi_table(words: _Words, result: ScenarioResult) -> str:
    rows = []
    baseline = result.comparison.baseline_kpis if result.comparison else {}
    for name in KPI_DESCRIPTIONS:
        if name not in result.kpis:
            continue
        greedy = _kpi(words, result, name, baseline) if name in baseline else "–"
        rows.append(
            f"<tr><td>{escape(words.label('kpi', name))}</td>"
            f"<td>{_kpi(words, result, name, result.kpis)}</td><td>{greedy}</td></tr>"
        )
    head = (
        "<tr><th>"
        + words.gettext("Figure")
        + "</th><th>"
        + words.gettext("this scenario (95 %% interval)") % {}
        + "</th><th>"
        + words.gettext("greedy on the same arrivals")
        + "</th></tr>"
    )
    return "<table>" + head + "".join(rows) + "</table>"


def _unit_centres() -> dict[str, tuple[float, float]]:
    centres: dict[str, tuple[float, float]] = {}
    for unit in gazetteer.POLICE_UNITS:
        places = [m for m in gazetteer.municipalities() if m.police_unit == unit]
        centres[unit] = (
            sum(m.lat for m in places) / len(places),
            sum(m.lon for m in places) / len(places),
        )
    return centres


def _map(words: _Words, result: ScenarioResult) -> str:
    background = [(m.lat, m.lon) for m in gazetteer.municipalities()]
    nights = result.unsuitable_nights_by_unit
    most = max((e.mean for e in nights.values()), default=0.0) or 1.0
    points = [
        MapPoint(
            lat=lat,
            lon=lon,
            radius=4 + 26 * math.sqrt(nights[unit].mean / most),
            colour=_SHORTAGE,
            opacity=0.25,
            title=words.gettext("%(unit)s: %(num)s nights in unsuitable shelter")
            % {"unit": unit, "num": words.number(nights[unit].mean, 0)},
        )
        for unit, (lat, lon) in _unit_centres().items()
        if unit in nights and nights[unit].mean > 0
    ]
    points += [
        MapPoint(
            lat=s.lat,
            lon=s.lon,
            radius=2 + math.sqrt(max(s.capacity, 1)),
            colour=_colour(s.kind),
            title=words.ngettext(
                "%(id)s (%(kind)s, %(unit)s): %(num)d place at the start",
                "%(id)s (%(kind)s, %(unit)s): %(num)d places at the start",
                s.capacity,
            )
            % {
                "id": s.id,
                "kind": words.label("shelter_kind", s.kind),
                "unit": s.police_unit,
                "num": s.capacity,
            },
        )
        for s in result.shelters
    ]
    drawn = {s.kind for s in result.shelters}
    legend = "".join(
        _legend_entry(_colour(kind), "&#9679;", escape(words.label("shelter_kind", kind)))
        for kind in [
            *(k for k in _KIND_COLOURS if k in drawn),
            *sorted(drawn - _KIND_COLOURS.keys()),
        ]
    )
    shortage = _legend_entry(
        _SHORTAGE,
        "&#11044;",
        escape(words.gettext("nights in unsuitable shelter, by police unit of arrival (area)")),
    )
    title = (
        words.gettext("Shelters and regional shortage")
        if result.shelters
        else words.gettext("Regional shortage")
    )
    return map_chart(title, background, points) + f'<p class="legend">{legend}{shortage}</p>'


def _colour(kind: str) -> str:
    """A shelter's dot on the map: one colour per kind, so the legend can name each."""
    return _KIND_COLOURS.get(kind, _OTHER_KIND)


def _legend_entry(colour: str, marker: str, label: str) -> str:
    """A coloured marker and its label in the text colour: several map colours are too light
    to read as text on white (WCAG 2.1 1.4.3 asks 4.5:1), and the label says it all anyway."""
    return f'<span><span style="color:{colour}" aria-hidden="true">{marker}</span> {label}</span>'


def _live(words: _Words, result: ScenarioResult) -> str:
    """What a run on the live network describes: the stored shelters when it was read."""
    if result.live_network_at is None:
        return ""
    note = words.gettext(
        "Run on the live network: the shelters as stored at %(time)s (UTC). The arrivals are "
        "simulated; every single shelter, and the places and occupancy per police unit, are "
        "withheld, so that no number tells of one shelter."
    ) % {"time": result.live_network_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")}
    return f'<p class="note">{escape(note)}</p>'


def _withheld(words: _Words) -> str:
    """The occupancy section of a run on the live network, whose series are not kept."""
    note = words.gettext(
        "Withheld on the live network: these series would show the stored places per police unit."
    )
    return f'<p class="note">{escape(note)}</p>'


def _occupancy(words: _Words, result: ScenarioResult) -> str:
    intro = words.gettext(
        "Mean occupied places at the start of each day, against the places open to victims "
        "of trafficking (capacity events included)."
    )
    occupied, places = words.gettext("occupied"), words.gettext("places")
    charts = [
        line_chart(
            unit,
            {occupied: result.occupancy[unit], places: result.capacity[unit]},
            x_label=words.gettext("day"),
            number=words.compact,
        )
        for unit in gazetteer.POLICE_UNITS
        if unit in result.occupancy
    ]
    return f'<p>{intro}</p><div class="grid">{"".join(charts)}</div>'


def _waiting(words: _Words, result: ScenarioResult) -> str:
    histogram = result.waiting_hours
    if histogram.left_unplaced is None:  # stored before the unplaced were counted apart
        return _waiting_all(words, result)
    total = (sum(histogram.counts) + histogram.left_unplaced) or 1.0
    bins = list(zip(histogram.edges[:-1], histogram.edges[1:], histogram.counts, strict=True))
    # Bins from the give-up limit on are empty: nobody is placed after leaving the queue.
    limit = (result.give_up_days or 0) * 24
    shown = [(low, high, count) for low, high, count in bins if count or low < limit]
    bars = [
        Bar(_span(words, low, high, histogram.edges), 100 * count / total)
        for low, high, count in shown
    ]
    left = (
        words.gettext("left unplaced after %(days)s")
        % {"days": words.hours(24 * result.give_up_days)}
        if result.give_up_days
        else words.gettext("left unplaced")
    )
    bars.append(Bar(left, 100 * histogram.left_unplaced / total))
    title = words.gettext("Waiting time until placed, and who left the queue unplaced")
    return _chart(words, title, bars, unit=" %")


def _waiting_all(words: _Words, result: ScenarioResult) -> str:
    """The chart of a result stored before the unplaced were counted apart from the placed."""
    histogram = result.waiting_hours
    total = sum(histogram.counts) or 1.0
    bars = [
        Bar(_span(words, low, high, histogram.edges), 100 * count / total)
        for low, high, count in zip(
            histogram.edges[:-1], histogram.edges[1:], histogram.counts, strict=True
        )
    ]
    title = words.gettext("Waiting time until placed or leaving the queue")
    return _chart(words, title, bars, unit=" %")


def _span(words: _Words, low: float, high: float, edges: list[float]) -> str:
    """A bin's label; the last bin is open-ended."""
    if high == edges[-1]:
        return words.gettext("over %(low)s") % {"low": words.hours(low)}
    return f"{words.hours(low)} – {words.hours(high)}"


def _holidays(words: _Words, result: ScenarioResult) -> str:
    """The public holidays among the measured days, what the scenario did on them, and how those
    arriving on one fared against everyone: an intake closed for a holiday shows in their waits.
    """
    holidays = result.public_holidays
    if holidays is None:  # stored before the holidays were counted
        return ""
    if not holidays.days:
        return "<p>" + words.gettext("No Dutch public holiday fell in the measured days.") + "</p>"
    count = len(holidays.days)
    sentences = [
        words.ngettext(
            "%(num)d Dutch public holiday fell in the measured days: %(days)s.",
            "%(num)d Dutch public holidays fell in the measured days: %(days)s.",
            count,
        )
        % {"num": count, "days": escape(", ".join(words.holiday(day) for day in holidays.days))},
        (
            words.gettext(
                "On them only shelters open day and night took intakes; those with set intake "
                "hours took nobody in (%(setting)s)."
            )
            if holidays.intake == "closed"
            else words.gettext(
                "On them every shelter took intakes at its usual weekly hours, as on any other "
                "day (%(setting)s)."
            )
        )
        % {"setting": f"<code>public_holiday_intake: {holidays.intake}</code>"},
    ]
    arrivals = holidays.arrivals.mean
    if arrivals > 0:
        sentences.append(
            words.gettext(
                "Arrivals on them, per replication: about <b>%(arrivals)s</b>; placed in a "
                "suitable shelter within 24 hours: <b>%(share)s</b> of them, against "
                "<b>%(all)s</b> of all arrivals."
            )
            % {
                "arrivals": words.number(arrivals),
                "share": words.pct(holidays.within_24h.mean / arrivals),
                "all": words.pct(result.kpis["within_24h_share"].mean),
            }
        )
    return "<p>" + " ".join(sentences) + "</p>"


def _chart(words: _Words, title: str, bars: list[Bar], *, unit: str = "") -> str:
    return bar_chart(title, bars, unit=unit, number=words.compact, empty=words.gettext("none"))


def _bars(words: _Words, title: str, estimates: Mapping[str, Estimate], kind: str) -> str:
    """The largest estimates as bars; ``kind`` says how to word their keys."""
    ordered = sorted(estimates.items(), key=lambda item: -item[1].mean)[:_TOP]
    bars = [
        Bar(_key(words, kind, name), e.mean, e.low, e.high)
        if e.has_interval
        else Bar(_key(words, kind, name), e.mean)
        for name, e in ordered
        if e.mean > 0
    ]
    return _chart(words, title, bars)


def _key(words: _Words, kind: str, key: str) -> str:
    """A bar's label: a police unit as it is, a profile (``female / addiction / youth``) or the
    single change that would have opened a place (``condition:addiction``) in words."""
    if kind == "profile":
        gender, _, rest = key.partition(" / ")
        condition, _, youth = rest.partition(" / ")
        parts = [
            words.label("gender", gender),
            words.gettext("no condition")
            if condition == "none"
            else words.label("condition", condition),
        ]
        if youth == YOUTH:
            parts.append(words.gettext("minor"))
        return " / ".join(parts)
    if kind == "reason":
        if key == NO_SINGLE_CHANGE:
            return words.gettext("no single change")
        rule, _, condition = key.partition(":")
        if condition:
            return f"{words.label('rule', rule)}: {words.label('condition', condition)}"
        return words.label("rule", rule)
    return key


def render_report(result: ScenarioResult, language: Language = "en") -> str:
    """The whole report as one HTML document, in ``language``, the scenario's name and
    description included when the scenario gives them in that language."""
    words = _Words(language, translations(language))
    name, description = result.titles(language)
    meta = words.ngettext(
        "policy <b>%(policy)s</b> · %(num)d replication · %(days)s days (%(warmup)s warm-up) · "
        "seed %(seed)s · synthetic data",
        "policy <b>%(policy)s</b> · %(num)d replications · %(days)s days (%(warmup)s warm-up) · "
        "seed %(seed)s · synthetic data",
        result.replications,
    ) % {
        "policy": escape(result.policy),
        "num": result.replications,
        "days": result.horizon_days,
        "warmup": result.warmup_days,
        "seed": result.seed,
    }
    sections = [
        f"<h1>{escape(name)}</h1>",
        f'<p class="meta">{meta}</p>',
        _live(words, result),
        f"<p>{escape(description)}</p>" if description else "",
        _headline(words, result),
        "<h2>" + words.gettext("Engine against today's phone-around") + "</h2>",
        _comparison(words, result),
        "<h2>" + words.gettext("Key figures") + "</h2>",
        _kpi_table(words, result),
        "<h2>" + words.gettext("Where it hurts") + "</h2>",
        _map(words, result),
        _bars(
            words,
            words.gettext("Nights in unsuitable shelter by police unit of arrival"),
            result.unsuitable_nights_by_unit,
            "unit",
        ),
        "<h2>" + words.gettext("Occupancy per police unit") + "</h2>",
        _occupancy(words, result) if result.live_network_at is None else _withheld(words),
        "<h2>" + words.gettext("Waiting") + "</h2>",
        _waiting(words, result),
        _holidays(words, result),
        "<h2>" + words.gettext("Who is left without a place, and why") + "</h2>",
        _bars(
            words,
            words.gettext(
                "Never placed, by profile (gender / first condition / minor), per replication"
            ),
            result.unmet_by_profile,
            "profile",
        ),
        _bars(
            words,
            words.gettext("Never placed, by the single change that would have opened a place"),
            result.unmet_by_reason,
            "reason",
        ),
        '<p class="note">'
        + escape(
            words.gettext(
                "A person counts under every rule whose relaxation alone would have opened a "
                "shelter for them (free places: a place of the right kind was full; a "
                "contra-indication: no shelter with room accepts it); 'no single change' means at "
                "least two rules stood in the way. Whiskers are 95 %% intervals over replications."
            )
            % {}
        )
        + "</p>",
    ]
    body = "\n".join(part for part in sections if part)
    title = words.gettext("%(name)s · Safeplace scenario") % {"name": escape(name)}
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
