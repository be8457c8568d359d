"""Times on the pages: how long a hold has left (by the service's clock, so a browser's wrong
clock cannot skew it), when a shelter's report of its places is old, and intake moments typed as
Amsterdam wall-clock time."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.schemas import HoldPublic
from engine.intake import AMSTERDAM

# The datetime-local form of a moment, in Amsterdam time.
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
# A shelter's places reported longer ago than this are old: the desk sees when they were reported
# (worth a phone call before sending someone), and the shelter's staff are asked to check them.
STALE_AFTER = timedelta(hours=24)


def seconds_left(hold: HoldPublic | None, now: datetime) -> int:
    """Whole seconds until ``hold`` runs out at ``now`` (0 without a hold, or once it has)."""
    return 0 if hold is None else max(0, int((hold.expires_at - now).total_seconds()))


# The least an offered extension gains.
WORTH_EXTENDING = timedelta(minutes=5)


def extension_end(hold: HoldPublic | None, now: datetime, minutes: int) -> datetime | None:
    """Until when extending ``hold`` at ``now`` keeps its places (the usual ``minutes`` from
    now), or None when that would not gain :data:`WORTH_EXTENDING` (the ledger refuses an
    extension that gains nothing; one gaining seconds would read "extend until" the very minute
    the hold already ends, as it does right after holding)."""
    until = now + timedelta(minutes=minutes)
    return until if hold is not None and hold.expires_at + WORTH_EXTENDING <= until else None


def stale(reported: datetime | None, now: datetime) -> datetime | None:
    """``reported`` if it lies more than :data:`STALE_AFTER` before ``now``, else None."""
    return reported if reported is not None and now - reported > STALE_AFTER else None


def local_minute(moment: datetime) -> str:
    """``moment`` as a datetime-local input shows it: Amsterdam time, to the minute."""
    return moment.astimezone(AMSTERDAM).strftime(LOCAL_MINUTE)


def parse_local_minute(text: str) -> datetime:
    """A datetime-local input's value as an Amsterdam moment (ValueError if it is none)."""
    return datetime.strptime(text, LOCAL_MINUTE).replace(tzinfo=AMSTERDAM)
