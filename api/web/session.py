"""The browser's session: a signed cookie naming the user, and the CSRF token derived from it.

The cookie holds a short JWT (pyjwt, HS256) with the user's name and a random session id, signed
with a key derived from the service's signing secret and issued as ``safeplace-web``, so a
session cookie is never accepted as an API bearer token, nor a bearer token as a session. The
user is looked up again on every request, as for the API, so a deactivated user is out at once,
and so is a session begun before a change to the user's access (its login generation).

A session runs idle for the service's token lifetime and is renewed on every page, up to a
shift's length; logging out removes the cookie and records the session as ended on the server
(:mod:`api.web.ended`). The cookie is HttpOnly (no script reads it), SameSite=strict (no other
site's form or link carries it along) and Secure whenever the page was served over TLS.

Every form carries a CSRF token: an HMAC of the session id, so it is the same on every page of
one session, different in every other, and needs no server-side state. A visitor who is not
logged in gets an anonymous session (an id without a user) so that the login form itself is
protected too; logging in starts a new session id, so an id planted before the login is useless.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import jwt
from starlette.requests import Request
from starlette.responses import Response

COOKIE: Final = "safeplace_session"
ISSUER: Final = "safeplace-web"
ALGORITHM: Final = "HS256"
# However active, a session ends after a shift; then the user logs in again.
LONGEST: Final = timedelta(hours=12)
_KEY_LABEL: Final = b"safeplace web session"


@dataclass(frozen=True)
class WebSession:
    """One browser's session: its id, its user (None before logging in), when it began, and the
    user's login generation when it began (``gen``; a session outlives no change to the user's
    access, see :class:`api.auth.Claims`)."""

    sid: str
    user: str | None
    started: datetime
    generation: int = 0

    @classmethod
    def anonymous(cls, now: datetime) -> WebSession:
        """A new session without a user, for the login form's CSRF token."""
        return cls(sid=secrets.token_urlsafe(24), user=None, started=now)

    @classmethod
    def of_user(cls, user: str, now: datetime, *, generation: int = 0) -> WebSession:
        """A new session for ``user``: a new id, never the one used before logging in."""
        return cls(sid=secrets.token_urlsafe(24), user=user, started=now, generation=generation)


class SessionCodec:
    """Signs and reads session cookies, and makes and checks CSRF tokens."""

    def __init__(self, secret: str, idle: timedelta) -> None:
        self._key = hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()
        self.idle = idle

    def encode(self, session: WebSession, now: datetime) -> str:
        """The cookie value for ``session``, valid for the idle time from ``now``."""
        expires = min(now + self.idle, session.started + LONGEST)
        claims: dict[str, object] = {
            "iss": ISSUER,
            "sid": session.sid,
            "iat": now,
            "exp": expires,
            "started": int(session.started.timestamp()),
            "gen": session.generation,
        }
        if session.user is not None:
            claims["sub"] = session.user
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, value: str) -> WebSession | None:
        """The session in a cookie value, or None when it is forged, malformed or expired."""
        try:
            claims = jwt.decode(
                value,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "iss", "sid", "started"]},
            )
        except jwt.InvalidTokenError:
            return None
        sid, user, started = claims.get("sid"), claims.get("sub"), claims.get("started")
        generation = claims.get("gen", 0)
        if not isinstance(sid, str) or not isinstance(started, int):
            return None
        if user is not None and not isinstance(user, str):
            return None
        if not isinstance(generation, int) or isinstance(generation, bool):
            return None
        moment = datetime.fromtimestamp(started, UTC)
        return WebSession(sid=sid, user=user, started=moment, generation=generation)

    def csrf_token(self, session: WebSession) -> str:
        """The CSRF token of every form of ``session``."""
        return hmac.new(self._key, b"csrf:" + session.sid.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session: WebSession, token: str) -> bool:
        """Whether ``token`` is ``session``'s CSRF token (compared in constant time). A form may
        send anything: a token with a character beyond ASCII is none (``compare_digest`` refuses
        to compare such strings at all, with a TypeError)."""
        return token.isascii() and hmac.compare_digest(self.csrf_token(session), token)


def read(request: Request, codec: SessionCodec) -> WebSession | None:
    """The request's session, if its cookie is valid."""
    value = request.cookies.get(COOKIE)
    return None if value is None else codec.decode(value)


def store(
    response: Response, request: Request, codec: SessionCodec, session: WebSession, now: datetime
) -> None:
    """Set (or renew) the session cookie on ``response``."""
    response.set_cookie(
        COOKIE,
        codec.encode(session, now),
        max_age=int(codec.idle.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def forget(response: Response, request: Request) -> None:
    """Remove the session cookie (logging out)."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
