"""``POST /auth/token``: the OAuth2 password flow, with failed logins rate-limited and every
checked login in the audit trail.

A login whose password was checked leaves an audit row (action ``login``, object type ``user``,
result ``ok`` or ``denied``) with the user's name as the actor, whether through the API or the
login page, so that an account under attack can be seen afterwards. Never the password, and no
client address (the trail stores none). Only names of users (active or not) are recorded: a name
that is no user's may be a password typed into the wrong field, and the trail can never be
purged. Attempts refused by the throttle (429) are not recorded either: they check nothing, and
an anonymous caller must not be able to grow the append-only trail at will.

A successful login also hands out a device token (:mod:`api.devices`): presented with a later
attempt for the same user name (the form field ``device_token``; the login page keeps it in a
cookie), that attempt is throttled as the known device's, and is not held up by others' failures
for the name. An attempt that presented a valid one says so in its audit row, with the object
id :data:`api.audit.KNOWN_DEVICE` (the token itself is never recorded or logged); one that
presented none, or an invalid one, is recorded and throttled exactly as before device tokens.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from api import accounts, audit, devices
from api.auth import Claims, issue_token, verify_password
from api.db.session import Database
from api.deps import NowDep, SettingsDep, get_database, get_secret, get_throttle
from api.middleware import request_id
from api.problems import ProblemError, responses
from api.ratelimit import LoginThrottle, Throttled
from api.schemas import Token

router = APIRouter(prefix="/auth", tags=["auth"])

DeviceToken = Annotated[
    str | None,
    Form(
        max_length=devices.MAX_LENGTH,
        description=(
            "The `device_token` of an earlier successful login of this user, if the client kept "
            "it: the attempt is then not held up by other clients' failed logins for the name."
        ),
    ),
]


@router.post("/token", responses=responses(400, 401, 413, 422, 429))
def token(
    *,
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    device_token: DeviceToken = None,
    database: Annotated[Database, Depends(get_database)],
    settings: SettingsDep,
    secret: Annotated[str, Depends(get_secret)],
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
    now: NowDep,
) -> Token:
    """Exchange a user name and password for a short-lived bearer token and a new device token.
    Open to everyone.

    The attempt is counted as failed before the password is checked, and forgotten when it was
    right, so that parallel attempts cannot all pass the count (:mod:`api.ratelimit`); with a
    valid ``device_token`` of the user's it is counted for that device alone. The password is
    checked outside any database transaction: argon2 takes a while by design, and the embedded
    database must not be locked for that long.
    """
    client = request.client.host if request.client else "unknown"
    device = _known_device(
        database, form.username, device_token, secret, settings.device_lifetime()
    )
    try:
        attempt = throttle.begin(form.username, client, device=device)
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
                user_role = (form.username, role)
                _record(session, request, now, user=user_role, result="denied", device=device)
        raise ProblemError(
            401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"}
        )
    throttle.succeeded(attempt)
    with database.session() as session:
        _record(session, request, now, user=(user.name, user.role), result="ok", device=device)
    claims = Claims(
        subject=user.name, role=user.role, shelter_id=user.shelter_id, generation=user.generation
    )
    access, seconds = issue_token(
        claims,
        secret=secret,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=settings.token_minutes),
    )
    remembered = devices.issue(
        user.name,
        user.generation,
        device_generation=user.device_generation,
        secret=secret,
        now=time.time(),
    )
    return Token(access_token=access, expires_in=seconds, device_token=remembered)


def _known_device(
    database: Database, user_name: str, presented: str | None, secret: str, lifetime: timedelta
) -> str | None:
    """The device of ``presented`` when it is a valid device token, younger than ``lifetime``,
    of the active user called ``user_name`` at the user's login and device generations; None
    when it is not, or none was presented. On the wall clock, as access tokens."""
    if not presented:
        return None
    with database.session() as session:
        user = accounts.find_active(session, user_name)
    if user is None:
        return None
    return devices.device_of(
        presented,
        user.name,
        user.generation,
        device_generation=user.device_generation,
        secret=secret,
        now=time.time(),
        lifetime=lifetime,
    )


def _record(
    session: Session,
    request: Request,
    now: datetime,
    *,
    user: tuple[str, str],
    result: str,
    device: str | None,
) -> None:
    """The audit row of a checked login of ``user`` (name, role), saying whether it came from a
    known device (never which)."""
    name, role = user
    audit.record(
        session,
        actor=name,
        role=role,
        action="login",
        object_type="user",
        object_id=None if device is None else audit.KNOWN_DEVICE,
        result=result,
        request_id=request_id(request.scope),
        at=now,
    )
