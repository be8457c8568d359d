"""``POST /auth/token``: the OAuth2 password flow, with failed logins rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api import accounts
from api.auth import Claims, issue_token, verify_password
from api.db.session import Database
from api.deps import SettingsDep, get_database, get_secret, get_throttle
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
        raise ProblemError(
            401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"}
        )
    throttle.succeeded(attempt)
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
