"""Least privilege, cell by cell: every route of the app against every role and no token.

The matrix is built from ``app.routes``, so a route added without a line in :data:`ACCESS` fails
here. Allowed roles must get past the role check (any status but 401 and 403); every other role
gets a 403 problem, and a call without a token a 401. Then object-level access: shelter staff
asking for another shelter's anything get 404, exactly as for something that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.helpers import (
    ACCESS,
    AUDITED_PREFIXES,
    AUDITED_SUFFIXES,
    OTHER_SHELTER,
    OWN_SHELTER,
    ROLES,
    Api,
    create_referral,
    hold,
    running_api,
    served_routes,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def concrete(template: str) -> str:
    """The template with ids filled in (the own shelter's id, so staff pass object checks)."""
    return (
        template.replace("{shelter_id}", OWN_SHELTER)
        .replace("{referral_id}", "Cunknown")
        .replace("{hold_id}", "Hunknown")
        .replace("{placement_id}", "Punknown")
    )


def test_every_route_has_a_policy(api: Api) -> None:
    assert served_routes(api.app) == set(ACCESS)


def test_every_cell_of_the_role_matrix(api: Api) -> None:
    denied_on_personal_data = 0
    for (method, template), allowed in sorted(ACCESS.items()):
        path = concrete(template)
        for role in ROLES:
            response = api.call(role, method, path, json={})
            cell = f"{role} {method} {template}: {response.status_code} {response.text[:200]}"
            if not allowed or role in allowed:
                assert response.status_code not in (401, 403), cell
                assert response.status_code < 500, cell
                continue
            assert response.status_code == 403, cell
            assert response.headers["content-type"] == PROBLEM, cell
            denied_on_personal_data += template.startswith(AUDITED_PREFIXES) or template.endswith(
                AUDITED_SUFFIXES
            )
        anonymous = api.call(None, method, path, json={})
        if allowed:
            assert anonymous.status_code == 401, f"anonymous {method} {template}"
            assert anonymous.headers["www-authenticate"] == "Bearer"
        else:
            assert anonymous.status_code not in (401, 403), f"anonymous {method} {template}"
            assert anonymous.status_code < 500, f"anonymous {method} {template}"

    audit = api.ok(api.get("auditor", "/api/v1/audit", action="denied", limit=500))
    assert len(audit) == denied_on_personal_data
    assert all(row["result"] == "denied" for row in audit)


def test_staff_see_nothing_of_another_shelter(api: Api) -> None:
    case = create_referral(api)
    api.ok(api.patch("admin", f"/api/v1/shelters/{OTHER_SHELTER}/availability", {"free": 1}))
    api.ok(api.patch("desk", f"/api/v1/referrals/{case}", {"programmes": ["cosm"]}))
    held = api.ok(hold(api, case, OTHER_SHELTER), 201)

    for method, path, body in (
        ("GET", f"/api/v1/shelters/{OTHER_SHELTER}", None),
        ("PATCH", f"/api/v1/shelters/{OTHER_SHELTER}/availability", {"free": 0}),
        ("GET", f"/api/v1/holds/{held['id']}", None),
        ("POST", f"/api/v1/holds/{held['id']}/confirm", None),
        ("POST", f"/api/v1/holds/{held['id']}/extend", None),
        ("POST", f"/api/v1/holds/{held['id']}/release", None),
        ("GET", f"/api/v1/referrals/{case}", None),
    ):
        response = api.call("shelter", method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"].startswith("no ")

    assert api.ok(api.get("shelter", "/api/v1/holds")) == []
    assert api.ok(api.get("shelter", "/api/v1/holds", shelter_id=OTHER_SHELTER)) == []
    assert api.ok(api.get("other-shelter", "/api/v1/holds"))[0]["id"] == held["id"]
    own = api.ok(api.get("shelter", f"/api/v1/shelters/{OWN_SHELTER}"))
    assert own["id"] == OWN_SHELTER


def test_object_level_refusals_are_audited_as_denied(api: Api) -> None:
    case = create_referral(api)
    api.ok(api.patch("admin", f"/api/v1/shelters/{OTHER_SHELTER}/availability", {"free": 1}))
    api.ok(api.patch("desk", f"/api/v1/referrals/{case}", {"programmes": ["cosm"]}))
    held = api.ok(hold(api, case, OTHER_SHELTER), 201)
    assert api.get("shelter", f"/api/v1/holds/{held['id']}").status_code == 404

    rows = api.ok(api.get("auditor", "/api/v1/audit", actor="shelter"))
    assert [(r["action"], r["object_type"], r["object_id"], r["result"]) for r in rows] == [
        ("read", "hold", held["id"], "denied")
    ]
