"""FastAPI dependencies: one transaction per request, the caller, role checks, and the clock.

A route states who may call it with one annotation (``caller: Annotated[Caller,
Depends(allow("desk"))]``). The check runs before the route and, for routes on personal data,
writes a ``denied`` audit row for a refused caller in the request's own transaction, committed
before the 403 goes out: a refused attempt is on record even though nothing else happened.

FastAPI runs a plain ``def`` dependency in a worker thread, and each such hop costs about 0.1 ms
of CPU and a pass through the event loop; on SQLite the request's transaction, which holds the
one write lock, spans every hop between its first query and its commit. So the dependencies run
on the event loop and touch no database: the caller is read from the signed token, and checked
against the database (the user still active in the token's role, expired holds settled) at the
route's first use of :attr:`Caller.session`, in the route's own worker thread (a ranking is
checked in the transaction it shares with other rankings instead, see :mod:`api.lanes`). Under
load the
pass through the event loop between a thread-run dependency and the route took 1-1.8 ms, all of
it inside the write lock. Only the commit, when the route left it open, takes one more hop.

``get_now`` is the one clock of the service (holds, rankings, the audit trail); tests replace it
through ``app.dependency_overrides`` to let holds expire without waiting. Access tokens keep to
the wall clock, which is what their signature's times mean.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, partial
from typing import Annotated, Literal

from anyio import CancelScope
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from api import accounts, audit, ledger
from api.auth import InvalidToken, read_token
from api.db.session import Database
from api.lanes import RankingLane
from api.middleware import request_id
from api.network_cache import NetworkCache
from api.problems import HALF_CHARACTER, KEY_REPEATED, ProblemError
from api.ratelimit import LoginThrottle
from api.settings import Settings
from models.errors import KEY_GIVEN_TWICE, Loc, load_json

ObjectType = Literal["referral", "hold", "placement", "shelter", "residents", "network"]
Action = Literal["create", "read", "search", "update", "denied"]
Result = Literal["ok", "denied", "not_found", "conflict", "invalid"]

TOKEN_URL = "/api/v1/auth/token"
# Where a request's session keeps its caller's check-in until the first use (Caller.session).
_CHECK_IN = "safeplace.check_in"
# Where a transaction shared by rankings keeps the users it checked (Caller.sharing).
_CHECKED_IN = "safeplace.checked_in"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_now() -> datetime:
    """The service's clock: now, in UTC."""
    return datetime.now(UTC)


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    """The database the app was created with."""
    database: Database = request.app.state.database
    return database


async def get_secret(request: Request) -> str:
    """The key access tokens are signed with (read once, when the app was created)."""
    secret: str = request.app.state.signing_secret
    return secret


async def get_network_cache(request: Request) -> NetworkCache:
    """This worker's cache of the live network."""
    cache: NetworkCache = request.app.state.network_cache
    return cache


async def get_ranking_lane(request: Request) -> RankingLane:
    """How this worker runs rankings (:mod:`api.lanes`)."""
    lane: RankingLane = request.app.state.ranking_lane
    return lane


async def get_throttle(request: Request) -> LoginThrottle:
    """The app's failed-login counter."""
    throttle: LoginThrottle = request.app.state.throttle
    return throttle


async def refuse_unsound_json(request: Request) -> None:
    """Refuse a JSON body that gives a key twice in one object, at that key's path (422), and
    one whose text holds half a character, at its path too.

    JSON parsers, FastAPI's too, keep the last of two equal keys silently: a referral sent with
    ``"conditions": ["addiction"], "conditions": []`` would be stored as needing no care and
    ranked for shelters that cannot give it. FastAPI has parsed the body before any dependency
    runs; this reads it once more, as the command line reads a contract document. A caller who
    is not signed in hears 401 instead, as for a body that is no JSON at all.

    JSON's ``\\ud800`` escapes half of a UTF-16 pair, which Python's parser keeps as a lone
    surrogate: no text either database can store (a municipality the gazetteer resolves in spite
    of it was a 500).
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not (media_type == "application/json" or media_type.endswith("+json")):
        return
    body = await request.body()
    try:
        document, twice = load_json(body) if body else (None, [])
    except (ValueError, RecursionError):  # no JSON: FastAPI has refused it before this runs
        return
    if twice:
        raise RequestValidationError(
            [
                {"type": KEY_REPEATED, "loc": ("body", *loc), "msg": KEY_GIVEN_TWICE, "input": None}
                for loc in twice
            ]
        )
    halves = list(lone_surrogates(document)) if _SURROGATE_ESCAPE.search(body) else []
    if halves:
        raise RequestValidationError(
            [
                {"type": HALF_CHARACTER, "loc": ("body", *loc), "msg": NOT_TEXT, "input": None}
                for loc in halves
            ]
        )


# Where a JSON text escapes a UTF-16 surrogate (half a pair, or a whole one): only then is the
# parsed document walked for lone halves.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# What is wrong with a string that holds one.
NOT_TEXT = "not valid text: it holds half of a UTF-16 surrogate pair (\\ud800-\\udfff)"


def lone_surrogates(document: object, loc: tuple[str | int, ...] = ()) -> Iterator[Loc]:
    """The path of every string (or key) in a parsed JSON ``document`` that holds a lone
    surrogate, which no UTF-8 text, and so no database, can hold."""
    if isinstance(document, str):
        if _has_surrogate(document):
            yield loc
    elif isinstance(document, dict):
        for key, value in document.items():
            if _has_surrogate(key):
                yield (*loc, key.encode("utf-8", "backslashreplace").decode("ascii"))
            else:
                yield from lone_surrogates(value, (*loc, key))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from lone_surrogates(item, (*loc, index))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's transaction: committed before the response is sent (the dependency's
    ``function`` scope), so a 2xx is only ever sent for a stored change; rolled back if the route
    raises.

    Unlike :meth:`Database.session`, a route may commit or roll back on its way (a refused
    attempt keeps its audit row; a ranking releases the database before computing). On SQLite
    the transactions take turns (:mod:`api.writer_turns`).

    Making a session touches no database (it connects at its first query), so that happens on
    the event loop; the commit or rollback, which do, go to a worker thread, and only when a
    transaction is still open. Ending it is shielded from cancellation: a transaction left open
    would keep its SQLite writer turn, and every other request waiting, for ever. A caller the
    route never checked in (a route that read nothing) is checked in here, before the commit:
    no answer leaves for a user who is no longer active. That holds for a body that does not
    validate too, which never reaches the route: such a user hears 401, not what was wrong.
    """
    sessions: sessionmaker[Session] = request.app.state.sessions
    session = sessions()
    try:
        yield session
        check_in: Callable[[], None] | None = session.info.pop(_CHECK_IN, None)
        if check_in is not None or session.in_transaction():
            with CancelScope(shield=True):
                await run_in_threadpool(_finish, session, check_in)
    except BaseException as failure:
        try:
            check_in = session.info.pop(_CHECK_IN, None)
            # A body that does not validate, or a refusal before the route's first query (a
            # scenario that does not exist, say), must not tell a user who is no longer active
            # anything: such a user hears 401.
            if check_in is not None and isinstance(failure, RequestValidationError | ProblemError):
                with CancelScope(shield=True):
                    await run_in_threadpool(check_in)  # ProblemError (401) for an inactive user
        finally:
            if session.in_transaction():
                with CancelScope(shield=True):
                    await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


def _finish(session: Session, check_in: Callable[[], None] | None) -> None:
    if check_in is not None:
        check_in()
    session.commit()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class Hidden(ProblemError):
    """A 404 for an object the caller may not know exists (another shelter's hold); the audit
    trail records it as ``denied``, which it is."""

    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


@dataclass
class Attempt:
    """The object an attempt is about; a create sets the new object's id once it has one, and a
    search the ids of every object it returns (:attr:`disclosed`). :attr:`besides`: other
    objects the attempt acts on, each recorded with the attempt's own result, so that a refused
    attempt is found under them too (a hold refused for a referral has no hold id to find it by).
    """

    object_id: str | None
    disclosed: list[str] = field(default_factory=list)
    besides: list[tuple[Action, ObjectType, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request, with the request's transaction, id and clock.

    Code uses the transaction as :attr:`session`, never as ``transaction``: the first use checks
    the caller in (:func:`check_in`), in whatever worker thread the route runs in. ``shared``:
    the transaction is shared with other requests' rankings (:meth:`sharing`). ``generation``:
    the user's login generation its token was issued at (:class:`api.auth.Claims`).
    """

    name: str
    role: str
    shelter_id: str | None
    transaction: Session
    request_id: str
    now: datetime
    shared: bool = False
    generation: int = 0

    def sharing(self, session: Session) -> Caller:
        """This caller in ``session``'s transaction, which other requests' rankings share
        (:mod:`api.lanes`), checked in there instead of in the request's own.

        The shared transaction checks each user once and settles expired holds once, for its
        first ranking: the group reads the database as of then. (A hold that expires in the
        milliseconds after still counts as taken for none of the group's rankings, since the
        places taken are read for each one's own moment; only its own referral, if ranked in
        the same group, would still be ``held``.)
        """
        check_in_pending = self.transaction.info.pop(_CHECK_IN, None) is not None
        caller = replace(self, transaction=session, shared=True)
        if check_in_pending:
            checked = _checked_in(session)
            identity = (self.name, self.role, self.shelter_id, self.generation)
            if identity not in checked:
                check_user(caller)
                if not checked:
                    settle(caller)
                checked.add(identity)
        return caller

    @property
    def session(self) -> Session:
        """The request's transaction, once the caller is checked in to it."""
        self.check_in_now()
        return self.transaction

    def check_in_now(self) -> None:
        """Check the caller in, unless that happened already."""
        check_in: Callable[[], None] | None = self.transaction.info.pop(_CHECK_IN, None)
        if check_in is not None:
            check_in()

    def audit(
        self, action: Action, object_type: ObjectType, object_id: str | None, result: Result = "ok"
    ) -> None:
        """Append one audit row for this request, in its transaction."""
        audit.record(
            self.session,
            actor=self.name,
            role=self.role,
            action=action,
            object_type=object_type,
            object_id=object_id,
            result=result,
            request_id=self.request_id,
            at=self.now,
        )

    @contextmanager
    def attempt(
        self, action: Action, object_type: ObjectType, object_id: str | None = None
    ) -> Iterator[Attempt]:
        """An audit row for what the block does to personal data, whatever happens.

        On success the row (result ``ok``) joins the block's changes in the request's
        transaction; a search that returns objects writes one row per object instead, so that
        the trail answers "who saw this referral?" for a list as for a read. On failure the
        changes are rolled back, the row (``not_found``, ``conflict``, ``invalid`` or
        ``denied``) is committed on its own, and the failure leaves as a problem document:
        ledger refusals as 404 or 409 with their ``code``. The caller is checked in first, so a
        token whose user is gone is a 401, not an attempt on record.
        """
        self.check_in_now()
        subject = Attempt(object_id)
        try:
            yield subject
        except ledger.NotFound as missing:
            raise self.refuse(
                ProblemError(404, str(missing)),
                action,
                object_type,
                subject.object_id,
                subject.besides,
            ) from None
        except ledger.LedgerConflict as conflict:
            problem = ProblemError(
                409, conflict.detail, code=conflict.code, reasons=conflict.reasons
            )
            raise self.refuse(
                problem, action, object_type, subject.object_id, subject.besides
            ) from None
        except ProblemError as problem:
            raise self.refuse(
                problem, action, object_type, subject.object_id, subject.besides
            ) from None
        shown: list[str | None] = [*subject.disclosed] or [subject.object_id]
        for object_id_shown in shown:
            self.audit(action, object_type, object_id_shown)
        for besides in subject.besides:
            self.audit(*besides)

    def must_see(self, shelter_id: str, kind: str, object_id: str) -> None:
        """Shelter staff see only what is at their own shelter: anything else is "not found"
        (raise inside :meth:`attempt`, which records it as denied)."""
        if self.role == "shelter" and self.shelter_id != shelter_id:
            raise Hidden(f"no {kind} '{object_id}'")

    def refuse(
        self,
        problem: ProblemError,
        action: Action,
        object_type: ObjectType,
        object_id: str | None,
        besides: Sequence[tuple[Action, ObjectType, str]] = (),
    ) -> ProblemError:
        """Roll back, record the refused attempt (and the other objects it acts on,
        :attr:`Attempt.besides`), commit that record; the caller raises.

        In a shared transaction only the record is added: the others' rows must stay, and only
        rankings share one, whose attempts change nothing that would need rolling back.
        """
        if not self.shared:
            self.session.rollback()
        self.audit(action, object_type, object_id, _result(problem))
        for other in besides:
            self.audit(*other, _result(problem))
        if not self.shared:
            self.session.commit()
        return problem


def _result(problem: ProblemError) -> Result:
    if isinstance(problem, Hidden) or problem.status == 403:
        return "denied"
    if problem.status == 404:
        return "not_found"
    if problem.status == 409:
        return "conflict"
    return "invalid"


def _unauthorised(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def get_caller(
    request: Request,
    session: SessionDep,
    secret: Annotated[str, Depends(get_secret)],
    now: NowDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Caller:
    """The user named by a valid bearer token (401 otherwise), in the token's role, to be
    checked in at the first use of its session (:func:`check_in`)."""
    if not token:
        raise _unauthorised("a bearer token is required")
    try:
        claims = read_token(token, secret=secret)
    except InvalidToken:
        raise _unauthorised("the bearer token is invalid or has expired") from None
    caller = Caller(
        name=claims.subject,
        role=claims.role,
        shelter_id=claims.shelter_id,
        transaction=session,
        request_id=request_id(request.scope),
        now=now.astimezone(UTC),
        generation=claims.generation,
    )
    return checked_in_at_first_use(caller)


def _checked_in(session: Session) -> set[tuple[str, str, str | None, int]]:
    """The users checked in to ``session``'s current transaction (begun here if need be): what
    one transaction checked says nothing about the next, should a session serve more than one."""
    session.connection()
    transaction = session.get_transaction()
    owner, checked = session.info.get(_CHECKED_IN, (None, set()))
    if owner is not transaction:
        checked = set()
        session.info[_CHECKED_IN] = (transaction, checked)
    users: set[tuple[str, str, str | None, int]] = checked
    return users


def checked_in_at_first_use(caller: Caller) -> Caller:
    """``caller``, to be checked in (:func:`check_in`) at the first use of its session."""
    caller.transaction.info[_CHECK_IN] = partial(check_in, caller)
    return caller


def check_in(caller: Caller) -> None:
    """Hold the caller to the database before a route reads or writes anything: the token's
    user must still be active, in the role and at the shelter the token names, with no change to
    the user's access since (401 otherwise: after a change of role or password, or being
    deactivated and activated again, the user logs in again); then the holds past their time
    are settled (:func:`settle`).

    This is the request's first query, so on SQLite it starts the write turn (see the module's
    docstring for why it runs in the route's thread).
    """
    check_user(caller)
    settle(caller)


def check_user(caller: Caller) -> None:
    """401 unless the token's user is still active, in the role and at the shelter it names, and
    nothing changed the user's access since it was issued (its login generation): the one query
    that finds the user tells all of it."""
    user = accounts.find_active(caller.transaction, caller.name)
    token = (caller.role, caller.shelter_id, caller.generation)
    if user is None or (user.role, user.shelter_id, user.generation) != token:
        raise _unauthorised("the token's user is no longer active in the token's role")


def settle(caller: Caller) -> None:
    """Mark the holds past their time expired before a route reads holds or referrals.

    Their places are free from the moment they expire anyway (the ledger only counts unexpired
    holds); this keeps every status the route shows true as well: the hold says ``expired`` and
    its referral ``waiting``. Runs after authentication, so an anonymous call changes nothing.

    When it expired anything on PostgreSQL it commits at once, so the route continues in a fresh
    transaction: expiring locks referrals before shelters, and a hold later in the request locks
    shelter before referral, so holding both sets of locks in one transaction could deadlock with
    a concurrent hold. (A second connection per request instead would exhaust the pool under
    load.) Finding nothing to expire takes no lock, and SQLite serialises writers, so then
    nothing needs committing early.
    """
    expired = ledger.expire_holds(caller.session, caller.now)
    if expired and caller.session.get_bind().dialect.name == "postgresql":
        caller.session.commit()


@dataclass(frozen=True)
class RoleCheck:
    """A dependency admitting only ``roles``; others get 403 (audited for personal data).

    The check itself needs no database, so it runs on the event loop; only a refusal on personal
    data, which writes and commits its ``denied`` audit row, goes to a worker thread.
    """

    roles: tuple[str, ...]
    audited: ObjectType | None

    async def __call__(
        self, request: Request, caller: Annotated[Caller, Depends(get_caller)]
    ) -> Caller:
        """The caller, if its role is admitted (raises the refusal otherwise)."""
        if caller.role in self.roles:
            return caller
        return await run_in_threadpool(self.check, request, caller)

    def check(self, request: Request, caller: Caller) -> Caller:
        """The same check for code that runs in a worker thread already (the web pages).

        A refusal checks the caller in first: a token whose user is no longer active (or has
        another role now) is a 401, as on every other route, not a 403 for the token's role.
        """
        if caller.role in self.roles:
            return caller
        caller.check_in_now()
        problem = ProblemError(403, f"the {caller.role} role may not do this")
        if self.audited is None:
            raise problem
        object_type, object_id = refused_object(request.path_params, self.audited)
        raise caller.refuse(problem, "denied", object_type, object_id)


# The path parameters that name an object of the audit trail, and the object's type.
_NAMED_BY: dict[str, ObjectType] = {
    "referral_id": "referral",
    "hold_id": "hold",
    "placement_id": "placement",
}


def refused_object(
    params: Mapping[str, object], audited: ObjectType
) -> tuple[ObjectType, str | None]:
    """What a refused request was about: the object its address names, under that object's own
    type, else the refusing route's type without an id.

    A page's address may name another kind of object than the route it acts through (a hold asked
    for on a referral's page, ``/desk/referrals/{referral_id}/hold``): its case id recorded as a
    hold's would be a row no search for the referral finds under its type, and one that says a
    hold was touched that never existed.
    """
    for name, value in params.items():
        kind = _NAMED_BY.get(name)
        if kind is not None and isinstance(value, str):
            return kind, value
    return audited, None


@cache
def allow(*roles: str, audited: ObjectType | None = None) -> RoleCheck:
    """The :class:`RoleCheck` for ``roles``.

    Cached, so every route naming the same roles shares one dependency object.
    """
    return RoleCheck(roles, audited)
