"""Sessions their users logged out of: a copy of the cookie opens no page afterwards.

The session cookie is signed and stateless (:mod:`api.web.session`), so deleting it from the
browser on logout leaves any copy of it (a shared computer's profile, a proxy's log) valid until
it expires, up to a shift later. Logging out therefore also records the session id here, and
every page checks it. Only a SHA-256 of the id is stored, and only until the cookie could no
longer be valid anyway; each logout deletes the rows past that time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.db.tables import EndedWebSessionRow
from api.web.session import LONGEST, WebSession


def end(session: Session, web_session: WebSession, now: datetime) -> None:
    """Record ``web_session`` as ended (again is harmless), and forget those long expired."""
    session.execute(delete(EndedWebSessionRow).where(EndedWebSessionRow.until < now))
    values = {"sid_hash": _hash(web_session.sid), "until": web_session.started + LONGEST}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(EndedWebSessionRow).values(values).on_conflict_do_nothing())


def has_ended(session: Session, sid: str) -> bool:
    """Whether the session ``sid`` was logged out of."""
    found = session.scalar(select(exists().where(EndedWebSessionRow.sid_hash == _hash(sid))))
    return bool(found)


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()
