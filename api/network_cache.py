"""The live network, rebuilt only when something it is made of has changed.

Every ranking needs the whole network as contract shelters (:func:`api.ledger.live_network`), and
building ~70 validated shelters costs more than everything else a ranking does together. The
network changes far less often than it is read, so each worker keeps the last one it built with a
fingerprint of its inputs, read fresh inside the request's own transaction:

- per shelter: id, ``version``, ``updated_at``, capacity, occupied places and ``closed`` (every
  change of a shelter bumps its version; the other columns catch a writer that forgot to);
- every place taken at that moment: each unexpired active hold and each active placement, with its
  shelter, referral and places (a hold that expires changes the fingerprint at that moment).

If the fingerprint is equal, the cached network is the one ``live_network`` would build now;
``tests/api/test_network_cache.py`` holds the two to that after every kind of change.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import ledger
from api.db.tables import HoldRow, PlacementRow, ShelterRow
from models.shelter import Shelter

Fingerprint = tuple[tuple[Any, ...], ...]


class NetworkCache:
    """The last live network a worker built, with the fingerprint it was built for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: Fingerprint | None = None
        self._network: list[Shelter] = []

    def network(self, session: Session, moment: datetime) -> list[Shelter]:
        """``ledger.live_network(session, moment)``, from the cache when nothing changed."""
        current = fingerprint(session, moment)
        with self._lock:
            if current == self._fingerprint:
                return self._network
        built = ledger.live_network(session, moment)
        with self._lock:
            self._fingerprint, self._network = current, built
        return built


def fingerprint(session: Session, moment: datetime) -> Fingerprint:
    """Everything the live network at ``moment`` is made of, in a fixed order."""
    shelters = session.execute(
        select(
            ShelterRow.id,
            ShelterRow.version,
            ShelterRow.updated_at,
            ShelterRow.capacity,
            ShelterRow.occupied,
            ShelterRow.closed,
        ).order_by(ShelterRow.id)
    ).all()
    holds = session.execute(
        select(HoldRow.shelter_id, HoldRow.referral_id, HoldRow.places).where(
            HoldRow.status == "active", HoldRow.expires_at > moment
        )
    ).all()
    placements = session.execute(
        select(PlacementRow.shelter_id, PlacementRow.referral_id, PlacementRow.places).where(
            PlacementRow.status == "active"
        )
    ).all()
    taken = sorted(tuple(row) for row in [*holds, *placements])
    return (tuple(tuple(row) for row in shelters), tuple(taken))
