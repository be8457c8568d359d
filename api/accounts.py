"""Users of the service: created from the command line, looked up on every request.

There is no HTTP endpoint for users: the first admin is created on the server itself
(``safeplace users add``), and nobody can give themselves a role over the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.auth import MIN_DIFFERENT_CHARACTERS, MIN_PASSWORD_LENGTH, hash_password
from api.db.tables import ROLES, ShelterRow, UserRow

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Lone surrogates: bytes of standard input that did not decode as UTF-8.
_UNREADABLE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class AccountError(ValueError):
    """A user cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class ActiveUser:
    """What a request needs of its user: who, in which role, at which shelter, the login
    generation its token or session must carry, the hash a login checks the password against,
    and the device generation a device token must carry (:mod:`api.devices`)."""

    name: str
    role: str
    shelter_id: str | None
    password_hash: str
    generation: int
    device_generation: int


# Built once: every request looks its user up, and building a statement costs more than running
# it (a plain Core statement on the session's connection skips the ORM's per-call work too).
_ACTIVE = select(
    UserRow.name,
    UserRow.role,
    UserRow.shelter_id,
    UserRow.password_hash,
    UserRow.login_generation,
    UserRow.device_generation,
).where(UserRow.name == bindparam("name"), UserRow.active.is_(True))


def find_active(session: Session, name: str) -> ActiveUser | None:
    """The active user called ``name``, or None (at once for a name no user can have)."""
    if not _NAME.match(name):
        return None
    row = session.connection().execute(_ACTIVE, {"name": name}).one_or_none()
    return None if row is None else ActiveUser(*row)


def role_of(session: Session, name: str) -> str | None:
    """The role of the user called ``name``, active or not; None when no user has that name."""
    if not _NAME.match(name):
        return None
    role: str | None = session.scalar(select(UserRow.role).where(UserRow.name == name))
    return role


def add_user(
    session: Session,
    *,
    name: str,
    role: str,
    shelter_id: str | None,
    password: str,
    now: datetime,
) -> UserRow:
    """Create a user; :class:`AccountError` for a taken name, a bad role or a weak password.

    Shelter staff belong to exactly one shelter, and only shelter staff belong to one.
    """
    if not _NAME.match(name):
        raise AccountError(
            "a user name is 2-64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    _check_role(session, role, shelter_id)
    check_password(password, name=name)
    if session.scalars(select(UserRow.id).where(UserRow.name == name)).first() is not None:
        raise AccountError(f"a user '{name}' exists already")
    user = UserRow(
        name=name,
        role=role,
        shelter_id=shelter_id,
        password_hash=hash_password(password),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, name: str, *, active: bool) -> bool:
    """Let a user in again, or keep them out from their next request on (their tokens too: each
    request checks that the user is still active); :class:`AccountError` for an unknown name.

    Either way the tokens and web sessions issued so far end for good: let in again, the user
    logs in again, and whoever took a token or a cookie while the user was out gains nothing.
    A user already in that state is left alone (False): activating someone who is at work must
    not end their sessions.
    """
    user = _user(session, name)
    if user.active == active:
        return False
    user.active = active
    _end_logins(user)
    session.flush()
    return True


def set_role(session: Session, name: str, *, role: str, shelter_id: str | None) -> None:
    """Give a user another role (or move shelter staff to another shelter); :class:`AccountError`
    as for :func:`add_user`, or for an unknown name. Tokens issued for the old role are refused
    from the next request on (each request checks the user's role): they log in again."""
    user = _user(session, name)
    _check_role(session, role, shelter_id)
    user.role = role
    user.shelter_id = shelter_id
    _end_logins(user)
    session.flush()


def set_password(session: Session, name: str, *, password: str) -> None:
    """Give a user a new password (forgotten, or possibly known to someone else), under the rules
    of :func:`check_password`; :class:`AccountError` for those or for an unknown name. The
    tokens and web sessions issued so far end: whoever knew the old password keeps nothing."""
    user = _user(session, name)
    check_password(password, name=name)
    user.password_hash = hash_password(password)
    _end_logins(user)
    session.flush()


def end_devices(session: Session, name: str) -> None:
    """End every device token issued to a user so far (a desk computer lost or stolen), and
    nothing else: the password, the tokens and the web sessions stay as they are, so the user
    works on elsewhere; :class:`AccountError` for an unknown name. A device token from before
    counts as none from now on (its attempts are throttled with the name's, as any client's),
    and the user's next login hands out a new one."""
    user = _user(session, name)
    user.device_generation += 1
    session.flush()


def end_all_devices(session: Session) -> list[str]:
    """End the device tokens of every user at once, as :func:`end_devices` does for one (an
    image of a shared computer taken, with the device cookies of everyone who used it); the
    names of the users, in order. Deactivated users too, so that "every" needs no footnote."""
    users = session.scalars(select(UserRow).order_by(UserRow.name)).all()
    for user in users:
        user.device_generation += 1
    session.flush()
    return [user.name for user in users]


def check_password(password: str, *, name: str) -> None:
    """:class:`AccountError` for a password an attacker would try first: too short, one character
    or a short pattern repeated (too few different characters), or the user name itself.

    Kept to rules a person can follow without a list of forbidden words; a password that met the
    rules of its day still logs in, the rules apply when a password is set.
    """
    if _UNREADABLE.search(password):  # cannot even be hashed
        raise AccountError("a password is UTF-8 text")
    if _CONTROL.search(password):  # nobody can type one at the login page
        raise AccountError("a password has no control characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < MIN_DIFFERENT_CHARACTERS:
        raise AccountError(
            f"a password has at least {MIN_DIFFERENT_CHARACTERS} different characters "
            "(no repeated character or short repeated pattern)"
        )
    if password.strip().casefold() == name.casefold():
        raise AccountError("a password is not the user name")


def _end_logins(user: UserRow) -> None:
    """Refuse every token and web session issued to ``user`` so far (they carry the old login
    generation); a new login carries the new one."""
    user.login_generation += 1


def _user(session: Session, name: str) -> UserRow:
    user = session.scalars(select(UserRow).where(UserRow.name == name)).first()
    if user is None:
        raise AccountError(f"no user '{name}'")
    return user


def _check_role(session: Session, role: str, shelter_id: str | None) -> None:
    """:class:`AccountError` unless ``role`` is a role, with a shelter exactly when it is
    ``shelter``, and that shelter exists."""
    if role not in ROLES:
        raise AccountError(f"unknown role '{role}': use one of {', '.join(ROLES)}")
    if (role == "shelter") != (shelter_id is not None):
        raise AccountError("--shelter is required for the shelter role, and only for it")
    if shelter_id is not None and session.get(ShelterRow, shelter_id) is None:
        raise AccountError(f"no shelter '{shelter_id}'")
