"""The live network, compiled once and reused until something it is made of has changed.

Every ranking needs the whole network: as contract shelters (:func:`api.ledger.live_network`) and
compiled into arrays (:class:`engine.ranking.Ranker`). Reading ~70 shelter rows, validating them
and compiling them costs more than everything else a ranking does together, and the network
changes far less often than it is read. So each worker keeps what it built, in two layers, and
checks both inside the transaction that reads for the ranking, with two small queries run once
per transaction (rankings asked together share one, see :mod:`api.lanes`):

- **the shelters as stored**, keyed by the network version (:class:`api.db.tables.
  NetworkVersionRow`): a counter that database triggers bump on every insert, update and delete of
  a shelter, whoever writes it, so a change made through the other worker, a script or by hand is
  seen at once;
- **the live network and its compiled ranker**, keyed by that version and the places taken at
  that moment: each unexpired active hold and each active placement, with its shelter, referral
  and places. A hold that expires leaves this list at that very moment, so its places are free
  again without anyone writing anything.

The version is read before anything else: on PostgreSQL each statement of a transaction may see
newer commits than the one before, so shelters read after the version are never older than it,
and a network is never stored under a version newer than its rows. If both keys are equal, the
cached network is the one ``live_network`` would build now; ``tests/api/test_network_cache.py``
holds the two to that after every kind of change. The compiled ranker serves any moment
(:meth:`Ranker.at`): only which shelters take intakes then is worked out per request.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, null, select, union_all
from sqlalchemy.orm import Session

from api.db.mapping import live_shelter, stored_shelter_fields
from api.db.tables import HoldRow, NetworkVersionRow, PlacementRow, ShelterRow
from engine.ranking import Ranker
from models.shelter import Shelter

# Places taken at a moment: (shelter id, referral id, places), sorted.
Taken = tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class _Stored:
    """Every shelter as stored at one network version, by id: its contract fields, whether it
    is closed, and (for an open one) the contract shelter when nobody takes places there."""

    version: int
    fields: list[tuple[dict[str, Any], bool]]
    untaken: list[Shelter | None]

    def live(self, taken: Taken) -> list[Shelter]:
        """The live network when ``taken`` are the places held and placed."""
        places: defaultdict[str, int] = defaultdict(int)
        there: defaultdict[str, list[str]] = defaultdict(list)
        for shelter_id, referral_id, count in taken:
            places[shelter_id] += count
            there[shelter_id].append(referral_id)
        network: list[Shelter] = []
        for (stored, closed), untaken in zip(self.fields, self.untaken, strict=True):
            shelter_id = stored["id"]
            if untaken is not None and shelter_id not in places:
                network.append(untaken)
            else:
                network.append(
                    live_shelter(
                        stored, closed=closed, taken=places[shelter_id], residents=there[shelter_id]
                    )
                )
        return network


@dataclass(frozen=True)
class _Live:
    """The live network at one network version with one set of places taken, compiled."""

    version: int
    taken: Taken
    network: list[Shelter]
    ranker: Ranker


class NetworkCache:
    """One worker's last live network, and the stored shelters it was built from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stored: _Stored | None = None
        self._live: _Live | None = None

    def network(self, session: Session, moment: datetime) -> list[Shelter]:
        """``ledger.live_network(session, moment)``, from the cache when nothing changed."""
        return self._current(session, moment).network

    def ranker(self, session: Session, moment: datetime) -> Ranker:
        """A :class:`Ranker` of the live network at ``moment``, compiled only when it changed;
        rank with ``ranker.at(moment)`` (which shelters take intakes then), best after the
        transaction has ended."""
        return self._current(session, moment).ranker

    def _current(self, session: Session, moment: datetime) -> _Live:
        version, taking = _read_once(session)
        taken = _taken_at(taking, moment)
        with self._lock:
            live = self._live
        if live is not None and live.version == version and live.taken == taken:
            return live
        network = self._stored_at(session, version).live(taken)
        live = _Live(version, taken, network, Ranker(network, None))
        with self._lock:
            self._live = live
        return live

    def _stored_at(self, session: Session, version: int) -> _Stored:
        with self._lock:
            stored = self._stored
        if stored is not None and stored.version == version:
            return stored
        rows = session.scalars(select(ShelterRow).order_by(ShelterRow.id))
        fields = [(stored_shelter_fields(row), row.closed) for row in rows]
        untaken = [None if closed else live_shelter(data, closed=False) for data, closed in fields]
        stored = _Stored(version, fields, untaken)
        with self._lock:
            self._stored = stored
        return stored


# Built once: every ranking runs them, and building a statement costs more than running it (a
# plain Core statement on the session's connection skips the ORM's per-call work too).
_VERSION = select(NetworkVersionRow.version)
# Placements take their places with no end (``until`` NULL).
_TAKING: CompoundSelect[tuple[str, str, int, datetime | None]] = union_all(
    select(HoldRow.shelter_id, HoldRow.referral_id, HoldRow.places, HoldRow.expires_at).where(
        HoldRow.status == "active"
    ),
    select(
        PlacementRow.shelter_id,
        PlacementRow.referral_id,
        PlacementRow.places,
        null().label("expires_at"),
    ).where(PlacementRow.status == "active"),
)
# Where a transaction keeps what :func:`_read_once` read in it.
_READ = "safeplace.network_read"

# The active holds and placements: (shelter id, referral id, places, until; None for ever).
Taking = list[tuple[str, str, int, datetime | None]]


def network_version(session: Session) -> int:
    """The current network version (see :class:`api.db.tables.NetworkVersionRow`)."""
    version: int = session.connection().execute(_VERSION).scalar_one()
    return version


def _read_once(session: Session) -> tuple[int, Taking]:
    """The network version and the active holds and placements, read once per transaction.

    Rankings that share a transaction (:mod:`api.lanes`) each need them, for moments of their
    own: on SQLite, whose transactions run one at a time, a second read would find the same; on
    PostgreSQL the group ranks against the network as it began. The version is read first (see
    the module's docstring).
    """
    connection = session.connection()  # begins the transaction, if none is open yet
    transaction = session.get_transaction()
    kept: tuple[object, tuple[int, Taking]] | None = session.info.get(_READ)
    if kept is not None and kept[0] is transaction:
        return kept[1]
    version = network_version(session)
    taking: Taking = [
        (row.shelter_id, row.referral_id, row.places, row.expires_at)
        for row in connection.execute(_TAKING)
    ]
    read = (version, taking)
    session.info[_READ] = (transaction, read)
    return read


def _taken_at(taking: Taking, moment: datetime) -> Taken:
    """Every place taken at ``moment``: unexpired active holds and active placements."""
    return tuple(
        sorted(
            (shelter, referral, places)
            for shelter, referral, places, until in taking
            if until is None or until > moment
        )
    )
