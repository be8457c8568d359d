"""The hard rules written the slow, obvious way: one pair at a time, straight from the contract.

Nothing here is shared with the vectorised rules (no arrays, no compiled vocabularies), so the tests
can hold :mod:`engine.rules` to account, and the solvers' plans are re-checked against these rules
before they leave the engine.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models.codes import CONDITIONS
from models.intake import TIMEZONE, IntakeWindow, parse_days, parse_minute
from models.location import distance_km
from models.shelter import Shelter
from models.victim import Victim

_OFFICE = [IntakeWindow(days="mon-fri", start="09:00", end="17:00")]


def takes_intake(shelter: Shelter, now: datetime) -> bool:
    """Does the shelter take an intake at ``now`` (Europe/Amsterdam wall-clock time)?"""
    if shelter.intake == "24/7":
        return True
    windows = _OFFICE if shelter.intake == "office" else shelter.intake
    local = now.astimezone(ZoneInfo(TIMEZONE))
    minute_of_day = local.hour * 60 + local.minute
    for window in windows:
        if local.weekday() not in parse_days(window.days):
            continue
        if parse_minute(window.start) <= minute_of_day < parse_minute(window.end):
            return True
    return False


def reasons(
    victim: Victim,
    shelter: Shelter,
    now: datetime | None,
    free: int | None = None,
    *,
    security_slack_km: float = 0.0,
) -> list[str]:
    """Every reason code that rules out placing ``victim`` at ``shelter``, in contract order.

    ``free`` overrides the shelter's free places (a plan that already filled some of them).
    ``security_slack_km``: how much nearer than a zone's ``min_km`` a shelter must be to be too
    close (see :data:`engine.validation.SECURITY_TOL_KM`); none, as the contract says, unless
    given.
    """
    found: list[str] = []
    if victim.gender not in shelter.genders:
        found.append("gender")
    if victim.age < shelter.min_age or victim.age > shelter.max_age:
        found.append("age")
    if victim.children > 0 and not shelter.children:
        found.append("children")
    for condition in CONDITIONS:
        if condition in victim.conditions and condition not in shelter.accepts:
            found.append(f"condition:{condition}")
    if shelter.programme is not None and shelter.programme not in victim.programmes:
        found.append("programme")
    if any(
        distance_km(shelter.location, zone.location) < zone.min_km - security_slack_km
        for zone in victim.danger_zones
    ):
        found.append("security")
    if now is not None and not takes_intake(shelter, now):
        found.append("intake_hours")
    if any(resident in victim.avoid for resident in shelter.residents):
        found.append("avoid")
    available = shelter.free if free is None else free
    if 1 + victim.children > available:
        found.append("capacity")
    return found


def cost(victim: Victim, shelter: Shelter, weights: dict[str, float]) -> float:
    """The contract's secondary cost of placing ``victim`` at ``shelter``."""
    total = 0.0
    if victim.location is not None:
        total += distance_km(victim.location, shelter.location) * weights["distance"]
    return total + sum(weights[term] for term in mismatches(victim, shelter))


def mismatches(victim: Victim, shelter: Shelter) -> list[str]:
    """The soft terms of the cost that placing ``victim`` at ``shelter`` incurs, in the
    formula's order."""
    found = []
    if victim.exploitation is not None and victim.exploitation not in shelter.specialisations:
        found.append("specialisation")
    if victim.languages and not set(victim.languages) & set(shelter.languages):
        found.append("language")
    if victim.current is not None and victim.current != shelter.id:
        found.append("move")
    return found
