"""A self-contained HTML report of a scenario result, for planners, that works offline.

One file, inline CSS and inline SVG only (no script, no CDN, no external link), so it can be mailed
and opened anywhere. It leads with what the shortage does to people (placed, waiting, nights in
hotels and homeless shelters), then how the engine compares with today's phone-around on the same
arrivals, then where: the map, occupancy per police unit, who is left without a place and why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

from api.svg import PALETTE, Bar, MapPoint, bar_chart, line_chart, map_chart
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
    "young_adult": "#66a182",
    "added": "#111111",
}
_SHORTAGE = "#c0392b"
_TOP = 15


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


_NO_INTERVAL = "no interval from one replication"


def _interval(estimate: Estimate, share: bool = False) -> str:
    """Mean (low – high); every KPI is a count, time or share, so the interval stops at 0 (and
    a share's at 100 %) rather than show impossible values from a small number of replications."""
    show = _pct if share else (lambda v: f"{v:,.1f}")
    if not estimate.has_interval:
        return f"{show(estimate.mean)} ({_NO_INTERVAL})"
    low, high = estimate.within(share=share)
    return f"{show(estimate.mean)} ({show(low)} – {show(high)})"


def _kpi(result: ScenarioResult, name: str, kpis: dict[str, Estimate]) -> str:
    """A KPI with its interval, or, for a wait that is the give-up limit, what it really says."""
    if result.at_give_up_limit(name, kpis):
        return (
            f"at least {kpis[name].mean:,.0f} h: the give-up limit, reached by the "
            f"{_pct(1 - kpis['placed_share'].mean)} never placed"
        )
    return _interval(kpis[name], name.endswith("_share"))


def _difference(diff: Difference, gain: str, loss: str, replications: int) -> str:
    """The engine's gain in words that match its sign ("49.0 fewer nights", never "+49.0 fewer"
    or "-2.0 more"), with its 95 % interval as a gain."""
    verdict = (
        '<span class="yes">significant</span>'
        if diff.significant
        else '<span class="no">within the noise</span>'
    )
    what = gain if diff.mean >= 0 else loss
    interval = (
        f"95 % interval of the gain {diff.low:+,.1f} to {diff.high:+,.1f}; {verdict}"
        if replications >= 2
        else f"{_NO_INTERVAL}, so no telling it from the noise"
    )
    return f"<li><b>{abs(diff.mean):,.1f}</b> {escape(what)} per replication ({interval})</li>"


def _headline(result: ScenarioResult) -> str:
    k = result.kpis
    days = result.horizon_days - result.warmup_days
    return (
        f'<p class="lead">Over {days} days, about <b>{k["arrivals"].mean:,.0f}</b> people needed a '
        f"place. <b>{_pct(k['placed_share'].mean)}</b> found a suitable one, "
        f"<b>{_pct(k['within_24h_share'].mean)}</b> within 24 hours. Meanwhile they spent "
        f"<b>{k['unsuitable_nights'].mean:,.0f}</b> nights in unsuitable shelter, "
        f"<b>{k['hotel_nights'].mean:,.0f}</b> of them in hotels and "
        f"<b>{k['homeless_shelter_nights'].mean:,.0f}</b> in homeless shelters; "
        f"<b>{k['unmet'].mean:,.0f}</b> people were never placed.</p>"
    )


def _comparison(result: ScenarioResult) -> str:
    comparison = result.comparison
    if comparison is None:
        if result.policy == "greedy":
            return "<p>This scenario's desk policy is the greedy phone-around itself.</p>"
        return (
            "<p>Not compared: this run did not also place the same arrivals by today's "
            "phone-around.</p>"
        )
    count = result.replications
    return (
        f"<p>The same arrivals (same seeds), placed by the engine (policy "
        f"<b>{escape(comparison.policy)}</b>) instead of today's phone-around (nearest shelter "
        f"with room, one person at a time):</p><ul>"
        + _difference(
            comparison.more_placed,
            "more people placed in suitable shelter",
            "fewer people placed in suitable shelter",
            count,
        )
        + _difference(
            comparison.fewer_unsuitable_nights,
            "fewer nights in unsuitable shelter",
            "more nights in unsuitable shelter",
            count,
        )
        + _difference(
            comparison.fewer_hotel_nights, "fewer nights in hotels", "more nights in hotels", count
        )
        + "</ul>"
    )


def _kpi_table(result: ScenarioResult) -> str:
    rows = []
    baseline = result.comparison.baseline_kpis if result.comparison else {}
    for name, description in KPI_DESCRIPTIONS.items():
        if name not in result.kpis:
            continue
        greedy = _kpi(result, name, baseline) if name in baseline else "–"
        rows.append(
            f"<tr><td>{escape(description)}</td><td>{_kpi(result, name, result.kpis)}</td>"
            f"<td>{greedy}</td></tr>"
        )
    return (
        "<table><tr><th>KPI</th><th>this scenario (95 % interval)</th>"
        "<th>greedy on the same arrivals</th></tr>" + "".join(rows) + "</table>"
    )


def _unit_centres() -> dict[str, tuple[float, float]]:
    centres: dict[str, tuple[float, float]] = {}
    for unit in gazetteer.POLICE_UNITS:
        places = [m for m in gazetteer.municipalities() if m.police_unit == unit]
        centres[unit] = (
            sum(m.lat for m in places) / len(places),
            sum(m.lon for m in places) / len(places),
        )
    return centres


def _map(result: ScenarioResult) -> str:
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
            title=f"{unit}: {nights[unit].mean:,.0f} nights in unsuitable shelter",
        )
        for unit, (lat, lon) in _unit_centres().items()
        if unit in nights and nights[unit].mean > 0
    ]
    points += [
        MapPoint(
            lat=s.lat,
            lon=s.lon,
            radius=2 + math.sqrt(max(s.capacity, 1)),
            colour=_KIND_COLOURS.get(s.kind, PALETTE[4]),
            title=f"{s.id} ({s.kind}, {s.police_unit}): {s.capacity} places at the start",
        )
        for s in result.shelters
    ]
    legend = "".join(
        _legend_entry(colour, "&#9679;", escape(kind))
        for kind, colour in _KIND_COLOURS.items()
        if any(s.kind == kind for s in result.shelters)
    )
    shortage = _legend_entry(
        _SHORTAGE, "&#11044;", "nights in unsuitable shelter, by police unit of arrival (area)"
    )
    return (
        map_chart(
            "Shelters and regional shortage" if result.shelters else "Regional shortage",
            background,
            points,
        )
        + f'<p class="legend">{legend}{shortage}</p>'
    )


def _legend_entry(colour: str, marker: str, label: str) -> str:
    """A coloured marker and its label in the text colour: several map colours are too light
    to read as text on white (WCAG 2.1 1.4.3 asks 4.5:1), and the label says it all anyway."""
    return f'<span><span style="color:{colour}" aria-hidden="true">{marker}</span> {label}</span>'


def _occupancy(result: ScenarioResult) -> str:
    charts = [
        line_chart(
            unit,
            {"occupied": result.occupancy[unit], "places": result.capacity[unit]},
        )
        for unit in gazetteer.POLICE_UNITS
        if unit in result.occupancy
    ]
    return f'<div class="grid">{"".join(charts)}</div>'


def _waiting(result: ScenarioResult) -> str:
    histogram = result.waiting_hours
    if histogram.left_unplaced is None:  # stored before the unplaced were counted apart
        return _waiting_all(result)
    total = (sum(histogram.counts) + histogram.left_unplaced) or 1.0
    bins = list(zip(histogram.edges[:-1], histogram.edges[1:], histogram.counts, strict=True))
    # Bins from the give-up limit on are empty: nobody is placed after leaving the queue.
    limit = (result.give_up_days or 0) * 24
    shown = [(low, high, count) for low, high, count in bins if count or low < limit]
    bars = [
        Bar(_span(low, high, histogram.edges), 100 * count / total) for low, high, count in shown
    ]
    left = (
        f"left unplaced after {result.give_up_days} d" if result.give_up_days else "left unplaced"
    )
    bars.append(Bar(left, 100 * histogram.left_unplaced / total))
    return bar_chart("Waiting time until placed, and who left the queue unplaced", bars, unit=" %")


def _waiting_all(result: ScenarioResult) -> str:
    """The chart of a result stored before the unplaced were counted apart from the placed."""
    histogram = result.waiting_hours
    total = sum(histogram.counts) or 1.0
    bars = [
        Bar(_span(low, high, histogram.edges), 100 * count / total)
        for low, high, count in zip(
            histogram.edges[:-1], histogram.edges[1:], histogram.counts, strict=True
        )
    ]
    return bar_chart("Waiting time until placed or leaving the queue", bars, unit=" %")


def _span(low: float, high: float, edges: list[float]) -> str:
    """A bin's label; the last bin is open-ended."""
    return f"over {_hours(low)}" if high == edges[-1] else f"{_hours(low)} – {_hours(high)}"


def _hours(hours: float) -> str:
    return f"{hours / 24:g} d" if hours >= 48 else f"{hours:g} h"


def _bars(title: str, estimates: Mapping[str, Estimate]) -> str:
    ordered = sorted(estimates.items(), key=lambda item: -item[1].mean)[:_TOP]
    bars = [
        Bar(name, e.mean, e.low, e.high) if e.has_interval else Bar(name, e.mean)
        for name, e in ordered
        if e.mean > 0
    ]
    return bar_chart(title, bars)


def render_report(result: ScenarioResult) -> str:
    """The whole report as one HTML document."""
    meta = (
        f"policy <b>{escape(result.policy)}</b> · {result.replications} replications · "
        f"{result.horizon_days} days ({result.warmup_days} warm-up) · seed {result.seed} · "
        f"synthetic data"
    )
    sections = [
        f"<h1>{escape(result.scenario)}</h1>",
        f'<p class="meta">{meta}</p>',
        f"<p>{escape(result.description)}</p>" if result.description else "",
        _headline(result),
        "<h2>Engine against today's phone-around</h2>",
        _comparison(result),
        "<h2>Key figures</h2>",
        _kpi_table(result),
        "<h2>Where it hurts</h2>",
        _map(result),
        _bars(
            "Nights in unsuitable shelter by police unit of arrival",
            result.unsuitable_nights_by_unit,
        ),
        "<h2>Occupancy per police unit</h2>",
        "<p>Mean occupied places at the start of each day, against the places open to victims "
        "of trafficking (capacity events included).</p>",
        _occupancy(result),
        "<h2>Waiting</h2>",
        _waiting(result),
        "<h2>Who is left without a place, and why</h2>",
        _bars(
            "Never placed, by profile (gender / first condition / youth for minors), per "
            "replication",
            result.unmet_by_profile,
        ),
        _bars(
            "Never placed, by the single change that would have opened a place",
            result.unmet_by_reason,
        ),
        '<p class="note">A person counts under every rule whose relaxation alone would have '
        "opened a shelter for them (capacity: a place of the right kind was full; "
        "condition:&lt;code&gt;: no shelter with room accepts it); 'no single change' means "
        "at least two rules stood in the way. Whiskers are 95 % intervals over replications.</p>",
    ]
    body = "\n".join(part for part in sections if part)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(result.scenario)} · Safeplace scenario</title>"
        f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
