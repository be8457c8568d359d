"""Self-refreshing parts are read (and audited) again only when what they show has changed.

The property held here: at one moment, whenever a change made anywhere (a colleague's referral,
a hold, a release, a stay, a shelter's places, a closing) changes what the part shows, it changes
the part's tag too, so a 304 never hides anything; and a 304 reads nobody, so it writes no
audit row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from api.web.freshness import TIME_SLICE
from tests.api.helpers import OWN_SHELTER
from tests.web.site import Site, Visitor, text
from tests.web.test_desk import options, register

# The part's own clock line, the only thing in it that changes with every refresh.
AS_OF = re.compile(r"<p class=\"muted\">[^<]*</p>")


def fetch(visitor: Visitor, path: str, tag: str | None = None) -> tuple[int, str, str | None]:
    """(status, the part without its clock line, its tag) as the page's script gets them."""
    headers = {"If-None-Match": tag} if tag else {}
    response = visitor.client.get(path, headers=headers)
    return response.status_code, AS_OF.sub("", response.text), response.headers.get("etag")


def test_the_waiting_list_is_read_again_only_when_it_changed(site: Site) -> None:
    desk, colleague = site.visitor("desk"), site.visitor("desk")
    first = register(colleague)
    page = desk.get("/desk")
    tag = re.search(r'data-tag="([^"]+)"', page.text)
    assert tag is not None
    status, _, _ = fetch(desk, "/desk/list", tag.group(1).replace("&#34;", '"'))
    assert status == 304
    trail = len(site.audit())
    assert fetch(desk, "/desk/list", tag.group(1).replace("&#34;", '"'))[0] == 304
    assert len(site.audit()) == trail  # nobody read, nobody recorded

    shelter = options(text(colleague.get(f"/desk/referrals/{first}")))[0]
    second = register(colleague, gender="male")
    places, close = f"/api/v1/shelters/{shelter}", f"/desk/referrals/{second}/close"
    changes: list[tuple[str, Callable[[], object]]] = [
        ("new referral", lambda: register(colleague, priority="3")),
        ("hold", lambda: colleague.post(f"/desk/referrals/{first}/hold", {"shelter_id": shelter})),
        ("stay", lambda: colleague.post(f"/desk/referrals/{second}/stay", {"kind": "hotel"})),
        ("free places", lambda: site.api("admin", "PATCH", places, {"closed": True})),
        ("closing", lambda: colleague.post(close, {"reason": "withdrawn"})),
    ]  # fmt: skip
    _each_change_shows(desk, "/desk/list", changes)


def test_the_shelter_page_is_read_again_only_when_it_changed(site: Site) -> None:
    desk, staff = site.visitor("desk"), site.visitor("shelter")
    case = register(desk, programmes=["cosm"])  # the staff's own shelter is a COSM one
    person = f"/api/v1/referrals/{case}"
    page = staff.get("/shelter")
    found = re.search(r'data-tag="([^"]+)"', page.text)
    assert found is not None
    tag = found.group(1).replace("&#34;", '"')
    trail = len(site.audit())
    assert fetch(staff, "/shelter/live", tag)[0] == 304
    assert len(site.audit()) == trail
    changes: list[tuple[str, Callable[[], object]]] = [
        ("hold", lambda: desk.post(f"/desk/referrals/{case}/hold", {"shelter_id": OWN_SHELTER})),
        ("person", lambda: site.api("desk", "PATCH", person, {"languages": ["ro"]})),
        (
            "places",
            lambda: site.api("admin", "PATCH", f"/api/v1/shelters/{OWN_SHELTER}", {"occupied": 1}),
        ),
    ]
    _each_change_shows(staff, "/shelter/live", changes)


def test_time_alone_brings_a_part_up_to_date_once_a_slice(site: Site) -> None:
    desk = site.visitor("desk")
    register(desk)
    _, _, tag = fetch(desk, "/desk/list")
    site.clock.now += (
        TIME_SLICE
        - timedelta(seconds=1)
        - timedelta(seconds=site.clock.now.timestamp() % TIME_SLICE.total_seconds())
    )
    assert fetch(desk, "/desk/list", tag)[0] == 304
    site.clock.now += timedelta(seconds=1)
    assert fetch(desk, "/desk/list", tag)[0] == 200


def _each_change_shows(
    visitor: Visitor, path: str, changes: list[tuple[str, Callable[[], object]]]
) -> None:
    """For each change, each one the part shows: the part as it was, the change, and the part
    asked with its old tag: it answers in full, with what the change made of it, under another
    tag. (A 304 there would have hidden the change from the screen.)"""
    for name, change in changes:
        status, before, tag = fetch(visitor, path)
        assert status == 200
        done = change()
        assert getattr(done, "status_code", 200) < 400, name
        status, after, new_tag = fetch(visitor, path, tag)
        assert status == 200, name
        assert after != before, name
        assert new_tag != tag, name
