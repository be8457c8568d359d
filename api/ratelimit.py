"""Failed logins are limited per user name and client, and per user name from anywhere, to make
guessing passwords slow.

A sliding window of one minute: after ``limit`` failures for a (user name, client) pair, further
attempts for that pair are refused with 429 until the oldest failure is a minute old; a successful
login clears the pair. So that many clients (a botnet's addresses) cannot each guess ``limit``
times a minute, a user name also takes at most ``account_limit`` failures a minute from all
clients together (four times ``limit`` unless told otherwise), after which every attempt for it is
refused, the right password included, until the window frees up.

That is the trade-off chosen: guessing is bounded (20 a minute with the default limit of 5,
however many addresses try), and the price is that whoever fails that often for a name, from at
least four addresses, keeps its user out while they go on, from every client the user has not
logged in from before. The lock-out ends at most a minute after the failures stop, and the failed
logins are in the audit trail (``api.routes.auth``), where an account under attack can be seen
and its attackers' addresses blocked elsewhere.

A client the user did log in from presents a device token (:mod:`api.devices`, OWASP's "device
cookies"): its attempts are counted in a bucket of the device's own, with the per-client
``limit``, and neither count in the name's cap nor are refused by it, so the user gets in there
however many others fail for the name. A device that keeps failing is refused as a pair is, so a
stolen device token gives ``limit`` guesses a minute and no more; only a login with the right
password hands out a token.

Each attempt is counted before its password is checked: :meth:`LoginThrottle.begin` reserves it as
a failure, in one transaction that first counts the failures so far (serialised per user name on
PostgreSQL by an advisory lock, and by SQLite's ``BEGIN IMMEDIATE``), and a correct password then
clears its pair. Counting after the check let parallel requests all pass the count while the
others' checks were still running: 40 at once got 34 password checks instead of 5.

The failures are kept in the database (``login_failures``), so all worker processes of a server
count them together. A row holds keyed hashes (HMAC with the service's secret, so a stolen table
cannot be matched against guessed names and addresses) of the pair and of the user name, never
the user name or the client's address, and rows older than the window are deleted as new attempts
come in. A known device's failure holds the device's keyed hash in both columns, so that it is
counted in the device's bucket and in no name's.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.db.session import Database
from api.db.tables import LoginFailureRow

WINDOW_SECONDS = 60.0
# Failures a minute for one user name from all clients, as a multiple of the per-client limit.
ACCOUNT_FACTOR = 4
# Advisory-lock namespace of the throttle (any constant other than the audit chain's).
THROTTLE_LOCK = 0x5AFE
_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :key)")


class Throttled(Exception):
    """Too many failed logins for the pair or the user name: try again in ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """A login attempt counted as a failure until :meth:`LoginThrottle.succeeded` says not:
    the keyed hashes it is stored under (a known device's in both)."""

    pair: str
    account: str


class LoginThrottle:
    """Counts failed logins per (user name, client) and per user name in a sliding one-minute
    window.

    ``clock`` gives Unix seconds: the count is shared between processes, so it needs a clock
    they share too.
    """

    def __init__(
        self,
        database: Database,
        limit: int,
        *,
        secret: str,
        account_limit: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.limit = limit
        self.account_limit = ACCOUNT_FACTOR * limit if account_limit is None else account_limit
        self.clock = clock
        self._secret = secret.encode()

    def key(self, user_name: str, client: str) -> str:
        """The pair's keyed hash; case-insensitive in the name, so ``Desk`` and ``desk`` share
        their failures."""
        return self._hash(f"pair\0{user_name.casefold()}\0{client}")

    def account_key(self, user_name: str) -> str:
        """The user name's keyed hash, case-insensitive as :meth:`key`."""
        return self._hash(f"account\0{user_name.casefold()}")

    def device_key(self, device: str) -> str:
        """The keyed hash of a known device (a valid device token's nonce, :mod:`api.devices`)."""
        return self._hash(f"device\0{device}")

    def begin(self, user_name: str, client: str, *, device: str | None = None) -> Attempt:
        """Count an attempt as failed before its password is checked; :class:`Throttled` (and
        nothing counted) when the pair or the user name has no attempt left this minute.

        With ``device`` (the attempt presented a valid device token for ``user_name``) the
        attempt is counted for that device alone, and refused only when the device has had
        ``limit`` failures this minute: the name's failures from elsewhere do not hold it up.
        """
        name_key = self.account_key(user_name)
        if device is None:
            attempt = Attempt(self.key(user_name, client), name_key)
        else:
            attempt = Attempt(self.device_key(device), self.device_key(device))
        now = self.clock()
        with self.database.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Attempts for one user name take turns; a colliding name only waits its turn.
                lock_key = int(name_key[:8], 16) - 2**31
                session.execute(_LOCK, {"namespace": THROTTLE_LOCK, "key": lock_key})
            wait = _wait(session, LoginFailureRow.pair, attempt.pair, self.limit, now)
            if device is None:
                account_wait = _wait(
                    session, LoginFailureRow.account, name_key, self.account_limit, now
                )
                wait = max(wait, account_wait)
            if wait:
                raise Throttled(wait)
            session.execute(
                delete(LoginFailureRow).where(LoginFailureRow.at <= now - WINDOW_SECONDS)
            )
            session.add(LoginFailureRow(pair=attempt.pair, account=attempt.account, at=now))
        return attempt

    def succeeded(self, attempt: Attempt) -> None:
        """Forget the failures of the attempt's pair or device (its own reservation among them)
        after a correct password; other clients' failures for the name still count."""
        with self.database.session() as session:
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.pair == attempt.pair))

    def _hash(self, message: str) -> str:
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()


def _wait(
    session: Session, column: InstrumentedAttribute[str], key: str, limit: int, now: float
) -> int:
    """Seconds until ``key`` (in ``column``) has fewer than ``limit`` failures in the window."""
    recent = (
        select(LoginFailureRow.at)
        .where(column == key, LoginFailureRow.at > now - WINDOW_SECONDS)
        .order_by(LoginFailureRow.at.desc())
        .limit(limit)
    )
    times = session.scalars(recent).all()
    if len(times) < limit:
        return 0
    # The oldest of the last ``limit`` failures leaves the window first.
    return max(1, int(min(times) + WINDOW_SECONDS - now) + 1)
