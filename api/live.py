"""The live network: the shelters the service stores, read once at the start of a scenario run.

Planners may not see a shelter, so they cannot hold a network file of the real shelters; a run on
the live network (``network: {live: true}``) is resolved here instead, inside the service, and its
result keeps aggregates only (:func:`api.disclosure.live_scenario_result`). The shelters are read
as the desk's engine sees them at that moment (:func:`api.ledger.live_network`): their places as
staff reported them, less what the service holds and has placed there. A closed shelter takes
nobody in for the whole run: its places are 0, so its residents, who would sit in places that
never open, are left out as well. Each shelter's ``kind`` is its kind in the simulation (without
one, its programme), and ``holiday_intake`` keeps its intake hours on public holidays.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import ledger
from api.db.tables import ShelterRow
from api.deps import Caller
from api.problems import ProblemError
from api.scenario_files import Network


def snapshot(session: Session, now: datetime) -> Network:
    """The live network at ``now``, read in ``session``'s transaction."""
    rows = session.execute(
        select(ShelterRow.id, ShelterRow.kind, ShelterRow.closed, ShelterRow.holiday_intake)
    ).all()
    closed = {row.id for row in rows if row.closed}
    shelters = tuple(
        shelter.model_copy(update={"capacity": 0, "occupied": 0, "residents": []})
        if shelter.id in closed
        else shelter.model_copy(update={"residents": []})
        for shelter in ledger.live_network(session, now)
    )
    return Network(
        shelters=shelters,
        kinds={row.id: row.kind for row in rows if row.kind is not None},
        holiday_intake=frozenset(row.id for row in rows if row.holiday_intake),
        read_at=now,
    )


class Reader:
    """Reads the live network for ``caller``'s run, if its scenario is on it: at the request's
    moment, with an audit row (``read`` of the ``network``) in the request's transaction, so the
    trail answers "who ran the real network through a scenario, and when?"."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.done = False

    def __call__(self) -> Network:
        self.caller.audit("read", "network", None)
        self.done = True
        return snapshot(self.caller.session, self.caller.now)

    def refused(self, problem: ProblemError) -> ProblemError:
        """``problem``, a refusal of the run; once the network was read (a name the scenario
        uses that the network lacks), that read is recorded as ``invalid``, committed apart
        from the run that is not stored."""
        if not self.done:
            return problem
        return self.caller.refuse(problem, "read", "network", None)
