"""One replication: the event loop over the horizon, hour by hour but skipping empty hours.

Things happen in a fixed order within an hour, so a replication is a pure function of its seed:
stays end (places free up), events start or end, people arrive, emergency beds run out, people who
waited too long leave the queue; then the desk decides, and whoever is still waiting gets a
fallback bed. The loop only visits hours in which something is scheduled, or in which an intake
opens (or a batch is due) while someone is waiting.

People arrive during the horizon only, but the loop runs on for a cool-down of ``give_up_days``
after it (stays end, events keep their days, the desk keeps placing), until everyone who arrived
has been placed or has left the queue. Without it, someone arriving an hour before the end would
count as never placed; with it, every KPI about people describes what happened to them. The daily
occupancy and capacity series cover the horizon only.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from engine.arrays import compile_shelters
from engine.geo import haversine_km
from engine.ranking import Ranker
from engine.simulation.arrivals import Arrival, draw_arrivals
from engine.simulation.clock import HOURS_PER_DAY, Clock
from engine.simulation.desk import Candidate, Moment, make_desk, static_fit
from engine.simulation.kpis import PersonRecord, ReplicationOutcome, profile, summarise
from engine.simulation.ledger import ConservationError, Ledger, Waiting
from engine.simulation.network import Network, build_network, nearest_safe_unit
from engine.simulation.stays import stay_hours
from engine.simulation.timeline import Timeline, build_timeline
from models import gazetteer
from models.scenario import Policy, Scenario
from models.shelter import Shelter

log = logging.getLogger(__name__)

# Stream numbers of the replication's other dice (arrivals use 0-9 and 1000+).
_INITIAL_STAYS = 2000


class Kind(IntEnum):
    """What is scheduled, in the order things happen within one hour."""

    DEPART = 0
    SEGMENT = 1
    ARRIVE = 2
    EMERGENCY_ENDS = 3
    GIVE_UP = 4


@dataclass(frozen=True, eq=False)
class Prepared:
    """Everything about a scenario that is the same in every replication."""

    scenario: Scenario
    network: Network
    clock: Clock
    timeline: Timeline


def prepare(
    scenario: Scenario,
    shelters: Sequence[Shelter],
    kinds: dict[str, str],
    holiday_intake: Collection[str] = (),
) -> Prepared:
    """Network, clock and timeline of a scenario, built once and shared by its replications."""
    network = build_network(scenario, shelters, kinds, holiday_intake)
    days = scenario.horizon_days + scenario.fallback.give_up_days  # horizon and cool-down
    clock = Clock(scenario.start, days * HOURS_PER_DAY)
    return Prepared(scenario, network, clock, build_timeline(scenario, network, clock))


class Replication:
    """The state of one replication while it runs."""

    def __init__(self, prepared: Prepared, seed: int, policy: Policy | None, check: bool) -> None:
        self.p = prepared
        self.seed = seed
        self.check = check
        self.policy = policy or prepared.scenario.policy
        self.desk = make_desk(self.policy)
        network, timeline = prepared.network, prepared.timeline
        self.ledger = Ledger(
            capacity=timeline.capacity(0).copy(),
            occupied=network.initial_occupied.copy(),
            emergency_beds=dict(network.emergency_beds),
        )
        self.static_arrays = compile_shelters(list(network.shelters), None)
        self.arrivals: list[Arrival] = []
        self.records: list[PersonRecord] = []
        self.static = np.zeros((0, len(network)), dtype=np.bool_)  # (people, S): see static_fit
        self.needed = np.zeros(0, dtype=np.int64)  # places each person needs
        self.views: dict[tuple[int, int, int, int], Shelter] = {}
        self.heap: list[tuple[int, int, int, int, int]] = []  # hour, kind, seq, a, b
        self.seq = 0
        self.stays: dict[int, tuple[int, int]] = {}  # stay id -> (shelter, places)
        self.stay_count = 0
        self.last_hour = -1
        days = prepared.scenario.horizon_days
        units = len(gazetteer.POLICE_UNITS)
        self.occupancy = np.zeros((days, units), dtype=np.float64)
        self.capacity_series = np.zeros((days, units), dtype=np.float64)
        self.sampled_days = 0

    def push(self, hour: int, kind: Kind, a: int = 0, b: int = 0) -> None:
        """Schedule something; ``a`` and ``b`` are its integer arguments."""
        self.seq += 1
        heapq.heappush(self.heap, (hour, int(kind), self.seq, a, b))

    # -- set-up ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Schedule the initial residents' departures, the events and the arrivals."""
        p = self.p
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, _INITIAL_STAYS]))
        for s, shelter in enumerate(p.network.shelters):
            for _ in range(int(self.ledger.occupied[s])):
                full = stay_hours(p.scenario, p.network.kinds[s], shelter.programme, rng.random())
                stay = self._new_stay(s, 1)
                self.push(int(rng.random() * full), Kind.DEPART, stay, 1)
        for hour in p.timeline.starts[1:]:
            self.push(hour, Kind.SEGMENT)
        self.arrivals = draw_arrivals(p.scenario, p.clock, self.seed)
        self.static = static_fit(self.static_arrays, [a.victim for a in self.arrivals])
        self.needed = np.array([a.victim.places_needed for a in self.arrivals], dtype=np.int64)
        self.records = [
            PersonRecord(a.hour, a.unit, profile(a.victim), safe_unit=nearest_safe_unit(a.victim))
            for a in self.arrivals
        ]
        for person, arrival in enumerate(self.arrivals):
            self.push(arrival.hour, Kind.ARRIVE, person)

    def _new_stay(self, shelter: int, places: int) -> int:
        self.stay_count += 1
        stay = self.stay_count
        self.stays[stay] = (shelter, places)
        return stay

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> ReplicationOutcome:
        """Run over the horizon and the cool-down after it, then summarise."""
        self.start()
        end = self.p.clock.hours
        horizon = self.p.scenario.horizon_days * HOURS_PER_DAY
        wake = self.p.timeline.wake_hours.tolist()
        wake_at = 0
        batch = self.policy.kind == "batch"
        every = self.policy.batch_hours
        while True:
            hour = self.heap[0][0] if self.heap else end
            if self.ledger.waiting:
                while wake_at < len(wake) and wake[wake_at] <= self.last_hour:
                    wake_at += 1
                if batch:
                    hour = min(hour, (self.last_hour // every + 1) * every)
                elif wake_at < len(wake):
                    hour = min(hour, wake[wake_at])
            if hour >= end or (hour >= horizon and not self.ledger.waiting):
                break  # past the horizon, only the people still waiting matter
            self._sample_days(hour)
            self._hour(hour, decide=not batch or hour % every == 0)
            self.last_hour = hour
        self._sample_days(end)
        if self.ledger.waiting:
            # Everyone gives up ``give_up_days`` after arriving, so before the cool-down ends.
            raise ConservationError(f"{len(self.ledger.waiting)} still waiting after the cool-down")
        return summarise(
            self.seed,
            self.records,
            self.p.scenario.warmup_days * HOURS_PER_DAY,
            self.occupancy,
            self.capacity_series,
            holiday=self.p.clock.holiday,
        )

    def _hour(self, hour: int, decide: bool) -> None:
        new: list[int] = []
        while self.heap and self.heap[0][0] == hour:
            _, kind, _, a, b = heapq.heappop(self.heap)
            if kind == Kind.DEPART:
                shelter, places = self.stays.pop(a)
                self.ledger.depart(shelter, places, initial=b == 1)
            elif kind == Kind.SEGMENT:
                self.ledger.set_capacity(self.p.timeline.capacity(hour))
            elif kind == Kind.ARRIVE:
                self.ledger.arrive(a, hour)
                new.append(a)
            elif kind == Kind.EMERGENCY_ENDS:
                record = self.ledger.waiting.get(a)
                if record is not None and record.emergency_until == hour:
                    self.ledger.release_emergency(record)
            elif kind == Kind.GIVE_UP and a in self.ledger.waiting:
                self._leave(a, hour)
        if decide and self.ledger.waiting:
            self._decide(hour)
        for person in new:
            record = self.ledger.waiting.get(person)
            if record is not None:
                self._fallback(person, record, hour)
        if self.check:
            self._check()

    def _decide(self, hour: int) -> None:
        ledger, timeline = self.ledger, self.p.timeline
        open_now = timeline.open[hour]
        free = ledger.free
        waiting = np.fromiter(ledger.waiting, dtype=np.int64, count=len(ledger.waiting))
        fits = self.static[waiting] & open_now
        hopeful = waiting[(fits & (free[None, :] >= self.needed[waiting, None])).any(axis=1)]
        if not len(hopeful):
            return
        order = sorted(
            hopeful.tolist(),
            key=lambda p: (-self.arrivals[p].victim.priority, ledger.waiting[p].since, p),
        )
        candidates = [
            Candidate(person, self.arrivals[person].victim, self.static[person] & open_now)
            for person in order
        ]
        moment = Moment(
            shelters=self._view(hour),
            open_now=open_now,
            free=free,
            candidates=candidates,
        )
        for person, shelter in self.desk.decide(moment):
            self._place(person, shelter, hour)

    def _view(self, hour: int) -> list[Shelter]:
        """Every shelter as the desk sees it in ``hour``: places, occupancy, intake hours.

        The copies are kept per state, since most shelters do not change between two decisions.
        """
        ledger, timeline = self.ledger, self.p.timeline
        segment = timeline.segment(hour)
        shelters: list[Shelter] = []
        for s, shelter in enumerate(self.p.network.shelters):
            capacity = int(ledger.capacity[s])
            key = (s, capacity, min(int(ledger.occupied[s]), capacity), segment)
            view = self.views.get(key)
            if view is None:
                update = {
                    "capacity": key[1],
                    "occupied": key[2],
                    "intake": timeline.intakes[segment][s],
                }
                view = self.views[key] = shelter.model_copy(update=update)
            shelters.append(view)
        return shelters

    def _place(self, person: int, shelter: int, hour: int) -> None:
        arrival = self.arrivals[person]
        places = arrival.victim.places_needed
        record = self.ledger.place(person, shelter, places)
        person_record = self.records[person]
        person_record.placed = hour
        self._count_nights(person_record, record, hour)
        target = self.p.network.shelters[shelter]
        if arrival.victim.location is not None:
            here, there = arrival.victim.location.point, target.location.point
            person_record.distance_km = float(
                haversine_km(
                    np.array([here[0]]), np.array([here[1]]),
                    np.array([there[0]]), np.array([there[1]]),
                )[0, 0]
            )  # fmt: skip
        stay = stay_hours(
            self.p.scenario, self.p.network.kinds[shelter], target.programme, arrival.stay_quantile
        )
        self.push(hour + stay, Kind.DEPART, self._new_stay(shelter, places), 0)

    def _fallback(self, person: int, record: Waiting, hour: int) -> None:
        """Someone not placed in their arrival hour: an emergency bed if one is free, else later."""
        fallback = self.p.scenario.fallback
        arrival = self.arrivals[person]
        record.assigned = True
        record.later = "hotel" if arrival.hotel_draw < fallback.hotel_share else "homeless_shelter"
        until = hour + fallback.emergency_max_days * HOURS_PER_DAY
        if fallback.emergency_max_days > 0 and self.ledger.take_emergency_bed(
            record, arrival.unit, until
        ):
            self.push(until, Kind.EMERGENCY_ENDS, person)
        else:
            record.emergency_until = hour
        self.push(hour + fallback.give_up_days * HOURS_PER_DAY, Kind.GIVE_UP, person)
        self.records[person].intake_missed = self._missed_for_intake(person, hour)

    def _missed_for_intake(self, person: int, hour: int) -> bool:
        """Not placed on arrival, but a shelter closed only for intakes had room."""
        fits = self.static[person] & (self.ledger.free >= int(self.needed[person]))
        open_now = self.p.timeline.open[hour]
        return bool((fits & ~open_now).any() and not (fits & open_now).any())

    def _leave(self, person: int, hour: int) -> None:
        """Leave the queue unplaced; the ranking says which single change would have helped."""
        record = self.ledger.leave_unplaced(person)
        person_record = self.records[person]
        person_record.left = hour
        self._count_nights(person_record, record, hour)
        ranking = Ranker(self._view(min(hour, self.p.clock.hours - 1)), None).rank(
            self.arrivals[person].victim
        )
        if ranking.options:
            person_record.reasons = ("intake_hours",)
        else:
            person_record.reasons = tuple(sorted({r.rule for r in ranking.relaxations}))

    def _count_nights(self, person: PersonRecord, record: Waiting, hour: int) -> None:
        if not record.assigned:
            return
        clock = self.p.clock
        switch = min(max(record.emergency_until, record.since), hour)
        person.nights["emergency"] += clock.nights(record.since, switch)
        person.nights[record.later] += clock.nights(switch, hour)

    def _sample_days(self, hour: int) -> None:
        """Occupancy and capacity per police unit at the start of every day before ``hour``.

        Called before ``hour`` is simulated, so a day that starts in an earlier simulated hour is
        sampled after that hour's events: a capacity event from day ``d`` shows on day ``d``.
        """
        units = self.p.network.unit_index
        count = len(gazetteer.POLICE_UNITS)
        while self.sampled_days < len(self.occupancy) and self.sampled_days * 24 < hour:
            day = self.sampled_days
            self.occupancy[day] = np.bincount(units, self.ledger.occupied, minlength=count)
            self.capacity_series[day] = np.bincount(units, self.ledger.capacity, minlength=count)
            self.sampled_days += 1

    def _check(self) -> None:
        held = np.zeros(len(self.p.network), dtype=np.int64)
        for shelter, places in self.stays.values():
            held[shelter] += places
        self.ledger.check(held)


def simulate(
    prepared: Prepared, seed: int, *, policy: Policy | None = None, check: bool = False
) -> ReplicationOutcome:
    """One replication of a prepared scenario with replication seed ``seed``.

    ``policy`` replaces the scenario's desk policy (the greedy comparison runs this way on the
    same arrivals); ``check`` asserts conservation after every simulated hour.
    """
    outcome = Replication(prepared, seed, policy, check).run()
    log.debug("replication %d: %s", seed, outcome.values)
    return outcome
