"""Whether a self-refreshing part of a page would show anything new, found without reading it.

Each refresh of the waiting list or of a shelter's page reads people through the API's routes,
and each person shown is an audit row: a waiting list of thirty, refreshed every 30 s, would add
over 100,000 rows a day per open screen to a trail that is kept for years, all saying the same.
So a part's script sends back the tag of what it shows (``If-None-Match``), and the part is read,
and audited, only when the tag has changed (else 304, nothing read, nothing shown).

A tag is a digest of what the part is made of (ids, statuses, versions, expiry moments: the rows
that change whenever what the part shows changes; the digest discloses none of them) and of the
time in slices of :data:`TIME_SLICE`, so that what only time changes (how long someone has
waited, a report turning a day old, the office opening) is brought up to date at least that
often.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import HoldRow, NetworkVersionRow, PlacementRow, ReferralRow, ShelterRow

# The longest a refreshing part shows what only the passing of time changes.
TIME_SLICE = timedelta(minutes=5)
# The header that carries a part's tag back.
ASKED = "if-none-match"


def waiting_list_tag(session: Session, now: datetime) -> str:
    """The waiting list's tag: everyone waiting or held (each referral's version counts its
    changes, a stay included), the active holds, and the shelters' version (how many fit)."""
    referrals = session.execute(
        select(ReferralRow.id, ReferralRow.status, ReferralRow.version)
        .where(ReferralRow.status.in_(("waiting", "held")))
        .order_by(ReferralRow.id)
    ).all()
    holds = session.execute(
        select(HoldRow.id, HoldRow.shelter_id, HoldRow.expires_at)
        .where(HoldRow.status == "active")
        .order_by(HoldRow.id)
    ).all()
    network = session.scalar(select(NetworkVersionRow.version))
    return _tag(now, ["list", network], referrals, holds)


def shelter_tag(session: Session, shelter_id: str, now: datetime) -> str:
    """A shelter page's tag: the shelter's version (its places, closing and hours), its holds
    and placements, and the version of every person they are for (what intake needs)."""
    version = session.scalar(select(ShelterRow.version).where(ShelterRow.id == shelter_id))
    holds = session.execute(
        select(HoldRow.id, HoldRow.status, HoldRow.expires_at, HoldRow.referral_id)
        .where(HoldRow.shelter_id == shelter_id, HoldRow.status == "active")
        .order_by(HoldRow.id)
    ).all()
    placements = session.execute(
        select(PlacementRow.id, PlacementRow.status, PlacementRow.referral_id)
        .where(PlacementRow.shelter_id == shelter_id, PlacementRow.status == "active")
        .order_by(PlacementRow.id)
    ).all()
    people = {row.referral_id for row in holds} | {row.referral_id for row in placements}
    versions = session.execute(
        select(ReferralRow.id, ReferralRow.version)
        .where(ReferralRow.id.in_(sorted(people)))
        .order_by(ReferralRow.id)
    ).all()
    return _tag(now, ["shelter", shelter_id, version], holds, placements, versions)


def unchanged(request: Request, tag: str) -> Response | None:
    """304 when the part the request asks for still has the tag the page was sent with."""
    if request.headers.get(ASKED) == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return None


def _tag(now: datetime, head: list[object], *rows: Iterable[Iterable[object]]) -> str:
    """A weak entity tag (RFC 9110): the same text of the same rows in the same time slice."""
    digest = hashlib.sha256()
    slice_number = int(now.timestamp() // TIME_SLICE.total_seconds())
    for item in [slice_number, *head, *(tuple(row) for part in rows for row in part)]:
        digest.update(repr(item).encode())
        digest.update(b"\0")
    return f'W/"{digest.hexdigest()[:32]}"'
