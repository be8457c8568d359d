"""The service's tables. Rows are mapped to the contract types explicitly (``api/db/mapping.py``);
ORM objects never reach the engine.

Data minimisation: a referral holds the contract's victim fields and nothing else — no name, no
birth date, no free text. Shelter locations are a municipality or coordinates, never a street
address. The audit trail holds no field values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from api.schemas import MAX_MUNICIPALITY, StayKind


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and always read back timezone-aware.

    SQLite keeps no offset: a ``+01:00`` time stored as it is would compare wrongly with a UTC one
    (``expires_at > now`` decides whether a hold still takes a place). So every moment is converted
    to UTC on the way in, a naive one is refused, and what comes back is marked UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """UTC, or an error for a moment without an offset (its meaning would be a guess)."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"a stored moment needs a timezone offset: {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Timezone-aware UTC, whichever way the database returned it."""
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Named constraints, so a later migration can refer to them on every database (SQLite's batch
# mode needs names). Check constraints and indexes are named explicitly below.
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


ROLES = ("desk", "shelter", "planner", "auditor", "admin")


class UserRow(Base):
    """A person who logs in; ``shelter_id`` ties a shelter-staff user to their own shelter,
    ``login_generation`` ties tokens and sessions to the user's access as it was when issued, and
    ``device_generation`` ties device tokens to the ones the operator has not ended."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('desk', 'shelter', 'planner', 'auditor', 'admin')", name="ck_users_role"
        ),
        CheckConstraint(
            "(role = 'shelter') = (shelter_id IS NOT NULL)", name="ck_users_shelter_role"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    shelter_id: Mapped[str | None] = mapped_column(ForeignKey("shelters.id"), default=None)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Counted up by every change to the user's access (deactivated, activated, another role, a new
    # password); tokens and web sessions carry the count they were issued at and open nothing once
    # it has moved on, so reactivating a user brings none of the old ones back (``api.accounts``).
    login_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Counted up when the server's operator ends the user's device tokens alone (a desk computer
    # lost or stolen: ``safeplace users end-devices``); device tokens carry it as they carry the
    # login generation, and count as none once it has moved on (``api.devices``).
    device_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ShelterRow(Base):
    """A shelter: the contract's shelter fields, plus its availability state.

    ``occupied`` counts places in use by people outside Safeplace's ledger; live free places are
    ``capacity - occupied - places held - places of active placements`` (0 while ``closed``).
    """

    __tablename__ = "shelters"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="ck_shelters_capacity"),
        CheckConstraint("occupied >= 0 AND occupied <= capacity", name="ck_shelters_occupied"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    municipality: Mapped[str | None] = mapped_column(String(MAX_MUNICIPALITY), default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    capacity: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    genders: Mapped[list[Any]] = mapped_column(JSON)
    min_age: Mapped[int] = mapped_column(Integer, default=18)
    max_age: Mapped[int] = mapped_column(Integer, default=120)
    children: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts: Mapped[list[Any]] = mapped_column(JSON)
    specialisations: Mapped[list[Any]] = mapped_column(JSON)
    languages: Mapped[list[Any]] = mapped_column(JSON)
    programme: Mapped[str | None] = mapped_column(String(32), default=None)
    intake: Mapped[Any] = mapped_column(JSON)  # "24/7", "office" or a list of windows
    residents: Mapped[list[Any]] = mapped_column(JSON)  # pseudonymous ids outside the ledger
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When its free places were last reported (a change of capacity, occupied places, closing or
    # intake hours); an edit of its other fields is no report. Null only in rows stored before
    # the column, which the migration fills from ``updated_at``.
    places_reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # What kind of place it is (``api.schemas.ShelterKind``), for the people who choose one: an
    # emergency bed is for a few nights, not a placement. Not part of the contract's shelter, so
    # the engine never sees it. Null when nobody said.
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    # Whether it takes intakes on Dutch public holidays within its usual hours, as its staff or
    # the admin said: intake hours repeat weekly, so without it the desk is told to phone first
    # on a holiday. Not part of the contract's shelter either. False until someone says so.
    holiday_intake: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NetworkVersionRow(Base):
    """One row whose ``version`` counts every change to the shelters table.

    Database triggers bump it on every insert, update and delete of a shelter, whichever code
    writes (see the second migration), so a worker can tell with one single-row read whether the
    shelters it compiled are still the ones stored (:mod:`api.network_cache`).
    """

    __tablename__ = "network_version"
    __table_args__ = (CheckConstraint("id = 1", name="ck_network_version_one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class ReferralRow(Base):
    """A victim waiting for or in a place: the contract's victim fields under a random case id."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'held', 'placed', 'closed')", name="ck_referrals_status"
        ),
        Index("ix_referrals_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    gender: Mapped[str] = mapped_column(String(8))
    age: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer, default=0)
    conditions: Mapped[list[Any]] = mapped_column(JSON)
    exploitation: Mapped[str | None] = mapped_column(String(16), default=None)
    languages: Mapped[list[Any]] = mapped_column(JSON)
    programmes: Mapped[list[Any]] = mapped_column(JSON)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    danger_zones: Mapped[list[Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    avoid: Mapped[list[Any]] = mapped_column(JSON)
    current: Mapped[str | None] = mapped_column(ForeignKey("shelters.id"), default=None)
    # Police unit of the referral, kept after a purge for anonymous statistics.
    region: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    close_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)


# The kinds of stay the API knows; the database refuses any other.
STAY_KINDS: tuple[str, ...] = get_args(StayKind)


class StayRow(Base):
    """Where a referral stayed from ``started_at`` until ``ended_at`` while it had no place.

    A kind of place, never an address or a name. A waiting or held referral has exactly one open
    stay (``ended_at`` null); the intake, or closing the referral, ends it.
    """

    __tablename__ = "referral_stays"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{kind}'" for kind in STAY_KINDS) + ")",
            name="ck_referral_stays_kind",
        ),
        CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name="ck_referral_stays_order"
        ),
        # At most one open stay per referral, enforced by the database itself.
        Index(
            "ux_referral_stays_open",
            "referral_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_referral_stays_referral", "referral_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class HoldRow(Base):
    """Places reserved at a shelter for a referral until ``expires_at`` (then free again)."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'confirmed', 'released', 'expired')", name="ck_holds_status"
        ),
        CheckConstraint("places >= 1", name="ck_holds_places"),
        # At most one active hold per referral, enforced by the database itself.
        Index(
            "ux_holds_active_referral",
            "referral_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_holds_shelter_status", "shelter_id", "status"),
        # expire_holds finds the active holds past their time; retention deletes by referral.
        Index("ix_holds_status_expires", "status", "expires_at"),
        Index("ix_holds_referral", "referral_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    shelter_id: Mapped[str] = mapped_column(ForeignKey("shelters.id"))
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class PlacementRow(Base):
    """A confirmed intake: the referral lives at the shelter until discharged."""

    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'discharged')", name="ck_placements_status"),
        CheckConstraint("places >= 1", name="ck_placements_places"),
        Index(
            "ux_placements_active_referral",
            "referral_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_placements_shelter_status", "shelter_id", "status"),
        Index("ix_placements_referral", "referral_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    shelter_id: Mapped[str] = mapped_column(ForeignKey("shelters.id"))
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("holds.id", ondelete="SET NULL"))
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class AuditRow(Base):
    """One access to personal data (NEN 7513 style), or one checked login (action ``login`` on
    object type ``user``): who, what, which object, outcome — no values.

    Append-only (database triggers refuse UPDATE and DELETE) and hash-chained: ``hash`` covers
    this row's fields and ``prev_hash``, so removing or editing a row breaks the chain.
    """

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # create/read/search/update/denied/login
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    result: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditPurgeRow(Base):
    """What one retention run removed from the start of the audit trail (``api.audit_purge``).

    The run's own audit row (action ``purge``, object type ``audit``, with ``seq`` here) carries
    the SHA-256 of these fields as its object id, so the record is in the chain for as long as
    that row is kept. The database lets a purge delete only audit rows up to the greatest
    ``through`` recorded here, and refuses UPDATE and DELETE on the records themselves. They
    hold counts, moments and hashes, no person: they are kept after the row that binds them.
    """

    __tablename__ = "audit_purges"

    # The purge's own audit row.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The retention period in force, and the moment before which rows were old enough.
    days: Mapped[int] = mapped_column(Integer)
    cutoff: Mapped[datetime] = mapped_column(UtcDateTime)
    # Every row up to this one is gone; the first row kept links to ``anchor``, its hash.
    through: Mapped[int] = mapped_column(Integer, unique=True)
    anchor: Mapped[str] = mapped_column(String(64))
    removed: Mapped[int] = mapped_column(Integer)


class ReferralStatRow(Base):
    """Anonymous statistics kept when a closed referral is purged: counts, never a person."""

    __tablename__ = "referral_stats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of closing
    region: Mapped[str | None] = mapped_column(String(32), default=None)
    outcome: Mapped[str] = mapped_column(String(32))  # the close reason
    placed: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(Integer, default=1)
    # Nights these referrals spent in an unsuitable stay (hotel, homeless shelter, ...), summed.
    unsuitable_nights: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailureRow(Base):
    """One failed login (or one being checked), for the throttle that every worker process shares
    (``api.ratelimit``).

    ``pair`` is a hash of the user name and the client, ``account`` of the user name alone, never
    either of them; an attempt from a known device (``api.devices``) holds the device's hash in
    both, so that it counts for the device and for no user name. ``at`` is Unix seconds. Rows
    older than the throttle's window are deleted as new attempts come in.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_pair_at", "pair", "at"),
        Index("ix_login_failures_account_at", "account", "at"),
        Index("ix_login_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pair: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)


class EndedWebSessionRow(Base):
    """A browser session its user logged out of (``api.web.ended``): its cookie opens no page.

    ``sid_hash`` is a SHA-256 of the session id, never the id itself; ``until`` is when the
    cookie would have expired anyway, after which the row is deleted.
    """

    __tablename__ = "ended_web_sessions"
    __table_args__ = (Index("ix_ended_web_sessions_until", "until"),)

    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime)


class ScenarioRunRow(Base):
    """A planner's scenario run (``api.scenario_runner``): state, progress and aggregate result.

    Kept here rather than in one worker's memory, so every worker process can answer for every
    run. A result holds KPIs per police unit and profile, never a person.
    """

    __tablename__ = "scenario_runs"
    __table_args__ = (Index("ix_scenario_runs_started_at", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(200))
    # The scenario's description, and its name and description in other languages as the JSON
    # of ``{language: {"name", "description"}}``: null in rows stored before they were kept.
    description: Mapped[str | None] = mapped_column(Text, default=None)
    translations: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str] = mapped_column(String(16))  # queued / running / done / failed
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    replications: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    # The aggregate ScenarioResult as its JSON text, once done.
    result: Mapped[str | None] = mapped_column(Text, default=None)
    # A token of the registry (one per worker process) that runs it; see its heartbeat.
    owner: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
