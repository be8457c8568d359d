"""One referral at the desk: its ranking, the hold with its countdown, and what became of it.

The ranking is the API's own (``POST /referrals/{id}/ranking``), at this moment or at a chosen
intake time. The page adds what a reader needs to choose: the soft terms behind each option's cost,
as the engine counts them for the plan's lines too (:func:`engine.plans.placement_terms`, for the
victim and the network the ranking used), the excluded shelters grouped by reason,
with how many each reason alone keeps closed, and, for a shelter whose record nobody has changed
for a day (:data:`api.web.timing.STALE_AFTER`), when its free places were last reported: a count
from Friday afternoon is worth a phone call before someone is sent there on Monday.

When a hold fails because another desk took the last place first, the ledger answers 409
``no_room``; the page says so in plain words and shows the ranking again as it now stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, get_args

from fastapi import Depends, Request, Response
from pydantic import ValidationError

from api import ledger, matching, shelter_store
from api.deps import Caller, SettingsDep, get_network_cache, settle
from api.network_cache import NetworkCache
from api.problems import ProblemError
from api.routes import holds, placements, referrals
from api.schemas import (
    CloseReason,
    HoldCreate,
    HoldPublic,
    RankingRequest,
    ReferralClose,
    ReferralPublic,
    StayChange,
    StayKind,
)
from api.settings import Settings
from api.stays import BACKDATE_LIMIT
from api.web.access import Form, Visitor, call, guard_of, page_router, redirect
from api.web.confirm import Question, confirmed, refusal
from api.web.forms import FieldProblem
from api.web.i18n import language_of
from api.web.state import web_state
from api.web.timing import (
    extension_end,
    local_minute,
    parse_local_minute,
    seconds_left,
    stale,
)
from engine.arrays import SoftTerm
from engine.holidays import holiday_opening, next_office_opening, office_open, public_holiday
from engine.intake import next_opening
from engine.relaxations import Change
from models.codes import REASON_CODES
from models.ranking import Excluded, Option
from models.shelter import Shelter

router = page_router()

# The kind of shelter whose places are for a few nights, not a placement.
EMERGENCY = "emergency"
# When no single change opens a place, the page names this many of the shelters closest to fitting.
CLOSEST_SHOWN = 5
# What a single change asks (its words: ``api.web.labels.CHANGE_CAUTIONS``) and how much: 0 only
# time, 1 someone's consent, 2 a risk to the person or to others.
CAUTION_LEVELS = {
    "time": 0,
    "admission": 1,
    "shelter": 1,
    "care": 1,
    "minors": 2,
    "residents": 2,
    "safety": 2,
}
_RULE_CAUTIONS = {
    "intake_hours": "time",
    "capacity": "time",
    "avoid": "time",
    "programme": "admission",
    "children": "shelter",
    "condition": "care",
    "age": "minors",
    "gender": "residents",
    "security": "safety",
}
_BADGES = ("good", "info", "warn")

Cache = Annotated[NetworkCache, Depends(get_network_cache)]


@dataclass(frozen=True)
class Line:
    """An option of the ranking with the soft terms of its cost that apply, as the engine
    counts them (the plan's lines name theirs the same way)."""

    option: Option
    mismatches: tuple[SoftTerm, ...]
    reported: datetime | None  # when its places were last reported, if that is old (stale)
    kind: str | None  # what kind of place (an emergency bed is no placement), if said
    phone_first: bool  # set intake hours on a public holiday: they may not hold that day


def placements_first(lines: list[Line]) -> list[Line]:
    """The ranking's lines with the emergency beds last, each part in the ranking's order.

    The ranking orders by cost, so the emergency bed round the corner comes before the women's
    shelter twenty kilometres off; but a bed for a few nights is where a desk sends someone
    only when no placement fits now, and the first line is the one the page offers first."""
    return sorted(lines, key=lambda line: line.kind == EMERGENCY)


@dataclass(frozen=True)
class Group:
    """The shelters one reason rules out, and those it alone rules out: if that one thing
    changed (a place freed up, a contra-indication accepted after a call), they would fit."""

    reason: str
    shelters: list[str]
    alone: list[str]

    @property
    def others(self) -> list[str]:
        """The shelters other reasons rule out as well."""
        return [shelter for shelter in self.shelters if shelter not in self.alone]


@dataclass(frozen=True)
class StayForm:
    """The stay's form as the desk sent it, shown again with what is wrong with it."""

    kind: str
    since: str
    problems: list[FieldProblem]


# The code of a :class:`Notice` that a hold was asked to last longer than holds may.
UNTIL_TOO_FAR = "until_too_far"


@dataclass(frozen=True)
class Notice:
    """Why the last action did not happen: the ledger's conflict code (or
    :data:`UNTIL_TOO_FAR`), and the shelter; ``after`` says what the page shows below it (the
    ranking, updated, or the hold, unchanged)."""

    code: str | None
    shelter: str | None = None
    after: str = "ranking"


@router.get("/desk/referrals/{referral_id}")
def referral_page(
    request: Request, referral_id: str, caller: Visitor, cache: Cache, at: str = ""
) -> Response:
    """The referral with its ranking (now, or at ``at``), its hold, or its placement."""
    moment = _moment(at)
    unreadable = bool(at.strip()) and moment is None
    return _page(request, caller, cache, referral_id, at=moment, at_unreadable=unreadable)


@router.post("/desk/referrals/{referral_id}/hold")
def hold(
    *,
    request: Request,
    referral_id: str,
    caller: Visitor,
    form: Form,
    cache: Cache,
    settings: SettingsDep,
) -> Response:
    """Hold the chosen shelter's places for the referral, or say plainly why not. The page
    sends an end (``until``) no further ahead than holds may last; one further (a page changed
    by hand, or a setting lowered since it was shown) is said on the page, with nothing held."""
    guard_of(holds.create_hold)(request, caller)
    shelter_id = str(form.get("shelter_id") or "")
    until = _until(str(form.get("until") or ""), caller.now)
    too_far = Notice(UNTIL_TOO_FAR, shelter_id)
    try:
        data = HoldCreate(referral_id=referral_id, shelter_id=shelter_id, until=until)
    except ValidationError as error:
        # An end past the years the API takes: ahead, as one in the past is never sent.
        if all(item["loc"][:1] == ("until",) for item in error.errors()):
            return _page(request, caller, cache, referral_id, notice=too_far, status=422)
        raise ProblemError(422, "choose a shelter to hold") from None
    try:
        call(holds.create_hold, request, caller, data, settings=settings)
    except ProblemError as problem:
        if problem.status == 422 and [e.path for e in problem.errors or ()] == ["until"]:
            return _page(request, caller, cache, referral_id, notice=too_far, status=422)
        if problem.status != 409:
            raise
        notice = Notice(problem.code, shelter_id)
        return _page(request, caller, cache, referral_id, notice=notice, status=409)
    return redirect(f"/desk/referrals/{referral_id}?done=held")


@router.post("/desk/referrals/{referral_id}/stay")
def stay(request: Request, referral_id: str, caller: Visitor, form: Form, cache: Cache) -> Response:
    """Record where the person stays from now on, or since a moment the desk learned of later
    (a hotel last night, the police station since this morning); a moment the API refuses is
    shown next to the form with the page as it stands."""
    guard_of(referrals.change_stay)(request, caller)
    kind = str(form.get("kind") or "")
    since_text = str(form.get("since") or "").strip()
    try:
        since = parse_local_minute(since_text) if since_text else None
    except ValueError:
        sent = StayForm(kind, since_text, [FieldProblem("stay-since", "moment", since_text)])
        return _page(request, caller, cache, referral_id, stay_form=sent, status=422)
    try:
        data = StayChange.model_validate({"kind": kind, "since": since})
    except ValidationError as error:
        # A moment the browser's picker lets through (year 1 or 9999) that lies outside the
        # years the API takes: said at the field as one the API itself refuses.
        if since is None or all(item["loc"][:1] != ("since",) for item in error.errors()):
            raise ProblemError(422, "choose where the person stays") from None
        sent = StayForm(kind, since_text, [_since_problem(since, caller.now, "")])
        return _page(request, caller, cache, referral_id, stay_form=sent, status=422)
    try:
        call(referrals.change_stay, request, caller, referral_id, data)
    except ProblemError as problem:
        if problem.status != 422 or not problem.errors:
            raise
        problems = [_since_problem(since, caller.now, e.message) for e in problem.errors]
        sent = StayForm(kind, since_text, problems)
        return _page(request, caller, cache, referral_id, stay_form=sent, status=422)
    return redirect(f"/desk/referrals/{referral_id}?done=stay")


@router.post("/desk/referrals/{referral_id}/close")
def close(
    request: Request, referral_id: str, caller: Visitor, form: Form, cache: Cache
) -> Response:
    """Close the referral (it leaves the waiting list; a hold it has is released), or say
    plainly why not. A referral with a hold is asked about first (:mod:`api.web.confirm`):
    closing it gives up the held places."""
    guard_of(referrals.close_referral)(request, caller)
    try:
        data = ReferralClose.model_validate({"reason": str(form.get("reason") or "")})
    except ValidationError:
        raise ProblemError(422, "choose why the referral is closed") from None
    if not confirmed(form):
        held = call(holds.list_holds, request, caller, status="active", referral_id=referral_id)
        if held:
            question = Question.about(
                "close",
                f"/desk/referrals/{referral_id}/close",
                held[0],
                back=f"/desk/referrals/{referral_id}",
                fields={"reason": data.reason},
            )
            return _page(request, caller, cache, referral_id, question=question)
    try:
        call(referrals.close_referral, request, caller, referral_id, data)
    except ProblemError as problem:
        if problem.status != 409:
            raise
        notice = Notice(problem.code)
        return _page(request, caller, cache, referral_id, notice=notice, status=409)
    return redirect(f"/desk/referrals/{referral_id}?done=closed")


@router.post("/desk/holds/{hold_id}/confirm")
def confirm(request: Request, hold_id: str, caller: Visitor, form: Form, cache: Cache) -> Response:
    """The intake happened: the hold becomes a placement."""
    try:
        placed = call(holds.confirm_hold, request, caller, hold_id)
    except ProblemError as problem:
        return _refused(request, caller, cache, form, problem)
    return redirect(f"/desk/referrals/{placed.referral_id}?done=placed")


@router.post("/desk/holds/{hold_id}/extend")
def extend(
    *,
    request: Request,
    hold_id: str,
    caller: Visitor,
    form: Form,
    cache: Cache,
    settings: SettingsDep,
) -> Response:
    """The intake is late: keep the places for the usual hold time from now."""
    try:
        extended = call(holds.extend_hold, request, caller, hold_id, settings=settings)
    except ProblemError as problem:
        return _refused(request, caller, cache, form, problem)
    return redirect(f"/desk/referrals/{extended.referral_id}?done=extended")


@router.post("/desk/holds/{hold_id}/release")
def release(request: Request, hold_id: str, caller: Visitor, form: Form, cache: Cache) -> Response:
    """Give the places back; the referral waits again. Asked first (:mod:`api.web.confirm`):
    another desk may take the places the next moment."""
    if not confirmed(form):
        hold = call(holds.read_hold, request, caller, hold_id)
        code = refusal(hold)
        if code is not None:
            notice = Notice(code, after="hold")
            return _page(request, caller, cache, hold.referral_id, notice=notice, status=409)
        question = Question.about(
            "release",
            f"/desk/holds/{hold_id}/release",
            hold,
            back=f"/desk/referrals/{hold.referral_id}",
            fields={"referral_id": hold.referral_id},
        )
        return _page(request, caller, cache, hold.referral_id, question=question)
    try:
        released = call(holds.release_hold, request, caller, hold_id)
    except ProblemError as problem:
        return _refused(request, caller, cache, form, problem)
    return redirect(f"/desk/referrals/{released.referral_id}?done=released")


@dataclass(frozen=True)
class Offered:
    """A single change as the case page offers it: with what it asks of whom."""

    change: Change
    caution: str  # a key of CAUTION_LEVELS

    @property
    def badge(self) -> str:
        return _BADGES[CAUTION_LEVELS[self.caution]]


def cautious_first(changes: Sequence[Change]) -> list[Offered]:
    """The single changes, those that only take time first (an intake opening, a place freeing
    up), then those a shelter or a programme has to agree to, then those that put the person or
    others at risk (a danger zone, another gender's or age's shelter); the engine's order within
    each. A desk under pressure reads from the top, and the engine only knows what would open a
    place, not whether it is wise."""
    offered = [Offered(change, caution_of(change)) for change in changes]
    return sorted(offered, key=lambda item: CAUTION_LEVELS[item.caution])


def caution_of(change: Change) -> str:
    """What a change asks: shelters with no intake hours at all take nobody in by waiting, only
    if they agree to an intake anyway."""
    if change.rule == "intake_hours" and change.intake is None:
        return "shelter"
    return _RULE_CAUTIONS[rule_of(change)]


def rule_of(change: Change) -> str:
    """The rule a change lifts, one for all contra-indications (``condition:addiction``)."""
    return "condition" if change.rule.startswith("condition:") else change.rule


def grouped(excluded: list[Excluded]) -> list[Group]:
    """Excluded shelters under each reason that rules them out, in the contract's order."""
    groups = []
    for reason in REASON_CODES:
        hit = [item for item in excluded if reason in item.reasons]
        if hit:
            alone = [item.shelter for item in hit if item.reasons == [reason]]
            groups.append(Group(reason, [item.shelter for item in hit], alone))
    return groups


def closest(excluded: list[Excluded], shown: int = CLOSEST_SHOWN) -> list[Excluded]:
    """The shelters the fewest reasons keep closed (at most ``shown``, in id order): when no
    single change opens a place, these are the ones worth a phone call about two changes."""
    if not excluded:
        return []
    fewest = min(len(item.reasons) for item in excluded)
    return [item for item in excluded if len(item.reasons) == fewest][:shown]


def _refused(
    request: Request, caller: Caller, cache: NetworkCache, form: Any, problem: ProblemError
) -> Response:
    """A confirm, extension or release the ledger refused (409): the referral's page, saying
    why."""
    referral_id = str(form.get("referral_id") or "")
    if problem.status != 409 or not referral_id:
        raise problem
    notice = Notice(problem.code, after="hold")
    return _page(request, caller, cache, referral_id, notice=notice, status=409)


def _page(
    request: Request,
    caller: Caller,
    cache: NetworkCache,
    referral_id: str,
    *,
    at: datetime | None = None,
    notice: Notice | None = None,
    stay_form: StayForm | None = None,
    question: Question | None = None,
    at_unreadable: bool = False,
    status: int = 200,
) -> Response:
    """The referral's page: its ranking while it waits, its hold while held, its placement
    once placed; with the notice of a refused action, the problems of the stay's form, or the
    question whether to release the hold (``question``), when there are some."""
    settle(caller)
    # The ranking's role check first: a page about one person is the desk's, as the ranking is.
    guard_of(referrals.rank_referral)(request, caller)
    referral = call(referrals.read_referral, request, caller, referral_id)
    if not isinstance(referral, ReferralPublic):
        raise ProblemError(404, f"no referral '{referral_id}'")
    opens = next_office_opening(caller.now)
    refused = "unreadable" if at_unreadable else None
    if at is not None:
        refused = matching.out_of_reach(caller.now, at)
    if refused is not None:
        at = None  # ranked for now instead, and the page says why
    settings: Settings = request.app.state.settings
    # A hold from a page ranked for a later intake lasts until then plus the usual hold time, as
    # far as holds may reach: the page shows, and its form sends, the moment it will really end.
    hold_until = (
        None
        if at is None
        else min(
            at + timedelta(minutes=settings.hold_minutes),
            caller.now + timedelta(hours=settings.hold_max_hours),
        )
    )
    context: dict[str, Any] = {
        "referral": referral,
        "notice": notice,
        "question": question,
        "done": request.query_params.get("done"),
        "at": at,
        "at_refused": refused,
        "at_most_days": matching.AT_MOST_AHEAD.days,
        "at_local": local_minute(at) if at else "",
        "office_opens": local_minute(opens) if opens else "",
        "office_opens_at": opens,
        "office_open": office_open(caller.now),
        "waited": caller.now - referral.created_at,
        "stay_kinds": get_args(StayKind),
        "close_reasons": get_args(CloseReason),
        "stay_earliest": local_minute(caller.now - BACKDATE_LIMIT),
        "now_local": local_minute(caller.now),
        "stay_form": stay_form,
        "problems": stay_form.problems if stay_form else [],
        "problem_fields": {problem.field for problem in stay_form.problems} if stay_form else set(),
        "lines": [],
        "groups": [],
        "relaxations": [],
        "rule_of": rule_of,
        "closest": [],
        "hold": None,
        "remaining": 0,
        "placement": None,
        "hold_minutes": settings.hold_minutes,
        "hold_until_at": hold_until,
        "hold_until": hold_until.isoformat() if hold_until else "",
        "hold_max_hours": settings.hold_max_hours,
        "extend_until": None,
        "trouble": None,
        "lapsed": None,
        "intake_late": None,
        "holiday": None,
        "holiday_at": None,
    }
    if referral.status == "waiting":
        # The ranking route's own work (its role check passed above): the route answers with
        # the ranking serialised, the page needs it as it is.
        body = RankingRequest(at=at)
        ranked = matching.ranked(caller, cache, referral_id, body.at)
        explained, ranking = ranked.explained, ranked.explained.ranking
        facts = shelter_store.facts(caller.session, [option.shelter for option in ranking.options])
        holiday = public_holiday(at or caller.now, language_of(request))
        lines = [
            Line(
                option,
                ranked.terms[option.shelter].mismatches,
                stale(known.reported if known else None, caller.now),
                known.kind if known else None,
                shelter_store.phone_first(known, holiday is not None),
            )
            for option in ranking.options
            for known in [facts.get(option.shelter)]
        ]
        context["holiday"] = holiday
        context["lines"] = placements_first(lines)
        context["groups"] = grouped(ranking.excluded)
        context["relaxations"] = cautious_first(explained.changes)
        context["closest"] = [] if explained.changes else closest(ranking.excluded)
        # A hold that ran out frees its places without a word; the desk that comes back to the
        # case (or takes over the shift) learns it here, not when the person is at the door.
        latest = call(holds.list_holds, request, caller, referral_id=referral_id, limit=1)
        context["lapsed"] = latest[0] if latest and latest[0].status == "expired" else None
    elif referral.status == "held":
        found = call(holds.list_holds, request, caller, status="active", referral_id=referral_id)
        context["hold"] = found[0] if found else None
        context["remaining"] = seconds_left(context["hold"], caller.now)
        context["extend_until"] = extension_end(context["hold"], caller.now, settings.hold_minutes)
        if context["hold"] is not None:
            # Shelter staff may have closed, cut places or changed the profile since the hold:
            # the desk hears it now, not when the person arrives and the confirm is refused.
            doubts = hold_doubts(cache, caller, [context["hold"]])[context["hold"].id]
            context["trouble"] = doubts.trouble
            context["intake_late"] = doubts.intake_late
            if doubts.holiday is not None:
                context["holiday"] = public_holiday(doubts.holiday, language_of(request))
                context["holiday_at"] = doubts.holiday
    elif referral.status == "placed":
        found_placements = call(
            placements.list_placements, request, caller, status="active", referral_id=referral_id
        )
        context["placement"] = found_placements[0] if found_placements else None
        if context["placement"] is not None:
            context["waited"] = context["placement"].started_at - referral.created_at
    elif referral.status == "closed" and referral.closed_at is not None:
        context["waited"] = referral.closed_at - referral.created_at
    pages = web_state(request).pages
    return pages.render(request, "referral.html", context, status=status)


@dataclass(frozen=True)
class IntakeLate:
    """A held shelter takes no intake before the hold runs out: ``opens`` is its next intake
    (None: it has no intake hours at all)."""

    opens: datetime | None


def intake_late(shelter: Shelter | None, hold: HoldPublic, now: datetime) -> IntakeLate | None:
    """Whether the held shelter (as live now; None: gone) takes no intake between now and the
    end of the hold: a hold made for an hour the shelter is closed for intake (through the API,
    or before its staff changed the hours) keeps places nobody can use, and the person would
    arrive at a shut door. Holds and confirms do not check intake hours (see
    :mod:`api.ledger`); the page does."""
    if shelter is None:
        return None
    opens = next_opening(shelter.intake, now)
    if opens is not None and opens < hold.expires_at:
        return None
    return IntakeLate(opens)


def holiday_intake(
    shelter: Shelter | None, known: shelter_store.Facts | None, hold: HoldPublic, now: datetime
) -> datetime | None:
    """The first intake the hold leaves time for (from now until it runs out) that falls on a
    public holiday, at a shelter whose intake the holiday may stop: the desk is told to phone
    first, as the ranking told it before the hold. None when there is none, the shelter takes
    people in on holidays as usual (open day and night, or said so), or the shelter is gone."""
    if shelter is None or not shelter_store.phone_first(known, holiday=True):
        return None
    return holiday_opening(shelter.intake, now, hold.expires_at)


@dataclass(frozen=True)
class HoldDoubts:
    """What the held case's page warns of about its hold: a confirm the shelter or the referral
    would refuse now (``trouble``), an intake that cannot happen before the hold runs out
    (``intake_late``), and an intake on a public holiday, at a shelter to phone first
    (``holiday``: that intake's moment)."""

    trouble: ledger.HoldTrouble | None
    intake_late: IntakeLate | None
    holiday: datetime | None = None

    @property
    def any(self) -> bool:
        """Whether the case's page warns that the intake is in doubt: the waiting list flags the
        case then. A holiday intake is marked apart, as the ranking marks it: not in doubt,
        only to be phoned about first."""
        return self.trouble is not None or self.intake_late is not None


def hold_doubts(
    cache: NetworkCache, caller: Caller, found: list[HoldPublic]
) -> dict[str, HoldDoubts]:
    """What each active hold of ``found`` is in doubt for, by hold id.

    The one check behind both the held case's page (its own hold) and the waiting list (every
    held case it shows, so the night desk need not open each of them to learn that a shelter
    closed): the list's flags are exactly the page's warnings. It reads in a few statements
    however many holds there are (:func:`api.ledger.hold_troubles`, the held shelters'
    :func:`api.shelter_store.facts`, and the live network, which the transaction has mostly read
    already), since the list is refreshed all night and after a
    raid holds some thirty cases. The holds are listed (and audited) by the caller already.
    """
    if not found:
        return {}
    troubles = ledger.hold_troubles(caller.session, [hold.id for hold in found], now=caller.now)
    network = {shelter.id: shelter for shelter in cache.network(caller.session, caller.now)}
    facts = shelter_store.facts(caller.session, sorted({hold.shelter_id for hold in found}))
    return {
        hold.id: HoldDoubts(
            troubles.get(hold.id),
            intake_late(network.get(hold.shelter_id), hold, caller.now),
            holiday_intake(
                network.get(hold.shelter_id), facts.get(hold.shelter_id), hold, caller.now
            ),
        )
        for hold in found
    }


def _since_problem(since: datetime | None, now: datetime, message: str) -> FieldProblem:
    """The API's refusal of a stay's moment in the reader's words: the API refuses a moment in
    the future, one too far back, and one before the current stay began, in that order."""
    if since is None:
        return FieldProblem("stay-since", None, message)
    if since > now:
        return FieldProblem("stay-since", "since_future", "")
    if since < now - BACKDATE_LIMIT:
        return FieldProblem("stay-since", "since_too_old", str(BACKDATE_LIMIT.days))
    return FieldProblem("stay-since", "since_before_current", "")


def _until(text: str, now: datetime) -> datetime | None:
    """The end the page's form asks for (see ``hold_until`` in :func:`_page`), or None for the
    usual hold time: none given, not a moment, or past already (a page left open too long)."""
    try:
        until = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if until is None or until.tzinfo is None or until <= now:
        return None
    return until


def _moment(text: str) -> datetime | None:
    """An intake moment typed as Amsterdam wall-clock time, or None (now) if there is none."""
    try:
        return parse_local_minute(text)
    except ValueError:
        return None
