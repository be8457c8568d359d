"""What the pages call the contract's codes, in words a desk worker, shelter worker or planner
uses; translated where shown (``label(kind, code)`` in the templates).

Codes stay codes everywhere else (API, audit trail, logs); only the pages put them into words. A
code without a label here is shown as it is, so a new code in the API is visible, never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from api.audit import KNOWN_DEVICE, NOT_SEALED, SEALED
from api.web.i18n import N_


@dataclass(frozen=True)
class Condition:
    """A contra-indication: its name, and what ticking it means for the search."""

    name: str
    explanation: str


GENDERS: Final = {"female": N_("woman"), "male": N_("man"), "x": N_("gender X")}

CONDITIONS: Final = {
    "addiction": Condition(
        N_("addiction"),
        N_("Uses alcohol or drugs and needs a shelter that can care for addiction."),
    ),
    "psychiatric": Condition(
        N_("psychiatric problems"),
        N_("Has psychiatric problems that need a shelter with mental-health care."),
    ),
    "aggression": Condition(
        N_("aggression"),
        N_("Can become aggressive; only shelters equipped for that can take them in."),
    ),
    "suicidality": Condition(
        N_("suicidality"),
        N_("Is at risk of suicide; only shelters with round-the-clock care can take them in."),
    ),
    "lvb": Condition(
        N_("mild intellectual disability (LVB)"),
        N_("Needs a shelter that supports people with a mild intellectual disability."),
    ),
    "pregnancy": Condition(
        N_("pregnancy"),
        N_("Is pregnant; only shelters that accept pregnancy are offered."),
    ),
    "medical": Condition(
        N_("medical care"),
        N_("Needs regular medical care that the shelter must be able to arrange."),
    ),
    "wheelchair": Condition(
        N_("wheelchair"),
        N_("Uses a wheelchair; only accessible shelters are offered."),
    ),
}

EXPLOITATIONS: Final = {
    "sexual": N_("sexual exploitation"),
    "labour": N_("labour exploitation"),
    "criminal": N_("criminal exploitation"),
    "other": N_("other exploitation"),
}

PRIORITIES: Final = {1: N_("normal"), 2: N_("urgent"), 3: N_("acute danger")}

REASONS: Final = {
    "gender": N_("does not take in this gender"),
    "age": N_("does not take in this age"),
    "children": N_("cannot take in children"),
    "condition:addiction": N_("cannot care for addiction"),
    "condition:psychiatric": N_("cannot care for psychiatric problems"),
    "condition:aggression": N_("cannot handle aggression"),
    "condition:suicidality": N_("cannot care for suicidality"),
    "condition:lvb": N_("cannot support a mild intellectual disability"),
    "condition:pregnancy": N_("cannot care for pregnancy"),
    "condition:medical": N_("cannot arrange the medical care"),
    "condition:wheelchair": N_("not accessible by wheelchair"),
    "programme": N_("for another programme only"),
    "security": N_("too close to a danger zone"),
    "intake_hours": N_("no intake at this time"),
    "avoid": N_("someone to keep apart from lives there"),
    "capacity": N_("no free place"),
}

RULES: Final = {
    "gender": N_("Gender"),
    "age": N_("Age"),
    "children": N_("Children"),
    "condition": N_("Contra-indication"),
    "programme": N_("Programme"),
    "security": N_("Danger zone"),
    "intake_hours": N_("Intake hours"),
    "avoid": N_("Keeping apart"),
    "capacity": N_("Free places"),
}

# What a single change asks of the people involved, said next to it on the case page (the keys and
# their order: ``api.web.pages.referral.CAUTION_LEVELS``): the engine finds what would open a
# place, not whether it is wise.
CHANGE_CAUTIONS: Final = {
    "time": N_("a matter of time"),
    "admission": N_("needs admission to the programme"),
    "shelter": N_("only if the shelter agrees"),
    "care": N_("only if the shelter can give the care"),
    "minors": N_("protection of minors: only with youth care's consent"),
    "residents": N_("risk to the residents: only if the shelter agrees"),
    "safety": N_("safety risk: only after the police's assessment"),
}

MISMATCHES: Final = {
    "specialisation": N_("no specialisation in this exploitation"),
    "language": N_("no shared language"),
    "move": N_("means a move"),
}

# Where someone stays while no place is found (the API's ``stay`` kinds).
STAYS: Final = {
    "unknown": N_("not known"),
    "police": N_("at the police station"),
    "hotel": N_("hotel"),
    "homeless_shelter": N_("homeless shelter"),
    "rough_sleeping": N_("no roof (sleeping rough)"),
    "acquaintances": N_("with family or friends"),
    "home": N_("at home"),
    "care": N_("in care (hospital, mental-health care)"),
}

# Why a referral was closed (the API's close reasons, and the discharge that closes one too).
CLOSE_REASONS: Final = {
    "placed_elsewhere": N_("placed outside Safeplace"),
    "returned_home": N_("returned home or to the country of origin"),
    "withdrawn": N_("withdrawn (no longer wants a place)"),
    "no_contact": N_("no contact any more"),
    "deceased": N_("deceased"),
    "other": N_("another reason"),
    "discharged": N_("left the shelter after placement"),
}

# The audit trail's codes, for the auditor's page (the trail itself keeps the codes).
AUDIT_ACTIONS: Final = {
    "create": N_("created"),
    "read": N_("read"),
    "search": N_("listed"),
    "update": N_("changed"),
    "denied": N_("refused access"),
    "login": N_("login"),
    "export": N_("copied out (backup)"),
    "import": N_("put in place (restored from a backup)"),
    "delete": N_("deleted"),
    "purge": N_("removed at the end of its retention period"),
}
AUDIT_OBJECTS: Final = {
    "referral": N_("referral"),
    "hold": N_("hold"),
    "placement": N_("placement"),
    "shelter": N_("shelter"),
    "user": N_("user account"),
    "database": N_("the whole database"),
    "backup": N_("a backup of the whole database"),
    "audit": N_("the audit trail's oldest rows"),
}
# The object ids that are codes, not ids: a login from a known device (``api.devices``), and
# whether a backup was sealed.
AUDIT_IDS: Final = {
    KNOWN_DEVICE: N_("(known device)"),
    SEALED: N_("(sealed)"),
    NOT_SEALED: N_("(not sealed)"),
}
AUDIT_RESULTS: Final = {
    "ok": N_("succeeded"),
    "denied": N_("refused"),
    "not_found": N_("not found"),
    "conflict": N_("not possible"),
    "invalid": N_("invalid"),
}

ROLES: Final = {
    "desk": N_("placement desk"),
    "shelter": N_("shelter staff"),
    "planner": N_("planner"),
    "auditor": N_("auditor"),
    "admin": N_("administrator"),
    "console": N_("server console"),
}

KPIS: Final = {
    "arrivals": N_("people arriving after the warm-up"),
    "placed_share": N_("share placed in a suitable shelter"),
    "within_24h_share": N_("share placed in a suitable shelter within 24 hours"),
    "wait_p50_hours": N_("waiting time, median (hours)"),
    "wait_p95_hours": N_("waiting time, 95th percentile (hours)"),
    "unsuitable_nights": N_("nights in unsuitable shelter"),
    "emergency_nights": N_("nights in an emergency bed"),
    "hotel_nights": N_("nights in a hotel"),
    "homeless_shelter_nights": N_("nights in a homeless shelter"),
    "unmet": N_("people never placed"),
    "intake_hours_missed": N_("not placed on arrival only because of intake hours"),
    "travel_km_mean": N_("travel distance to the shelter, mean km"),
    "placed": N_("people placed in a suitable shelter"),
}

# The kinds of shelter of the sample network and of places a scenario adds; a scenario's own
# network may name others, shown as they are.
SHELTER_KINDS: Final = {
    "cosm": N_("COSM (reflection period)"),
    "omm": N_("multi-problem"),
    "women": N_("women's shelter"),
    "men": N_("men's shelter"),
    "youth": N_("youth (12-17)"),
    "young_adult": N_("young adults"),
    "emergency": N_("emergency beds"),
    "added": N_("added in the scenario"),
}

RUN_STATES: Final = {
    "queued": N_("queued"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
}


# Every kind of label by the name the templates use.
LABELS: Final[dict[str, Mapping[Any, str]]] = {
    "gender": GENDERS,
    "condition": {code: condition.name for code, condition in CONDITIONS.items()},
    "explanation": {code: condition.explanation for code, condition in CONDITIONS.items()},
    "exploitation": EXPLOITATIONS,
    "priority": PRIORITIES,
    "reason": REASONS,
    "rule": RULES,
    "change_caution": CHANGE_CAUTIONS,
    "mismatch": MISMATCHES,
    "stay": STAYS,
    "close_reason": CLOSE_REASONS,
    "audit_action": AUDIT_ACTIONS,
    "audit_object": AUDIT_OBJECTS,
    "audit_id": AUDIT_IDS,
    "audit_result": AUDIT_RESULTS,
    "role": ROLES,
    "kpi": KPIS,
    "shelter_kind": SHELTER_KINDS,
    "run": RUN_STATES,
}
