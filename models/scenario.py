"""A capacity scenario for planners: network, demand, stays, desk policy, fallback and events.

A scenario is what a planner writes (in YAML, see ``scenarios/``) to ask "what happens to the people
we cannot place if ...": it names the shelter network, how many victims arrive where and when and
with which needs, how long they stay, how the desk places them, where they sleep when nobody can
take them, and the events that change the picture between two dates (a regional shortage, a
closure, a raid, other intake hours). Every field is checked strictly, because a typo in a scenario
must fail loudly instead of silently simulating something else.

Days are counted from the scenario's ``start`` (day 0); a ``from_day``/``to_day`` pair covers
``from_day <= day < to_day``. The simulation itself is in ``engine.simulation``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    ValidationError,
    model_validator,
)

from models import gazetteer
from models.codes import Condition, ExploitationCode, Gender, GenderCode
from models.errors import InputProblem, InvalidInput, field_problems, problems_from_error, suggest
from models.intake import Intake
from models.moment import FIRST_YEAR, LAST_YEAR

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Weight = Annotated[float, Field(ge=0.0, le=1e6)]
Day = Annotated[int, Field(ge=0, le=3650)]
Days = Annotated[float, Field(gt=0.0, le=3650.0)]

# Defaults calibrated on the public figures in the project's domain notes.
# Police actions and reports peak in the day; nearly a third of arrivals (32 %) still falls between
# 19:00 and 08:00, when CoMensha's helpdesk is closed.
DEFAULT_HOUR_PROFILE: tuple[float, ...] = (
    *(2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 3.0, 4.0, 5.0, 6.0, 6.0, 6.0),
    *(6.0, 6.0, 6.0, 6.0, 5.0, 4.0, 4.0, 3.0, 3.0, 3.0, 2.0, 2.0),
)
DEFAULT_WEEKDAY_PROFILE: tuple[float, ...] = (1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.7)
DEFAULT_CONDITIONS: dict[str, float] = {
    "addiction": 0.10,
    "psychiatric": 0.15,
    "lvb": 0.08,
    "suicidality": 0.05,
    "aggression": 0.03,
    "medical": 0.05,
    "wheelchair": 0.01,
}
DEFAULT_MIN_KM: dict[str, float] = {"25": 3, "30": 3, "40": 3, "50": 4, "60": 2, "75": 2, "100": 1}
NO_EXPLOITATION: Literal["none"] = "none"

# What one run may simulate. National demand is about 1,000 arrivals a year; one replication of
# 20,000 (twenty years of it, or a year at twenty times the rate) is beyond any question a planner
# asks and takes minutes once places run out, and 500,000 over all replications keeps a run to
# well under an hour of processor time. A typo in a rate or a pasted surge is refused instead.
MAX_ARRIVALS = 20_000
MAX_ARRIVALS_IN_ALL = 500_000
# Each event is weighed on every day it changes something; scenarios use a handful.
MAX_EVENTS = 500
MAX_SEED = 2**63 - 1
MAX_REPLICATIONS = 10_000
# Places one event adds or takes away.
MAX_ADDED = 1000


class ScenarioModel(BaseModel):
    """Base of every scenario type: frozen, no unknown fields (a typo is an error, not 0).

    YAML reads ``.nan`` and ``.inf`` as numbers. No rate, share or weight can be either, and a
    bound would report a NaN as out of range, so they are refused for what they are.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _police_unit(name: str) -> str:
    if name not in gazetteer.POLICE_UNITS:
        raise ValueError(f"unknown police unit '{name}'{suggest(name, gazetteer.POLICE_UNITS)}")
    return name


def _province(name: str) -> str:
    provinces = sorted({m.province for m in gazetteer.municipalities()})
    if name not in provinces:
        raise ValueError(f"unknown province '{name}'{suggest(name, provinces)}")
    return name


def _municipality(name: str) -> str:
    gazetteer.resolve(name)
    return name


PoliceUnit = Annotated[str, AfterValidator(_police_unit)]
Province = Annotated[str, AfterValidator(_province)]
Municipality = Annotated[str, AfterValidator(_municipality)]

# The languages a scenario's name and description may be given in besides its own: those the
# pages and the report are written in (``api.web.i18n.LANGUAGES``, held equal by a test). A
# translation into any other language would never be shown, so its key is more likely a typo.
TRANSLATION_LANGUAGES: dict[str, str] = {"nl": "Dutch", "en": "English"}
ScenarioName = Annotated[str, Field(min_length=1, max_length=120)]


def _translation_language(code: str) -> str:
    if code not in TRANSLATION_LANGUAGES:
        known = " and ".join(f"{key} ({name})" for key, name in TRANSLATION_LANGUAGES.items())
        raise ValueError(
            f"unknown language '{code}'{suggest(code, TRANSLATION_LANGUAGES)}: "
            f"the pages are written in {known}"
        )
    return code


TranslationLanguage = Annotated[str, AfterValidator(_translation_language)]


class ScenarioTranslation(ScenarioModel):
    """A scenario's name and description in another language than the file's own, shown to a
    reader of that language: the planners are Dutch, while a file is shared in English too.

    ``description`` is None only where the scenario has no description to translate.
    """

    name: ScenarioName
    description: str | None = None


class Titles(NamedTuple):
    """A scenario's name and description in one language."""

    name: str
    description: str


def titles_in(
    name: str, description: str, translations: Mapping[str, ScenarioTranslation], language: str
) -> Titles:
    """The name and description for a reader of ``language``: its translation when there is
    one, else the scenario's own."""
    found = translations.get(language)
    if found is None:
        return Titles(name, description)
    return Titles(found.name, description if found.description is None else found.description)


class NetworkSpec(ScenarioModel):
    """Which shelters exist: the shipped sample network, a JSON file of contract shelters, or
    (``live: true``) the shelters the service stores, as they are when the run starts.

    The live network is read by the service only, and a live run's result holds aggregates only:
    planners never see a shelter, so they simulate the real network without holding it.

    ``share_open`` is, per shelter kind, the share of places open to trafficking victims at all:
    women's shelters mostly house victims of domestic violence, so only part of their places can
    ever go to the people simulated here.
    """

    file: Annotated[str, Field(min_length=1)] | None = None
    live: bool = False
    share_open: dict[Annotated[str, Field(min_length=1)], Share] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> NetworkSpec:
        if self.live and self.file is not None:
            raise field_problems([(("live",), "give a network file or live: true, not both")])
        return self


class ChildrenMix(ScenarioModel):
    """Which adults bring children, and how many (weights for 1, 2, 3, ... children)."""

    share_female: Share = 0.18
    share_male: Share = 0.03
    count_weights: Annotated[list[Weight], Field(min_length=1, max_length=10)] = Field(
        default_factory=lambda: [55.0, 30.0, 15.0]
    )


ExploitationKey = ExploitationCode | Literal["none"]
ExploitationGroup = Literal["female", "male", "minor"]


def _default_genders() -> dict[GenderCode, float]:
    return {"female": 70.0, "male": 28.0, "x": 2.0}


def _default_exploitation() -> dict[ExploitationGroup, dict[ExploitationKey, float]]:
    return {
        "female": {"sexual": 50, "labour": 33, "criminal": 10, "other": 5, "none": 2},
        "male": {"sexual": 10, "labour": 70, "criminal": 15, "other": 4, "none": 1},
        "minor": {"sexual": 60, "labour": 5, "criminal": 30, "other": 3, "none": 2},
    }


class Mix(ScenarioModel):
    """Who arrives: gender, age, children, conditions, exploitation, COSM access, priority.

    Conditions are independent shares; pregnancy applies to women aged 15-45 only.
    ``cosm_eligible_share`` is the share of non-Dutch adults in the B8/3 reflection period (Dutch
    victims never qualify for COSM). ``priority_weights`` are for priorities 1, 2 and 3.
    """

    gender: dict[Gender, Weight] = Field(default_factory=_default_genders)
    minor_share: Share = 0.08
    children: ChildrenMix = Field(default_factory=ChildrenMix)
    conditions: dict[Condition, Share] = Field(
        default_factory=lambda: dict(DEFAULT_CONDITIONS)  # type: ignore[arg-type]
    )
    pregnancy_share: Share = 0.12
    exploitation: dict[ExploitationGroup, dict[ExploitationKey, Weight]] = Field(
        default_factory=_default_exploitation
    )
    dutch_share: Share = 0.15
    cosm_eligible_share: Share = 0.6
    priority_weights: Annotated[list[Weight], Field(min_length=3, max_length=3)] = Field(
        default_factory=lambda: [60.0, 30.0, 10.0]
    )

    @model_validator(mode="after")
    def _weights(self) -> Mix:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if not any(self.gender.values()):
            problems.append((("gender",), "at least one gender needs a weight above 0"))
        if not any(self.priority_weights):
            problems.append((("priority_weights",), "at least one weight must be above 0"))
        problems += [
            (("exploitation", group), "at least one weight must be above 0")
            for group, weights in self.exploitation.items()
            if not any(weights.values())
        ]
        if problems:
            raise field_problems(problems)
        return self


class DangerZones(ScenarioModel):
    """Danger zones drawn around the region of exploitation.

    Most victims are found where they were exploited; ``exploited_elsewhere_share`` were exploited
    in another municipality of the country. ``min_km`` weighs the minimum distances (km as text
    keys, weights as values).
    """

    share: Share = 0.95
    exploited_elsewhere_share: Share = 0.3
    min_km: dict[str, Weight] = Field(default_factory=lambda: dict(DEFAULT_MIN_KM))

    @model_validator(mode="after")
    def _distances(self) -> DangerZones:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for key in self.min_km:
            try:
                km = float(key)
            except ValueError:
                problems.append((("min_km", key), "a key must be a distance in km, e.g. '50'"))
                continue
            if not 0.0 < km <= 2000.0:
                problems.append((("min_km", key), "a distance must be above 0 and at most 2000"))
        if self.share > 0 and not any(self.min_km.values()):
            problems.append((("min_km",), "at least one distance needs a weight above 0"))
        if problems:
            raise field_problems(problems)
        return self


def _default_hours() -> list[float]:
    return list(DEFAULT_HOUR_PROFILE)


def _default_weekdays() -> list[float]:
    return list(DEFAULT_WEEKDAY_PROFILE)


class Demand(ScenarioModel):
    """Arrivals per police unit per week, spread over the week by hour-of-day and weekday weights.

    ``hour_profile`` has 24 weights (00:00 first), ``weekday_profile`` 7 (Monday first), both in
    Europe/Amsterdam time, so that nights and weekends, when most shelters take no intakes, are
    real.
    """

    arrivals_per_week: dict[PoliceUnit, Annotated[float, Field(ge=0.0, le=10000.0)]]
    hour_profile: Annotated[list[Weight], Field(min_length=24, max_length=24)] = Field(
        default_factory=_default_hours
    )
    weekday_profile: Annotated[list[Weight], Field(min_length=7, max_length=7)] = Field(
        default_factory=_default_weekdays
    )
    mix: Mix = Field(default_factory=Mix)
    danger_zones: DangerZones = Field(default_factory=DangerZones)

    @model_validator(mode="after")
    def _profiles(self) -> Demand:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if not any(self.hour_profile):
            problems.append((("hour_profile",), "at least one hour needs a weight above 0"))
        if not any(self.weekday_profile):
            problems.append((("weekday_profile",), "at least one day needs a weight above 0"))
        if problems:
            raise field_problems(problems)
        return self


class FixedStay(ScenarioModel):
    """Everyone stays exactly ``days`` (for hand-checked examples)."""

    distribution: Literal["fixed"]
    days: Days


class LognormalStay(ScenarioModel):
    """Right-skewed stays with this mean and standard deviation, capped at ``max_days``."""

    distribution: Literal["lognormal"]
    mean_days: Days
    sd_days: Annotated[float, Field(ge=0.0, le=3650.0)]
    max_days: Days | None = None


class UniformStay(ScenarioModel):
    """Stays spread evenly between ``min_days`` and ``max_days``."""

    distribution: Literal["uniform"]
    min_days: Days
    max_days: Days

    @model_validator(mode="after")
    def _ordered(self) -> UniformStay:
        if self.max_days < self.min_days:
            raise field_problems([(("max_days",), "must be at least min_days")])
        return self


Stay = Annotated[FixedStay | LognormalStay | UniformStay, Discriminator("distribution")]


def _default_stays() -> dict[str, FixedStay | LognormalStay | UniformStay]:
    return {
        "default": LognormalStay(distribution="lognormal", mean_days=120.0, sd_days=60.0),
        "cosm": LognormalStay(distribution="lognormal", mean_days=90.0, sd_days=30.0),
    }


class Policy(ScenarioModel):
    """How the desk places people.

    ``rank``: the engine ranks each arrival against the network and the desk takes the best option
    (waiting people are ranked again whenever a place frees up or an intake opens). ``batch``: every
    ``batch_hours`` the engine plans everyone waiting at once. ``greedy``: today's phone-around, the
    nearest shelter that has room, one person at a time.
    """

    kind: Literal["rank", "batch", "greedy"] = "rank"
    batch_hours: Annotated[int, Field(ge=1, le=168)] = 4
    time_limit_seconds: Annotated[float, Field(gt=0.0, le=600.0)] = 2.0


class Fallback(ScenarioModel):
    """Where someone sleeps while no suitable place is found; every such night is unsuitable.

    First an emergency bed (the network's shelters of kind ``emergency_kind`` in the police unit of
    arrival, which the desk never uses as a placement) for at most ``emergency_max_days``; then a
    hotel (a share ``hotel_share``) or else a homeless shelter. After ``give_up_days`` without a
    suitable place a person leaves the queue: unmet demand.
    """

    emergency_kind: Annotated[str, Field(min_length=1)] | None = "emergency"
    emergency_max_days: Annotated[int, Field(ge=0, le=60)] = 3
    hotel_share: Share = 0.5
    give_up_days: Annotated[int, Field(ge=1, le=3650)] = 28


class Where(ScenarioModel):
    """Selects shelters by exactly one of: police unit, province, programme, kind or shelter id."""

    police_unit: PoliceUnit | None = None
    province: Province | None = None
    programme: Annotated[str, Field(min_length=1)] | None = None
    kind: Annotated[str, Field(min_length=1)] | None = None
    shelter: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Where:
        given = [name for name, value in self if value is not None]
        if len(given) != 1:
            raise field_problems(
                [
                    (
                        (),
                        "name exactly one of police_unit, province, programme, kind or shelter"
                        + (f" (got {', '.join(given)})" if given else ""),
                    )
                ]
            )
        return self


class Period(ScenarioModel):
    """Days ``from_day <= day < to_day`` (``to_day`` null: until the end of the horizon)."""

    from_day: Day = 0
    to_day: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to_day is not None and self.to_day <= self.from_day:
            raise field_problems([(("to_day",), "must be later than from_day")])
        return self


class CapacityEvent(Period):
    """Places change at the selected shelters: by a percentage, by a number of places, or both.

    A cut evicts nobody: it closes places as residents leave.
    """

    type: Literal["capacity"]
    where: Where
    percent: Annotated[float, Field(ge=-100.0, le=1000.0)] = 0.0
    places: Annotated[int, Field(ge=-MAX_ADDED, le=MAX_ADDED)] = 0

    @model_validator(mode="after")
    def _some_change(self) -> CapacityEvent:
        if self.percent == 0.0 and self.places == 0:
            raise field_problems([((), "give percent or places (a change of 0 does nothing)")])
        return self


class ClosureEvent(Period):
    """A shelter takes nobody in (its residents stay until their stay ends)."""

    type: Literal["closure"]
    shelter: Annotated[str, Field(min_length=1)]


class IntakeEvent(Period):
    """The selected shelters take intakes at other hours (``24/7``, ``office`` or windows)."""

    type: Literal["intake"]
    where: Where
    intake: Intake


class SurgeEvent(ScenarioModel):
    """Extra arrivals on one day in one municipality, e.g. a raid: 30 victims in Rotterdam.

    They arrive from ``hour`` on, one hour apart in groups over ``spread_hours``; ``mix`` replaces
    the demand's mix for them (a labour raid brings mostly men).
    """

    type: Literal["surge"]
    day: Day
    hour: Annotated[int, Field(ge=0, le=23)] = 6
    spread_hours: Annotated[int, Field(ge=1, le=24)] = 1
    municipality: Municipality
    victims: Annotated[int, Field(ge=1, le=1000)]
    mix: Mix | None = None


class AddPlacesEvent(Period):
    """New places for one profile in one police unit (a new location in its largest city).

    The new location takes ``gender`` (women's places also take gender x and children), accepts
    ``conditions`` and takes intakes ``intake``. With ``youth`` it is a youth location (ages
    12-17, programme ``youth``, no children) for minors, who cannot go to adult places.
    """

    type: Literal["add_places"]
    police_unit: PoliceUnit
    gender: Gender
    conditions: list[Condition] = Field(default_factory=list)
    places: Annotated[int, Field(ge=1, le=MAX_ADDED)]
    intake: Intake = "24/7"
    youth: bool = False


Event = Annotated[
    CapacityEvent | ClosureEvent | IntakeEvent | SurgeEvent | AddPlacesEvent,
    Discriminator("type"),
]


# On a Dutch public holiday (its Amsterdam date) ``closed`` lets only shelters whose intake hours
# cover the whole week, day and night, take intakes; ``as_usual`` reads every shelter's weekly
# hours as on any other day. Closed is the default because intake hours repeat weekly and know no
# dates, while most shelters with set hours (office hours above all) take nobody in on Christmas
# Day or Easter Monday: reading them as open makes waits around the holidays look shorter than
# they are. The desk's pages mark such shelters "phone first" on a holiday for the same reason.
PublicHolidayIntake = Literal["closed", "as_usual"]


class Scenario(ScenarioModel):
    """A complete scenario: everything one simulation run needs besides the replication seeds."""

    format: Literal["safeplace.scenario/1"] = "safeplace.scenario/1"
    name: ScenarioName
    description: str = ""
    translations: dict[TranslationLanguage, ScenarioTranslation] = Field(default_factory=dict)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    # Not strict: YAML gives a date, JSON a string. In the years a moment may lie in: the clock
    # turns each hour of the run into Dutch time, which the calendar's ends do not allow.
    start: Annotated[
        date,
        Field(strict=False, ge=date(FIRST_YEAR, 1, 1), le=date(LAST_YEAR, 12, 31)),
    ] = date(2026, 1, 5)
    horizon_days: Annotated[int, Field(ge=1, le=3650)] = 365
    warmup_days: Annotated[int, Field(ge=0, le=3650)] = 0
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 20
    demand: Demand
    length_of_stay: dict[Annotated[str, Field(min_length=1)], Stay] = Field(
        default_factory=_default_stays
    )
    policy: Policy = Field(default_factory=Policy)
    fallback: Fallback = Field(default_factory=Fallback)
    public_holiday_intake: PublicHolidayIntake = "closed"
    events: Annotated[list[Event], Field(max_length=MAX_EVENTS)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.warmup_days >= self.horizon_days:
            problems.append((("warmup_days",), "must be shorter than horizon_days"))
        problems += self._demand_problems()
        if self.network.live:
            problems += live_problems(self.events)
        problems += [
            (
                ("translations", language, "description"),
                "the scenario has a description: give it in this language too",
            )
            for language, translation in self.translations.items()
            if self.description and translation.description is None
        ]
        if "default" not in self.length_of_stay:
            problems.append((("length_of_stay",), "needs a 'default' entry"))
        for index, event in enumerate(self.events):
            first = event.day if isinstance(event, SurgeEvent) else event.from_day
            if first >= self.horizon_days:
                field = "day" if isinstance(event, SurgeEvent) else "from_day"
                problems.append((("events", index, field), f"day {first} is past the horizon"))
            elif isinstance(event, SurgeEvent) and event.day < self.warmup_days:
                # Only arrivals after the warm-up are measured: the surge's people would be in
                # no result, and the run would seem to say the raid cost nothing.
                problems.append(
                    (
                        ("events", index, "day"),
                        f"day {event.day} lies in the warm-up, whose arrivals are not measured: "
                        f"give day {self.warmup_days} or later, or fewer warmup_days",
                    )
                )
        if problems:
            raise field_problems(problems)
        return self

    def titles(self, language: str) -> Titles:
        """The name and description for a reader of ``language``."""
        return titles_in(self.name, self.description, self.translations, language)

    @property
    def measured_days(self) -> int:
        """Days after the warm-up, over which the KPIs are measured."""
        return self.horizon_days - self.warmup_days

    @property
    def rate_arrivals(self) -> float:
        """Arrivals a replication draws on average from the weekly rates."""
        return sum(self.demand.arrivals_per_week.values()) * self.horizon_days / 7

    @property
    def surge_arrivals(self) -> int:
        """Arrivals the surge events bring."""
        return sum(e.victims for e in self.events if isinstance(e, SurgeEvent))

    @property
    def expected_arrivals(self) -> float:
        """Arrivals a replication simulates on average."""
        return self.rate_arrivals + self.surge_arrivals

    def _demand_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """No one to simulate (every KPI would be 0 of 0), or more than a run may simulate."""
        measured = any(isinstance(e, SurgeEvent) and e.day >= self.warmup_days for e in self.events)
        if self.rate_arrivals == 0 and not measured:
            message = "no one arrives after the warm-up: give a police unit a rate above 0"
            return [(("demand", "arrivals_per_week"), message + " or add a surge event")]
        expected = self.expected_arrivals
        if expected > MAX_ARRIVALS:
            by_rate = self.rate_arrivals >= self.surge_arrivals
            message = (
                f"about {expected:,.0f} arrivals per replication ({self.rate_arrivals:,.0f} from "
                f"arrivals_per_week over horizon_days, {self.surge_arrivals:,} in surge events); "
                f"at most {MAX_ARRIVALS:,} can be simulated"
            )
            return [(("demand", "arrivals_per_week") if by_rate else ("events",), message)]
        too_many = replications_problem(self, self.replications)
        return [(("replications",), too_many)] if too_many else []


# Planners see aggregates of the live network only: naming one of its shelters would let them probe
# which ids exist and what one shelter does, so no event may select one. The refusal comes before
# the network is read, and so says nothing about whether the id exists.
_ONE_SHELTER = (
    "a run on the live network cannot select a single shelter: select by police_unit, province, "
    "programme or kind"
)


def live_problems(events: Sequence[Event]) -> list[tuple[tuple[str | int, ...], str]]:
    """The events that select one shelter, which a run on the live network refuses."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, event in enumerate(events):
        if isinstance(event, ClosureEvent):
            problems.append((("events", index, "shelter"), _ONE_SHELTER))
        elif isinstance(event, CapacityEvent | IntakeEvent) and event.where.shelter is not None:
            problems.append((("events", index, "where", "shelter"), _ONE_SHELTER))
    return problems


def most_replications(scenario: Scenario) -> int:
    """How many replications of ``scenario`` stay within :data:`MAX_ARRIVALS_IN_ALL`."""
    return max(1, int(MAX_ARRIVALS_IN_ALL // max(scenario.expected_arrivals, 1.0)))


def replications_problem(scenario: Scenario, replications: int) -> str | None:
    """What is wrong with running ``replications`` of ``scenario``, or None: a count given on the
    command line, in an API call or on the planner's page is checked as the file's own is."""
    most = most_replications(scenario)
    if replications <= most:
        return None
    return (
        f"{replications:,} replications of about {scenario.expected_arrivals:,.0f} arrivals each "
        f"are more than the {MAX_ARRIVALS_IN_ALL:,} arrivals a run may simulate; at most {most:,}"
    )


EVENT_TYPES = ("capacity", "closure", "intake", "surge", "add_places")
STAY_TYPES = ("fixed", "lognormal", "uniform")
# Pydantic puts a union's tag and a dict key's marker into the location; a planner needs neither.
_BOOKKEEPING = (
    (re.compile(r"(events\[\d+\])\.(?:" + "|".join(EVENT_TYPES) + r")\b"), r"\1"),
    (re.compile(r"(length_of_stay\.[^.\[]+)\.(?:" + "|".join(STAY_TYPES) + r")\b"), r"\1"),
    (re.compile(r"\.?\[key\]"), ""),
)


def _clean(path: str) -> str:
    for pattern, replacement in _BOOKKEEPING:
        path = pattern.sub(replacement, path)
    return path


def validate_scenario(data: object) -> Scenario:
    """Validate parsed YAML or JSON as a scenario; :class:`InvalidInput` names every field path."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_error(exc)
        raise InvalidInput([InputProblem(_clean(p.path), p.message) for p in problems]) from None
