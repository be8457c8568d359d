"""Rankings and plans against the live network: read in the request's transaction, computed after.

The reads and their audit row commit together; the engine then runs with the database released,
so a plan that searches for seconds never keeps other desks from their holds (on SQLite every
transaction holds the one write lock). Nothing is reserved: a ranking or plan is advice until the
desk makes a hold. Expired holds are settled when the caller is checked in, at the first
query (:func:`api.deps.check_in`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from api import ledger
from api.deps import Caller
from api.network_cache import NetworkCache
from api.observe import solver_timer
from api.problems import FieldError, ProblemError
from api.schemas import PlanRequest
from engine.plans import Terms, placement_terms, terms
from engine.ranking import Explained, Ranker
from engine.solve import solve
from models.instance import Instance
from models.plan import Plan
from models.victim import Victim

# How far an intake moment may lie from now. The live places are today's and intake hours repeat
# every week, so a moment further ahead tells nothing more; one in the past (beyond a minute, as
# the pages round to the minute) is no intake that can still happen.
AT_MOST_AHEAD = timedelta(days=7)
PAST_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class RankingRead:
    """What a ranking reads from the database; :meth:`explain` computes it, best after the
    transaction it was read in has ended."""

    victim: Victim
    ranker: Ranker
    moment: datetime

    def explain(self) -> Explained:
        """The ranking, with its relaxations also as data (the pages word them themselves)."""
        with solver_timer("ranking"):
            return self.ranker.at(self.moment).explain(self.victim)


@dataclass(frozen=True)
class Ranked:
    """A ranking with its relaxations as data, and per option (by shelter id) the terms of its
    cost: the travel distance and the soft terms that apply, as the engine counts them
    (:func:`engine.plans.placement_terms`, as for a plan's lines)."""

    explained: Explained
    terms: dict[str, Terms]


def ranked(caller: Caller, cache: NetworkCache, referral_id: str, at: datetime | None) -> Ranked:
    """The contract's ranking of one waiting referral at ``at`` (default: now), read in the
    caller's own transaction, with the terms of each option (for the desk's case page)."""
    read = read_for_ranking(caller, cache, referral_id, at)
    caller.session.commit()
    explained = read.explain()
    shelters = [option.shelter for option in explained.ranking.options]
    found = placement_terms([(read.victim, shelter) for shelter in shelters], read.ranker.shelters)
    return Ranked(explained, dict(zip(shelters, found, strict=True)))


def read_shared(
    caller: Caller, cache: NetworkCache, referral_id: str, at: datetime | None, session: Session
) -> RankingRead:
    """:func:`read_for_ranking` in ``session``'s transaction, shared with other requests'
    rankings (:mod:`api.lanes`), not committed."""
    return read_for_ranking(caller.sharing(session), cache, referral_id, at)


def read_for_ranking(
    caller: Caller, cache: NetworkCache, referral_id: str, at: datetime | None
) -> RankingRead:
    """The referral and the live network a ranking at ``at`` (default: now) needs, with the
    read's audit row; the transaction is left open."""
    if at is not None:
        caller.check_in_now()  # an inactive user hears 401 before what is wrong with ``at``
    moment = caller.now if at is None else intake_moment(caller.now, at)
    with caller.attempt("read", "referral", referral_id):
        victim = ledger.waiting_victim(caller.session, referral_id)
        ranker = cache.ranker(caller.session, moment)
    return RankingRead(victim, ranker, moment)


def fitting(
    caller: Caller,
    cache: NetworkCache,
    referral_ids: list[str],
    moment: datetime,
    among: Collection[str] | None = None,
) -> dict[str, int]:
    """How many shelters each waiting referral of ``referral_ids`` fits at ``moment``: as many
    as its ranking at that moment would offer (of the shelters ``among``, when given). For the
    desk's waiting list, which has just listed these referrals and recorded that in the audit
    trail; referrals no longer waiting are left out."""
    victims = ledger.waiting_victims(caller.session, referral_ids)
    ranker = cache.ranker(caller.session, moment).at(moment)
    counts = ranker.fitting(victims, among)
    return dict(zip((victim.id for victim in victims), counts, strict=True))


def intake_moment(now: datetime, at: datetime) -> datetime:
    """``at`` if it is a moment an intake can still happen at, else 422 at ``at``."""
    refused = out_of_reach(now, at)
    if refused is None:
        return at
    problem = {
        "past": "lies in the past: rank now, or for a moment still to come",
        "ahead": f"lies more than {AT_MOST_AHEAD.days} days ahead",
    }[refused]
    raise ProblemError(422, "no intake moment", errors=[FieldError(path="at", message=problem)])


def out_of_reach(now: datetime, at: datetime) -> Literal["past", "ahead"] | None:
    """Why ``at`` is no moment an intake can still happen at (None: it is one)."""
    if at < now - PAST_TOLERANCE:
        return "past"
    if at > now + AT_MOST_AHEAD:
        return "ahead"
    return None


@dataclass(frozen=True)
class Planned:
    """A plan with the instance it was made for, for those who explain its lines."""

    plan: Plan
    instance: Instance

    def terms(self) -> dict[str, Terms]:
        """Per victim placed, the distance and the soft terms of the placement's cost."""
        return terms(self.instance, self.plan)


def plan(caller: Caller, cache: NetworkCache, request: PlanRequest, *, time_limit: float) -> Plan:
    """The contract's plan for the waiting referrals (all, or those named) against live places."""
    return planned(caller, cache, request, time_limit=time_limit).plan


def planned(
    caller: Caller, cache: NetworkCache, request: PlanRequest, *, time_limit: float
) -> Planned:
    """:func:`plan`, with the instance it was made for."""
    with caller.attempt("search", "referral") as found:
        victims = ledger.waiting_victims(caller.session, request.referral_ids)
        _all_waiting(request.referral_ids, victims)
        found.disclosed = [victim.id for victim in victims]
        network = cache.network(caller.session, caller.now)
    caller.session.commit()
    instance = Instance(
        format="safeplace.instance/1", now=caller.now, shelters=network, victims=victims
    )
    limit = time_limit if request.time_limit is None else min(request.time_limit, time_limit)
    with solver_timer("plan"):
        return Planned(solve(instance, time_limit=limit, method="auto"), instance)


def _all_waiting(asked: list[str] | None, found: list[Victim]) -> None:
    """422 naming every asked-for id that is no waiting referral."""
    if asked is None:
        return
    waiting = {victim.id for victim in found}
    errors = [
        FieldError(path=f"referral_ids[{index}]", message=f"no waiting referral '{case_id}'")
        for index, case_id in enumerate(asked)
        if case_id not in waiting
    ]
    if errors:
        raise ProblemError(422, "only waiting referrals can be planned", errors=errors)
