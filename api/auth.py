"""Passwords and access tokens.

Passwords are stored only as argon2id hashes (pwdlib): a stolen database must not give away the
logins of desk and shelter staff. Access tokens are short-lived HS256 JWTs (pyjwt) signed with the
service's secret; they name the user, the user's role and login generation, and every request
looks the user up again (:func:`api.deps.check_in`), so deactivating a user, changing a role or a
password takes effect at once rather than when the token runs out: a token whose user is
inactive, has another role now, or was issued before such a change, opens nothing.

A desk sends the same token with every request for its whole lifetime, so a verified token's
claims are remembered (:func:`_verified`): checking the signature and the encoding again took
about 0.2 ms of CPU per request. The token's times are checked at every use, so a remembered token
still expires on the second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

ALGORITHM = "HS256"
ISSUER = "safeplace"
# Passwords shorter than this are refused when a password is set.
MIN_PASSWORD_LENGTH = 12
# Nor may it have fewer different characters than this: "aaaaaaaaaaaa" or "abcabcabcabc" is long
# enough but among the first guesses of any attacker.
MIN_DIFFERENT_CHARACTERS = 5
# Verified tokens remembered per process: a few per signed-in user a day.
REMEMBERED_TOKENS = 1024

_HASHER = PasswordHash((Argon2Hasher(),))
# Verified when the user name is unknown, so that a wrong name costs as long as a wrong password
# and response times do not tell which user names exist. A hash of a throw-away password made
# once with the parameters above (the test of the service's cost holds the two together): made
# at import, it cost every process, each command and server worker included, a fifth of a second.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$UrAGZNzuqthXtHvR/+xaTw"
    "$mcby4F9Kt2cFnTXpC+slFvY1ngs/4zFeLw0CJdrQnSE"
)


class InvalidToken(Exception):
    """The bearer token is missing, malformed, badly signed, expired or of another issuer."""


@dataclass(frozen=True)
class Claims:
    """What a valid access token says: who, in which role, for which shelter (shelter staff),
    and the user's login generation when it was issued (``gen``; 0 in tokens made before the
    claim existed, as in users stored before it)."""

    subject: str
    role: str
    shelter_id: str | None
    generation: int = 0


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for the users table."""
    return _HASHER.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when ``password`` matches ``stored_hash``; None (no such user) costs the same time."""
    if stored_hash is None:
        _HASHER.verify(password, _DUMMY_HASH)
        return False
    try:
        return _HASHER.verify(password, stored_hash)
    except UnknownHashError:
        return False


def issue_token(
    claims: Claims, *, secret: str, now: datetime, lifetime: timedelta
) -> tuple[str, int]:
    """A signed access token for ``claims`` valid from ``now`` for ``lifetime``, and its seconds."""
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "sub": claims.subject,
        "role": claims.role,
        "shelter": claims.shelter_id,
        "gen": claims.generation,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM), int(lifetime.total_seconds())


def read_token(token: str, *, secret: str, now: float | None = None) -> Claims:
    """The claims of a valid token at ``now`` (Unix seconds, default the wall clock);
    :class:`InvalidToken` when it is malformed, badly signed, of another issuer, not yet valid or
    expired."""
    verified = _verified(token, secret)
    moment = time.time() if now is None else now
    if moment < verified.not_before:
        raise InvalidToken("ImmatureSignatureError")
    if moment >= verified.expires:
        raise InvalidToken("ExpiredSignatureError")
    return verified.claims


@dataclass(frozen=True)
class _Verified:
    """A token whose signature, issuer and claims were checked, and the times it is valid in."""

    claims: Claims
    not_before: float
    expires: float


@lru_cache(maxsize=REMEMBERED_TOKENS)
def _verified(token: str, secret: str) -> _Verified:
    """Everything about a token that does not change with time; refusals are not remembered.

    pyjwt checks the signature, the issuer and that every claim is there; the times are read here
    and compared by :func:`read_token` at each use, as pyjwt would (valid from ``nbf`` and
    ``iat``, until ``exp``).
    """
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["exp", "iat", "nbf", "sub", "iss"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(type(exc).__name__) from None
    role, shelter, generation = payload.get("role"), payload.get("shelter"), payload.get("gen", 0)
    if not isinstance(role, str) or not (shelter is None or isinstance(shelter, str)):
        raise InvalidToken("malformed claims")
    if not isinstance(generation, int) or isinstance(generation, bool):
        raise InvalidToken("malformed claims")
    times = [payload["nbf"], payload["iat"], payload["exp"]]
    if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in times):
        raise InvalidToken("malformed claims")
    return _Verified(
        claims=Claims(
            subject=str(payload["sub"]), role=role, shelter_id=shelter, generation=generation
        ),
        not_before=float(max(times[0], times[1])),
        expires=float(times[2]),
    )
