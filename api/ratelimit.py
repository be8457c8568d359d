"""Failed logins are limited per user name and client, to make guessing passwords slow.

A sliding window of one minute: after ``limit`` failures for a (user name, client) pair, further
attempts for that pair are refused with 429 until the oldest failure is a minute old; a successful
login clears the pair. The failures are kept in the database (``login_failures``), so all worker
processes of a server count them together: with the count in each worker's memory, ``--workers
N`` allowed N times the attempts. A row holds a keyed hash of the pair (HMAC with the service's
secret, so a stolen table cannot be matched against guessed names and addresses), never the user
name or the client's address, and rows older than the window are deleted as new failures come in.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from sqlalchemy import delete, select

from api.db.session import Database
from api.db.tables import LoginFailureRow

WINDOW_SECONDS = 60.0


class LoginThrottle:
    """Counts failed logins per (user name, client) in a sliding one-minute window.

    ``clock`` gives Unix seconds: the count is shared between processes, so it needs a clock
    they share too.
    """

    def __init__(
        self,
        database: Database,
        limit: int,
        *,
        secret: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.limit = limit
        self.clock = clock
        self._secret = secret.encode()

    def key(self, user_name: str, client: str) -> str:
        """The pair's keyed hash; case-insensitive in the name, so ``Desk`` and ``desk`` share
        their failures."""
        pair = f"{user_name.casefold()}\0{client}".encode()
        return hmac.new(self._secret, pair, hashlib.sha256).hexdigest()

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        now = self.clock()
        recent = (
            select(LoginFailureRow.at)
            .where(LoginFailureRow.pair == key, LoginFailureRow.at > now - WINDOW_SECONDS)
            .order_by(LoginFailureRow.at.desc())
            .limit(self.limit)
        )
        with self.database.session() as session:
            times = session.scalars(recent).all()
        if len(times) < self.limit:
            return 0
        # The oldest of the last ``limit`` failures leaves the window first.
        return max(1, int(min(times) + WINDOW_SECONDS - now) + 1)

    def failed(self, key: str) -> None:
        """Record one failed attempt (and forget every failure older than the window)."""
        now = self.clock()
        with self.database.session() as session:
            session.execute(
                delete(LoginFailureRow).where(LoginFailureRow.at <= now - WINDOW_SECONDS)
            )
            session.add(LoginFailureRow(pair=key, at=now))

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` after a correct password."""
        with self.database.session() as session:
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.pair == key))
