"""What a scenario run returns: KPIs with 95 % confidence intervals, aggregates only.

A result carries no victim, only counts, shares and times summed over replications, so it can be
stored, served by the API and put into a report without privacy concerns. Per-replication KPI values
are kept because comparing two scenarios run on the same seeds (common random numbers) needs the
paired differences, which are much sharper than two separate intervals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.scenario import PublicHolidayIntake, ScenarioTranslation, Titles, titles_in

# Every KPI of one replication, by name, with what it measures. Shares are 0..1; times in hours.
KPI_DESCRIPTIONS: dict[str, str] = {
    "arrivals": "people arriving after the warm-up",
    "placed_share": "share placed in a suitable shelter",
    "within_24h_share": "share placed in a suitable shelter within 24 hours",
    "wait_p50_hours": "waiting time, median (hours until placed or leaving the queue)",
    "wait_p95_hours": "waiting time, 95th percentile (hours)",
    "unsuitable_nights": "nights in unsuitable shelter (emergency bed, hotel, homeless shelter)",
    "emergency_nights": "nights in an emergency bed",
    "hotel_nights": "nights in a hotel",
    "homeless_shelter_nights": "nights in a homeless shelter",
    "unmet": "people never placed (they left the queue after the give-up days)",
    "intake_hours_missed": "people not placed on arrival only because of intake hours",
    "travel_km_mean": "travel distance to the shelter, mean km (people placed)",
    "placed": "people placed in a suitable shelter",
}


# KPIs where less is better: the direction of "better" in comparisons.
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "wait_p50_hours",
        "wait_p95_hours",
        "unsuitable_nights",
        "emergency_nights",
        "hotel_nights",
        "homeless_shelter_nights",
        "unmet",
        "intake_hours_missed",
        "travel_km_mean",
    }
)

# KPIs that measure the demand a scenario brings, not how well it is met: a difference in them is
# more or fewer people, neither better nor worse.
DEMAND: frozenset[str] = frozenset({"arrivals"})


class ResultModel(BaseModel):
    """Base of the result types: frozen and strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Estimate(ResultModel):
    """Mean over replications with a 95 % confidence interval (Student t)."""

    mean: float
    low: float
    high: float
    n: Annotated[int, Field(ge=1)]

    @property
    def has_interval(self) -> bool:
        """One replication has no spread to estimate an interval from: its "interval" would be
        the mean alone, which reads as certainty."""
        return self.n >= 2

    def within(self, *, share: bool) -> tuple[float, float]:
        """The interval as far as the figure can reach: every KPI is a count, a time or a share,
        and a few replications can stretch the interval below 0 (or a share's above 1)."""
        return max(self.low, 0.0), min(self.high, 1.0) if share else self.high


class Difference(ResultModel):
    """Paired difference B - A over replications on the same seeds, with its 95 % interval."""

    mean: float
    low: float
    high: float
    significant: bool


class ShelterPoint(ResultModel):
    """A shelter on the report's map: where it is and how many places it has at the start."""

    id: str
    kind: str
    police_unit: str
    lat: float
    lon: float
    capacity: int


class Histogram(ResultModel):
    """Waiting times in hours: people per bin summed over replications (``edges`` has one more
    entry than ``counts``), and apart from them the people who left the queue unplaced.

    The bins hold the people placed, by how long they waited. Everyone who left unplaced waited
    exactly the give-up limit, so in the bins they would read as people placed after that long.
    ``left_unplaced`` is None in results stored before it was recorded: their bins hold everyone,
    those who left at their give-up wait.
    """

    edges: list[float]
    counts: list[float]
    left_unplaced: float | None = None


class ReplicationKpis(ResultModel):
    """The headline KPIs of one replication (see :data:`KPI_DESCRIPTIONS`)."""

    seed: int
    values: dict[str, float]


class PolicyComparison(ResultModel):
    """The scenario's desk policy against the greedy phone-around on the same arrivals.

    Positive ``more_placed`` and ``fewer_hotel_nights`` mean the engine does better.
    """

    policy: str
    baseline: Literal["greedy"] = "greedy"
    more_placed: Difference
    fewer_unsuitable_nights: Difference
    fewer_hotel_nights: Difference
    baseline_kpis: dict[str, Estimate]


class PublicHolidays(ResultModel):
    """The Dutch public holidays among the measured days, and how the scenario treated them.

    With ``intake`` closed only shelters open day and night took intakes on them, with
    ``as_usual`` every shelter kept its weekly hours. Who arrived on one shows what that did: a
    holiday arrival placed within 24 hours is one a shelter took in on the holiday or the next
    morning, and running the same scenario ``as_usual`` gives the comparison.
    """

    intake: PublicHolidayIntake
    days: list[date]  # Amsterdam dates after the warm-up, within the horizon
    arrivals: Estimate  # people arriving on one of them, per replication
    within_24h: Estimate  # of them, placed in a suitable shelter within 24 hours


class ScenarioResult(ResultModel):
    """Aggregated result of all replications of one scenario."""

    format: Literal["safeplace.scenario-result/1"] = "safeplace.scenario-result/1"
    scenario: str
    description: str = ""
    # The scenario's name and description in other languages, by language code; empty in results
    # stored before they were kept, and in those of a scenario without any.
    translations: dict[str, ScenarioTranslation] = Field(default_factory=dict)
    policy: str
    replications: Annotated[int, Field(ge=1)]
    seed: int
    horizon_days: int
    warmup_days: int
    give_up_days: int | None = None  # None in results stored before it was recorded
    kpis: dict[str, Estimate]
    per_replication: list[ReplicationKpis]
    occupancy: dict[str, list[float]]  # police unit -> mean occupied places per day
    capacity: dict[str, list[float]]  # police unit -> places open to the flow per day
    waiting_hours: Histogram
    # "female / addiction" (or "female / none / youth" for minors) -> people per replication
    unmet_by_profile: dict[str, Estimate]
    unmet_by_reason: dict[str, Estimate]  # reason code that alone would open a place -> people
    unsuitable_nights_by_unit: dict[str, Estimate]  # police unit of arrival -> nights
    # "police unit | gender / condition" -> nights, by the nearest unit whose largest city lies
    # outside the person's danger zones: where places for whom would help most
    unsuitable_nights_by_cell: dict[str, Estimate]
    shelters: list[ShelterPoint]
    comparison: PolicyComparison | None = None
    public_holidays: PublicHolidays | None = None  # None in results stored before it was recorded
    # When the live network (the shelters the service stores) was read for this run: its numbers
    # describe the shelters as they were then. None for the sample network or a network file.
    live_network_at: datetime | None = None
    elapsed_seconds: float = 0.0

    def titles(self, language: str) -> Titles:
        """The scenario's name and description for a reader of ``language``."""
        return titles_in(self.scenario, self.description, self.translations, language)

    def at_give_up_limit(self, name: str, kpis: dict[str, Estimate] | None = None) -> bool:
        """Whether KPI ``name`` (of ``kpis``, else of this result) is a waiting time that equals
        the give-up limit in every replication.

        A wait counts until placed or leaving the queue, and people leave after ``give_up_days``:
        once more people than a percentile leaves out are never placed, that percentile is the
        limit itself, not a measured wait; it only says "at least this long".
        """
        estimate = (self.kpis if kpis is None else kpis).get(name)
        return (
            name.startswith("wait_")
            and estimate is not None
            and self.give_up_days is not None
            and estimate.mean >= 24 * self.give_up_days  # hours
        )
