"""``POST /auth/token``: the OAuth2 password flow, with failed logins rate-limited and every
checked login in the audit trail.

A login whose password was checked leaves an audit row (action ``login``, object type ``user``,
result ``ok`` or ``denied``) with the user's name as the actor, whether through the API or the
login page, so that an account under attack can be seen afterwards. Never the password, and no
client address (the trail stores none). Only names of users (active or not) are recorded: a name
that is no user's may be a password typed into the wrong field, and the trail can never be
purged. Attempts refused by the throttle (429) are not recorded either: they check nothing, and
an anonymous caller must not be able to grow the append-only trail at will.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from api import accounts, audit
from api.auth import Claims, issue_token, verify_password
from api.db.session import Database
from api.deps import NowDep, SettingsDep, get_database, get_secret, get_throttle
from api.middleware import request_id
from api.problems import ProblemError, responses
from api.ratelimit import LoginThrottle, Throttled
from api.schemas import Token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", responses=responses(400, 401, 413, 422, 429))
def token(
    *,
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    database: Annotated[Database, Depends(get_database)],
    settings: SettingsDep,
    secret: Annotated[str, Depends(get_secret)],
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
    now: NowDep,
) -> Token:
    """Exchange a user name and password for a short-lived bearer token. Open to everyone.

    The attempt is counted as failed before the password is checked, and forgotten when it was
    right, so that parallel attempts cannot all pass the count (:mod:`api.ratelimit`). The
    password is checked outside any database transaction: argon2 takes a while by design, and
    the embedded database must not be locked for that long.
    """
    client = request.client.host if request.client else "unknown"
    try:
        attempt = throttle.begin(form.username, client)
    except Throttled as throttled:
        raise ProblemError(
            429,
            "too many failed logins: try again later",
            headers={"Retry-After": str(throttled.retry_after)},
        ) from None
    with database.session() as session:
        user = accounts.find_active(session, form.username)
    stored_hash = None if user is None else user.password_hash
    if user is None or not verify_password(form.password, stored_hash):
        with database.session() as session:
            role = accounts.role_of(session, form.username)
            if role is not None:
                _record(session, request, now, user=(form.username, role), result="denied")
        raise ProblemError(
            401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"}
        )
    throttle.succeeded(attempt)
    with database.session() as session:
        _record(session, request, now, user=(user.name, user.role), result="ok")
    claims = Claims(
        subject=user.name, role=user.role, shelter_id=user.shelter_id, generation=user.generation
    )
    access, seconds = issue_token(
        claims,
        secret=secret,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=settings.token_minutes),
    )
    return Token(access_token=access, expires_in=seconds)


def _record(
    session: Session, request: Request, now: datetime, *, user: tuple[str, str], result: str
) -> None:
    """The audit row of a checked login of ``user`` (name, role)."""
    name, role = user
    audit.record(
        session,
        actor=name,
        role=role,
        action="login",
        object_type="user",
        object_id=None,
        result=result,
        request_id=request_id(request.scope),
        at=now,
    )
