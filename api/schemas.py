"""Request and response bodies of the HTTP API (Create / Public / Update families).

Requests reject unknown fields, as the contract does: a typo in ``conditons`` must not make a
victim look healthy. Every list and string is bounded, so one request cannot make the service
hold or rank an unbounded amount of data. Partial updates use pydantic's ``MISSING`` sentinel: a
field left out stays as it is, a field sent as ``null`` is cleared only where null is a value
the contract allows (``exploitation``, ``location``, ``current``).

Field types come from the contract (``models``), so the API accepts what ``safeplace solve``
accepts and reports problems at the same field paths, with three additions for shelters: their
coordinates must lie in the Netherlands (a victim's location or a danger zone may lie abroad),
they take in at least one gender (a shelter taking in nobody for now is ``closed``), and a new
shelter's id is one that fits into a web address as it is (:data:`ShelterId`; the contract allows
any string).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from api.regions import outside_netherlands
from models.codes import Condition, Exploitation, Gender
from models.errors import Loc, duplicate_problems, field_problems
from models.intake import Intake
from models.location import Location
from models.moment import Moment as WrittenMoment
from models.shelter import LanguageCode
from models.victim import DangerZone, Priority

ReferralStatus = Literal["waiting", "held", "placed", "closed"]
HoldStatus = Literal["active", "confirmed", "released", "expired"]
PlacementStatus = Literal["active", "discharged"]
CloseReason = Literal[
    "placed_elsewhere", "returned_home", "withdrawn", "no_contact", "deceased", "other"
]
# Where a person stays while no place is found: a kind of place, never an address.
StayKind = Literal[
    "unknown",
    "police",
    "hotel",
    "homeless_shelter",
    "rough_sleeping",
    "acquaintances",
    "home",
    "care",
]
# What kind of place a shelter is, for the people who choose one (not part of the contract).
ShelterKind = Literal["cosm", "omm", "women", "men", "youth", "young_adult", "emergency"]
KIND_DESCRIPTION = (
    "What kind of place this is: cosm (COSM, foreign victims in their reflection period), omm "
    "(multiple problems: addiction, psychiatric problems, mild intellectual disability), women "
    "(women's shelter), men (men's shelter), youth (12-17), young_adult, or emergency (emergency "
    "beds: a few nights, not a placement). Shown to the desk; the engine does not use it. Null "
    "when not said."
)
HOLIDAY_INTAKE_DESCRIPTION = (
    "Whether the shelter takes intakes on Dutch public holidays within its usual intake hours. "
    "Intake hours repeat weekly, so on a holiday the desk is told to phone a shelter with set "
    "hours first, unless it says so here (or is open day and night). Not used by the engine."
)
STAY_DESCRIPTION = (
    "Where the person stays while no place is found: unknown, police (at a police station), hotel,"
    " homeless_shelter, rough_sleeping, acquaintances (family or friends), home, care (hospital or"
    " mental-health care). Police, hotel, homeless_shelter and rough_sleeping are unsuitable: each"
    " night there counts in unsuitable_nights."
)

# Bounds of every list a request may carry.
MAX_CONDITIONS = 8
MAX_LANGUAGES = 16
MAX_PROGRAMMES = 8
MAX_DANGER_ZONES = 16
MAX_AVOID = 64
MAX_RESIDENTS = 256
MAX_GENDERS = 3
MAX_PLAN_REFERRALS = 2000

# Printable text only: a control character has no place in an id, and PostgreSQL refuses NUL.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Key = Annotated[str, Field(min_length=1, max_length=64, pattern=PRINTABLE)]
Programme = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")]
# A new shelter's id: ASCII letters and digits, ".", "_" and "-", beginning with a letter or digit.
# The id is a segment of the shelter's addresses (``/shelters/{id}``, ``/admin/shelters/{id}/edit``)
# and is written into them as it is: a "/" splits the segment (encoded as %2F too, since the path
# is decoded before it is routed), a segment "." or ".." is removed by browsers and HTTP clients,
# "?" and "#" end the path where a client does not encode them, "%" begins an escape, and blanks
# are lost at the ends of a form's field. The contract allows any string; this is the service's
# rule, for ids it takes on from now on (an id stored before keeps working where it did).
SHELTER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_SHELTER_ID = re.compile(SHELTER_ID_PATTERN)
_SHELTER_ID_CHARACTER = re.compile(r"[A-Za-z0-9._-]")


def _addressable(shelter_id: str) -> str:
    """A shelter id that fits into its addresses (:data:`SHELTER_ID_PATTERN`); ValueError naming
    the first character that does not, and what may be used instead."""
    if _SHELTER_ID.match(shelter_id):
        return shelter_id
    why = "it is part of the shelter's web address, /shelters/ID"
    wrong = next((char for char in shelter_id if not _SHELTER_ID_CHARACTER.fullmatch(char)), None)
    if wrong is None:
        raise ValueError(f"a shelter id must begin with a letter or digit ({why})")
    raise ValueError(
        f"a shelter id cannot hold {_character(wrong)}: use only letters (A-Z, a-z), digits, "
        f"'.', '_' and '-' ({why})"
    )


def _character(char: str) -> str:
    """One character as a message names it: itself in quotes when it shows, else its code."""
    if char == " ":
        return "a space"
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


ShelterId = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra={"pattern": SHELTER_ID_PATTERN}),
    AfterValidator(_addressable),
]


def _stored(moment: datetime) -> datetime:
    """The moment in UTC, as it is stored."""
    return moment.astimezone(UTC)


# Written out, in the years the service plans in (models.moment), and kept in UTC.
Moment = Annotated[WrittenMoment, AfterValidator(_stored)]


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are an error, and so is a value of the wrong
    type (``"age": true`` or ``"age": "30"`` would otherwise be stored as 1 and 30)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    """Base of every response body."""

    model_config = ConfigDict(extra="forbid")


def _duplicates(
    conditions: list[Condition] | None, avoid: list[str] | None
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    problems += duplicate_problems("conditions", conditions or [], "condition")
    problems += duplicate_problems("avoid", avoid or [], "id")
    return problems


# ---------------------------------------------------------------------------------------------
# Referrals


class ReferralCreate(RequestModel):
    """A new referral: the contract's victim fields without ``id`` (the service draws the case id).

    No names, birth dates or free text: only what placement needs. A location or danger zone
    may be given as coordinates or as a municipality.
    """

    gender: Gender
    age: Annotated[int, Field(ge=0, le=120)]
    children: Annotated[int, Field(ge=0, le=20)] = 0
    conditions: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] = []
    exploitation: Exploitation | None = None
    languages: Annotated[list[LanguageCode], Field(max_length=MAX_LANGUAGES)] = []
    programmes: Annotated[list[Programme], Field(max_length=MAX_PROGRAMMES)] = []
    location: Location | None = None
    danger_zones: Annotated[list[DangerZone], Field(max_length=MAX_DANGER_ZONES)] = []
    priority: Priority = 1
    avoid: Annotated[list[Key], Field(max_length=MAX_AVOID)] = []
    current: Key | None = None
    stay: StayKind = Field("unknown", description=STAY_DESCRIPTION)

    @model_validator(mode="after")
    def _no_duplicates(self) -> ReferralCreate:
        problems = _duplicates(self.conditions, self.avoid)
        if problems:
            raise field_problems(problems)
        return self


class ReferralUpdate(RequestModel):
    """Fields to change on a referral; a field left out keeps its value."""

    gender: Gender | MISSING = MISSING
    age: Annotated[int, Field(ge=0, le=120)] | MISSING = MISSING
    children: Annotated[int, Field(ge=0, le=20)] | MISSING = MISSING
    conditions: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] | MISSING = MISSING
    exploitation: Exploitation | MISSING | None = MISSING
    languages: Annotated[list[LanguageCode], Field(max_length=MAX_LANGUAGES)] | MISSING = MISSING
    programmes: Annotated[list[Programme], Field(max_length=MAX_PROGRAMMES)] | MISSING = MISSING
    location: Location | MISSING | None = MISSING
    danger_zones: Annotated[list[DangerZone], Field(max_length=MAX_DANGER_ZONES)] | MISSING = (
        MISSING
    )
    priority: Priority | MISSING = MISSING
    avoid: Annotated[list[Key], Field(max_length=MAX_AVOID)] | MISSING = MISSING
    current: Key | MISSING | None = MISSING
    version: (
        Annotated[
            int,
            Field(
                ge=1,
                description="The referral's version as read: when it has changed since (an edit, "
                "a hold, a stay), nothing is saved (409 `version_conflict`). Optional, so that a "
                "script setting one field without reading first keeps working; a client that "
                "shows the referral for editing sends it, lest it undo a colleague's change.",
            ),
        ]
        | MISSING
    ) = MISSING

    @model_validator(mode="after")
    def _no_duplicates(self) -> ReferralUpdate:
        conditions = None if self.conditions is MISSING else self.conditions
        avoid = None if self.avoid is MISSING else self.avoid
        problems = _duplicates(conditions, avoid)
        if problems:
            raise field_problems(problems)
        return self


class ReferralClose(RequestModel):
    """Why a referral ends; kept (without the person) in the anonymous statistics."""

    reason: CloseReason


class StayChange(RequestModel):
    """Where the person stays from now, or from ``since`` (the desk may learn of it later)."""

    kind: StayKind = Field(description=STAY_DESCRIPTION)
    since: Moment | None = Field(
        None,
        description="When the stay began (default now): not in the future, at most 14 days ago,"
        " and not before the stay it follows began (the first stay, recorded at registration,"
        " may be dated back: it then began earlier than the desk knew).",
    )


class StayPublic(ResponseModel):
    """Where a referral stays now, since when, and whether that is an unsuitable place."""

    kind: StayKind
    since: datetime
    unsuitable: bool


class StayRecord(ResponseModel):
    """One stay of a referral's history: where, from when to when, and its nights."""

    kind: StayKind
    since: datetime
    until: datetime | None = Field(description="When it ended; null while it goes on.")
    unsuitable: bool
    nights: int = Field(description="Midnights (Dutch time) in it, up to now while it goes on.")


class ReferralPublic(ResponseModel):
    """A referral as the desk sees it: every placement field, its status and its history."""

    id: str
    status: ReferralStatus
    gender: Gender
    age: int
    children: int
    conditions: list[Condition]
    exploitation: Exploitation | None
    languages: list[str]
    programmes: list[str]
    location: Location | None
    danger_zones: list[DangerZone]
    priority: int
    avoid: list[str]
    current: str | None
    region: str | None = Field(description="Police unit of the referral's location.")
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        description="Counts every change to the referral (its fields, holds and placements, "
        "stays, closing); send it back with an update to have it refused if someone changed "
        "the referral in between."
    )
    closed_at: datetime | None
    close_reason: str | None
    stay: StayPublic | None = Field(
        description="Where the person stays while waiting or held; null once placed or closed."
    )
    unsuitable_nights: int = Field(
        description="Nights spent in unsuitable stays (police, hotel, homeless shelter, rough"
        " sleeping) as recorded, up to now: each midnight there counts."
    )
    stays: list[StayRecord] = Field(
        description="Every stay recorded while no place was found, oldest first."
    )


class ReferralIntake(ResponseModel):
    """What shelter staff see of a referral held or placed at their shelter: what intake needs.

    No location, danger zones, avoid list or exploitation: those would tell staff where the
    person comes from and who threatens them, which intake does not need.
    """

    id: str
    status: ReferralStatus
    gender: Gender
    age: int
    children: int
    conditions: list[Condition]
    languages: list[str]


# ---------------------------------------------------------------------------------------------
# Shelters


# The longest municipality a shelter is stored under, as the name was given (the column's width:
# PostgreSQL refuses a longer one, SQLite would keep it). The longest official name has 29
# characters; a longer one is the gazetteer's forgiving of case, punctuation and "gemeente".
MAX_MUNICIPALITY = 128


def _in_the_netherlands(location: Location) -> Location:
    """A shelter's coordinates must lie in the Netherlands (:func:`outside_netherlands`), and
    its municipality, kept as given, fit the column it is stored in: no longer than it, and no
    control character (the gazetteer reads one as a blank, and PostgreSQL stores no NUL)."""
    name = location.municipality
    if name is not None and len(name) > MAX_MUNICIPALITY:
        raise field_problems(
            [(("municipality",), f"at most {MAX_MUNICIPALITY} characters: give its name")]
        )
    if name is not None and re.fullmatch(PRINTABLE, name) is None:
        raise field_problems(
            [(("municipality",), "holds a control character (U+0000-U+001F, U+007F)")]
        )
    problem = outside_netherlands(location)
    if problem is not None:
        raise ValueError(problem)
    return location


ShelterLocation = Annotated[
    Location,
    AfterValidator(_in_the_netherlands),
    Field(description="A municipality, or coordinates within a box around the Netherlands."),
]


class ShelterData(RequestModel):
    """A shelter as the contract describes it, under an id as stored: the admin's form for a
    shelter that exists reads into this, so that a shelter stored before the rule for new ids
    (:data:`ShelterId`) can still be changed."""

    id: Key
    location: ShelterLocation
    capacity: Annotated[int, Field(ge=0, le=10_000)]
    occupied: Annotated[int, Field(ge=0, le=10_000)] = 0
    genders: Annotated[list[Gender], Field(min_length=1, max_length=MAX_GENDERS)] = [
        "female",
        "male",
        "x",
    ]
    min_age: Annotated[int, Field(ge=0, le=120)] = 18
    max_age: Annotated[int, Field(ge=0, le=120)] = 120
    children: bool = False
    accepts: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] = []
    specialisations: Annotated[list[Exploitation], Field(max_length=4)] = []
    languages: Annotated[list[LanguageCode], Field(max_length=MAX_LANGUAGES)] = ["nl"]
    programme: Programme | None = None
    intake: Intake = "24/7"
    residents: Annotated[list[Key], Field(max_length=MAX_RESIDENTS)] = []
    closed: bool = False
    kind: ShelterKind | None = Field(default=None, description=KIND_DESCRIPTION)
    holiday_intake: bool = Field(default=False, description=HOLIDAY_INTAKE_DESCRIPTION)


class ShelterCreate(ShelterData):
    """A new shelter as the contract describes it (admin), its id fit for its addresses."""

    id: ShelterId = Field(
        description="Letters (A-Z, a-z), digits, `.`, `_` and `-`, beginning with a letter or "
        "digit: the id is part of the shelter's addresses. The contract allows any string; "
        "this is the service's rule."
    )


# The version a change to a shelter is based on: given, the change is made only if nobody changed
# the shelter since it was read.
ReadVersion = Annotated[
    int,
    Field(
        ge=1,
        description="The shelter's version as read: when the shelter has changed since, "
        "nothing is saved (409 `version_conflict`).",
    ),
]


class ShelterUpdate(RequestModel):
    """Fields to change on a shelter (admin); a field left out keeps its value.

    ``version`` makes the change conditional, as for an availability update: an admin editing
    from a page read before a colleague's change would otherwise undo that change unseen. It is
    optional, as there, so that a client that sends a change without reading first (a script
    setting one field) keeps working; a client that shows a shelter for editing sends it.
    """

    location: ShelterLocation | MISSING = MISSING
    capacity: Annotated[int, Field(ge=0, le=10_000)] | MISSING = MISSING
    occupied: Annotated[int, Field(ge=0, le=10_000)] | MISSING = MISSING
    genders: Annotated[list[Gender], Field(min_length=1, max_length=MAX_GENDERS)] | MISSING = (
        MISSING
    )
    min_age: Annotated[int, Field(ge=0, le=120)] | MISSING = MISSING
    max_age: Annotated[int, Field(ge=0, le=120)] | MISSING = MISSING
    children: bool | MISSING = MISSING
    accepts: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] | MISSING = MISSING
    specialisations: Annotated[list[Exploitation], Field(max_length=4)] | MISSING = MISSING
    languages: Annotated[list[LanguageCode], Field(max_length=MAX_LANGUAGES)] | MISSING = MISSING
    programme: Programme | MISSING | None = MISSING
    intake: Intake | MISSING = MISSING
    residents: Annotated[list[Key], Field(max_length=MAX_RESIDENTS)] | MISSING = MISSING
    closed: bool | MISSING = MISSING
    kind: ShelterKind | MISSING | None = Field(default=MISSING, description=KIND_DESCRIPTION)
    holiday_intake: bool | MISSING = Field(default=MISSING, description=HOLIDAY_INTAKE_DESCRIPTION)
    version: ReadVersion | MISSING = MISSING


class AvailabilityUpdate(RequestModel):
    """What shelter staff keep current: free (or occupied) places, closed, intake hours and
    whether those hours hold on public holidays.

    ``free`` counts the places free now, after the places Safeplace itself holds or has filled;
    ``occupied`` counts places taken by people outside Safeplace. Give one of the two, not both.
    ``version`` makes the change conditional: two staff members who opened the shelter at once
    would otherwise overwrite each other's report unseen (one reopening what the other closed).
    """

    free: Annotated[int, Field(ge=0, le=10_000)] | MISSING = MISSING
    occupied: Annotated[int, Field(ge=0, le=10_000)] | MISSING = MISSING
    closed: bool | MISSING = MISSING
    intake: Intake | MISSING = MISSING
    holiday_intake: bool | MISSING = Field(default=MISSING, description=HOLIDAY_INTAKE_DESCRIPTION)
    version: ReadVersion | MISSING = MISSING

    @model_validator(mode="after")
    def _one_count(self) -> AvailabilityUpdate:
        if self.free is not MISSING and self.occupied is not MISSING:
            raise field_problems([(("free",), "give either free or occupied, not both")])
        if self.intake == []:
            # No window is a shelter that never takes anyone in, yet shows as open with places.
            raise field_problems(
                [(("intake",), 'no intake window given: a shelter open to nobody is "closed"')]
            )
        return self


class ShelterPublic(ResponseModel):
    """A shelter with its live availability (admin, and a shelter's own staff); its residents,
    being about people, only on their own audited route (:class:`ShelterResidents`)."""

    id: str
    location: Location
    capacity: int
    occupied: int = Field(description="Places in use by people outside Safeplace's ledger.")
    held: int = Field(description="Places reserved by active holds.")
    placed: int = Field(description="Places of active placements.")
    free: int = Field(description="Places free now (0 while closed).")
    genders: list[Gender]
    min_age: int
    max_age: int
    children: bool
    accepts: list[Condition]
    specialisations: list[Exploitation]
    languages: list[str]
    programme: str | None
    intake: Intake
    closed: bool
    kind: ShelterKind | None = Field(description=KIND_DESCRIPTION)
    holiday_intake: bool = Field(description=HOLIDAY_INTAKE_DESCRIPTION)
    updated_at: datetime
    places_reported_at: datetime = Field(
        description="When its free places were last reported: a change of capacity, occupied "
        "places, closing or intake hours (any other edit moves only updated_at)."
    )
    version: int = Field(
        description="Counts every change to the shelter; send it back with an update or an "
        "availability update to have it refused if someone changed the shelter in between."
    )


class ShelterResidents(ResponseModel):
    """Who lives at a shelter outside Safeplace's ledger (admin).

    Apart from the shelter because they are about people: the shelter itself is not, so its
    reads are open to its staff and write no audit row, while each read of these does.
    """

    shelter_id: str
    residents: list[str] = Field(
        description="Pseudonymous ids of people living there, whom a referral's `avoid` keeps "
        "apart; people held or placed there by Safeplace are not listed (their holds and "
        "placements are)."
    )


# ---------------------------------------------------------------------------------------------
# Holds and placements


class HoldCreate(RequestModel):
    """Reserve places at a shelter for a referral, for the configured time or until ``until``."""

    referral_id: Key
    shelter_id: Key
    until: Moment | None = Field(
        default=None,
        description="Keep the places until this moment (a next-morning intake), rounded up to "
        "the minute; at most SAFEPLACE_HOLD_MAX_HOURS ahead. Default: SAFEPLACE_HOLD_MINUTES.",
    )


class HoldExtend(RequestModel):
    """Keep a hold's places longer: for the configured time from now, or until ``until``."""

    until: Moment | None = Field(
        default=None,
        description="Keep the places until this moment, rounded up to the minute; at most "
        "SAFEPLACE_HOLD_MAX_HOURS ahead, and later than the hold's end now. Default: "
        "SAFEPLACE_HOLD_MINUTES from now.",
    )


class HoldPublic(ResponseModel):
    """A hold; ``status`` is ``expired`` as soon as ``expires_at`` has passed."""

    id: str
    referral_id: str
    shelter_id: str
    places: int
    status: HoldStatus
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class PlacementPublic(ResponseModel):
    """A placement: the referral lives at the shelter until discharged."""

    id: str
    referral_id: str
    shelter_id: str
    hold_id: str | None
    places: int
    status: PlacementStatus
    started_at: datetime
    ended_at: datetime | None


# ---------------------------------------------------------------------------------------------
# Matching


class RankingRequest(RequestModel):
    """Rank against the live free places now, or at ``at`` (e.g. a next-morning intake)."""

    at: Moment | None = None


class PlanRequest(RequestModel):
    """Plan for all waiting referrals, or for the ones named; nothing is reserved."""

    referral_ids: (
        Annotated[list[Key], Field(min_length=1, max_length=MAX_PLAN_REFERRALS)] | None
    ) = None
    time_limit: Annotated[float, Field(gt=0.0, le=300.0)] | None = Field(
        default=None, description="Seconds; at most the service's own limit."
    )

    @model_validator(mode="after")
    def _distinct(self) -> PlanRequest:
        problems = duplicate_problems("referral_ids", self.referral_ids or [], "referral id")
        if problems:
            raise field_problems(problems)
        return self


# ---------------------------------------------------------------------------------------------
# Capacity, audit, auth


class StayCell(ResponseModel):
    """Where the people of one police unit wait; no person is named.

    ``police_unit`` null is the whole country; ``unknown`` counts referrals without a location.
    For planners a count of 1-4 people is withheld (null), and with it the nights of those
    people; so is the count staying somewhere unsuitable when the rest of those waiting would be
    1-4, and a second unit's count where one unit's alone would follow from the country's sum;
    then more, until no count of 1-4 people follows from any combination of what is shown.
    """

    police_unit: str | None
    waiting: int | None = Field(description="People waiting or held now.")
    unsuitable: int | None = Field(
        description="Of those, staying somewhere unsuitable now (police, hotel, homeless shelter,"
        " rough sleeping)."
    )
    people_in_window: int | None = Field(
        description="People who spent a night somewhere unsuitable in the last 30 days, placed"
        " and closed referrals included."
    )
    nights_in_window: int | None = Field(
        description="The nights they spent there in the last 30 days."
    )
    suppressed: bool


class CapacityCell(ResponseModel):
    """Places of one police unit and admission profile; no shelter is named.

    For planners a count of 1-4 (places, free places, places in use, or shelters) is withheld
    (null) and the cell marked ``suppressed``; so are a cell's places where sums and differences
    of the cells shown would give such a count for some group of shelters. ``total`` and ``free``
    count every place, emergency beds included, as they always have; the ``emergency_`` counts say
    how many of them are emergency beds, and are withheld (null) first, before any other count,
    wherever they would give a count of 1-4 away; ``suppressed`` speaks of the other counts only.
    """

    police_unit: str
    gender: Gender
    condition: Condition | None = Field(
        description="A condition the places care for; null: every place for this gender."
    )
    total: int | None
    free: int | None
    shelters: int | None = Field(description="Shelters the cell draws on.")
    emergency_total: int | None = Field(
        description="Of total, the emergency beds (shelters of kind emergency: a few nights, not "
        "a placement); total less this is the places for a placement. Null: withheld."
    )
    emergency_free: int | None = Field(
        description="Of free, the free emergency beds; free less this is the free places for a "
        "placement. Null: withheld."
    )
    suppressed: bool = Field(description="Whether total, free or shelters is withheld.")


class AuditEntry(ResponseModel):
    """One row of the audit trail: who did what to which object, never a field value."""

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str | None
    result: str
    request_id: str


class AuditBeginning(ResponseModel):
    """Where the audit trail begins now: its first row, and, once retention purged its start,
    how many rows went and the last purge's time, period and cutoff (null: never purged)."""

    first_seq: int | None = Field(description="The oldest row kept; null for an empty trail.")
    first_at: datetime | None
    purged_rows: int = Field(description="Rows removed from the start by retention, in all.")
    purged_at: datetime | None = Field(description="When the last purge ran.")
    retention_days: int | None = Field(description="The audit retention period it ran under.")
    cutoff: datetime | None = Field(description="It removed only rows older than this.")


class Token(ResponseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    device_token: str = Field(
        description=(
            "Keep it and send it as `device_token` with this user's next login from this client: "
            "that login is then not held up by others' failed logins for the name. A new one "
            "with every login; valid for the days the service is set to remember a client "
            "(90 unless set otherwise), until the user's access changes or the server's operator "
            "ends the user's device tokens."
        )
    )


class Health(ResponseModel):
    """The service is up and its database answers."""

    status: Literal["ok"]
    database: str
