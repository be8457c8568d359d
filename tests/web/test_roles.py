"""Role checks of the pages are the API's: the role x page matrix against the API's own policy.

Each page names the API routes whose role checks it runs; a role may open the page exactly when
the API admits it to all of them (``tests.api.helpers.ACCESS``, the API's policy as written
down). The matrix is built from the app's routes, so a page added without a line here fails.
Refusals on personal data leave the same ``denied`` rows in the audit trail as the API's.
"""

from __future__ import annotations

from sqlalchemy import select

from api.db.tables import AuditRow
from tests.api.helpers import ACCESS, ROLES
from tests.web.site import Site, page_routes, text

Route = tuple[str, str]

# Each page and the API routes it acts through (the planner pages stand for the scenario runs
# of the scenarios issue, which admit the planner role only).
PAGES: dict[Route, tuple[Route, ...] | frozenset[str]] = {
    ("GET", "/desk"): (("GET", "/api/v1/referrals"), ("GET", "/api/v1/holds")),
    ("GET", "/desk/list"): (("GET", "/api/v1/referrals"), ("GET", "/api/v1/holds")),
    ("GET", "/desk/referrals/new"): (("POST", "/api/v1/referrals"),),
    ("POST", "/desk/referrals"): (("POST", "/api/v1/referrals"),),
    ("GET", "/desk/referrals/{referral_id}"): (
        ("POST", "/api/v1/referrals/{referral_id}/ranking"),
    ),
    ("GET", "/desk/referrals/{referral_id}/edit"): (("PATCH", "/api/v1/referrals/{referral_id}"),),
    ("POST", "/desk/referrals/{referral_id}/edit"): (("PATCH", "/api/v1/referrals/{referral_id}"),),
    ("POST", "/desk/referrals/{referral_id}/hold"): (("POST", "/api/v1/holds"),),
    ("POST", "/desk/referrals/{referral_id}/stay"): (
        ("PUT", "/api/v1/referrals/{referral_id}/stay"),
    ),
    ("POST", "/desk/referrals/{referral_id}/close"): (
        ("POST", "/api/v1/referrals/{referral_id}/close"),
    ),
    ("POST", "/desk/holds/{hold_id}/confirm"): (("POST", "/api/v1/holds/{hold_id}/confirm"),),
    ("POST", "/desk/holds/{hold_id}/extend"): (("POST", "/api/v1/holds/{hold_id}/extend"),),
    ("POST", "/desk/holds/{hold_id}/release"): (("POST", "/api/v1/holds/{hold_id}/release"),),
    ("GET", "/desk/plan"): (("POST", "/api/v1/plans"),),
    ("POST", "/desk/plan"): (("POST", "/api/v1/plans"), ("GET", "/api/v1/referrals")),
    ("POST", "/desk/plan/accept"): (("POST", "/api/v1/holds"),),
    ("POST", "/desk/plan/accept-all"): (("POST", "/api/v1/holds"),),
    ("GET", "/capacity"): (("GET", "/api/v1/capacity"),),
    ("GET", "/capacity/board"): (("GET", "/api/v1/capacity"),),
    ("GET", "/shelter"): (("GET", "/api/v1/shelters/{shelter_id}"), ("GET", "/api/v1/holds")),
    ("GET", "/shelter/live"): (("GET", "/api/v1/shelters/{shelter_id}"), ("GET", "/api/v1/holds")),
    ("POST", "/shelter/availability"): (
        ("PATCH", "/api/v1/shelters/{shelter_id}/availability"),
        ("GET", "/api/v1/holds"),
    ),
    ("POST", "/shelter/holds/{hold_id}/confirm"): (("POST", "/api/v1/holds/{hold_id}/confirm"),),
    ("POST", "/shelter/holds/{hold_id}/extend"): (("POST", "/api/v1/holds/{hold_id}/extend"),),
    ("POST", "/shelter/holds/{hold_id}/release"): (("POST", "/api/v1/holds/{hold_id}/release"),),
    ("POST", "/shelter/placements/{placement_id}/discharge"): (
        ("POST", "/api/v1/placements/{placement_id}/discharge"),
    ),
    ("GET", "/planner"): frozenset({"planner"}),
    ("POST", "/planner/runs"): frozenset({"planner"}),
    ("GET", "/planner/runs/{run_id}"): frozenset({"planner"}),
    ("GET", "/planner/runs/{run_id}/status"): frozenset({"planner"}),
    ("GET", "/planner/runs/{run_id}/report"): frozenset({"planner"}),
    ("GET", "/planner/runs/{run_id}/result.json"): frozenset({"planner"}),
    ("GET", "/planner/compare"): frozenset({"planner"}),
    ("GET", "/audit"): (("GET", "/api/v1/audit"),),
    ("GET", "/admin/shelters"): (("GET", "/api/v1/shelters"),),
    ("GET", "/admin/shelters/new"): (("POST", "/api/v1/shelters"),),
    ("POST", "/admin/shelters"): (("POST", "/api/v1/shelters"),),
    ("GET", "/admin/shelters/{shelter_id}/edit"): (("PATCH", "/api/v1/shelters/{shelter_id}"),),
    ("POST", "/admin/shelters/{shelter_id}/edit"): (("PATCH", "/api/v1/shelters/{shelter_id}"),),
}
# Pages for everyone: logging in and out, the language, the start page (a redirect by role).
OPEN = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/language"),
}
AUDITED = ("/api/v1/referrals", "/api/v1/holds", "/api/v1/placements", "/api/v1/plans")


def allowed(page: Route) -> frozenset[str]:
    """The roles the API admits to every route the page acts through."""
    policy = PAGES[page]
    if isinstance(policy, frozenset):
        return policy
    roles = frozenset(ROLES)
    for route in policy:
        roles &= ACCESS[route]
    return roles


def audited(page: Route, role: str) -> bool:
    """Whether the page's refusal of ``role`` leaves an audit row: the first of its routes to
    refuse the role (they are checked in the order listed) is on personal data."""
    policy = PAGES[page]
    if isinstance(policy, frozenset):
        return False
    _, refusing = next(route for route in policy if role not in ACCESS[route])
    return refusing.startswith(AUDITED)


def test_every_page_has_a_policy(site: Site) -> None:
    assert page_routes(site.app) == set(PAGES) | OPEN


def test_every_cell_of_the_role_matrix(site: Site) -> None:
    visitors = {role: site.visitor(role) for role in ROLES}
    denied = 0
    for page in sorted(PAGES):
        method, template = page
        path = template.format(
            referral_id="Cunknown",
            hold_id="Hunknown",
            placement_id="Punknown",
            run_id="x",
            shelter_id="Sunknown",
        )
        for role in ROLES:
            visitor = visitors[role]
            response = visitor.get(path) if method == "GET" else visitor.post(path, {})
            cell = f"{role} {method} {template}: {response.status_code}"
            if role in allowed(page):
                assert response.status_code not in (401, 403), cell
                assert response.status_code < 500, cell
                assert "/login" not in response.headers.get("location", ""), cell
                continue
            assert response.status_code == 403, cell
            assert "Niet voor uw rol" in text(response), cell
            denied += audited(page, role)
        anonymous = site.visitor()
        response = anonymous.get(path) if method == "GET" else anonymous.post(path, {})
        assert response.status_code == 303, f"anonymous {method} {template}"
        assert response.headers["location"].startswith("/login")

    with site.database.session() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.action == "denied")).all()
    assert len(rows) == denied
    assert {row.result for row in rows} == {"denied"}


def test_a_refusal_is_on_record_under_the_object_the_page_is_about(site: Site) -> None:
    """A page may act through a route on another kind of object than its address names (a hold
    asked for on a referral's page): its refusal names the referral of the address as a referral,
    never as a hold with a case id, so "who tried to touch this referral?" finds it."""
    case = site.api("desk", "POST", "/api/v1/referrals", {"gender": "female", "age": 30})["id"]
    for role in ("planner", "shelter", "auditor", "admin"):
        visitor = site.visitor(role)
        assert (
            visitor.post(f"/desk/referrals/{case}/hold", {"shelter_id": "S001"}).status_code == 403
        )
    refused = [row for row in site.audit() if row[0] == "denied"]
    assert refused == [("denied", "referral", case, "denied")] * 4
