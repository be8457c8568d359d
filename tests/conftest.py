"""For every test: password hashing at the lowest cost (see :mod:`tests.passwords`), and the
slowest test files first.

``make test`` runs two processes, each taking whole files (pytest-xdist ``--dist loadfile``), and
hands out the next file to whichever process is nearly done. A file of a minute that comes last
keeps one process busy while the other idles: xdist's own order (most tests first, with
``--loadscope-reorder``, its default) put the two 50-desk HTTP tests (about two minutes together)
at the very end. ``make test`` turns that order off, and the files below, the slowest in a run on
a slow 2-core machine (test time of the whole file in seconds), go first, slowest first, so that
the many quick files fill in behind them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api import auth
from tests.passwords import CHEAP_HASHER


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """The service's hasher and dummy hash at the lowest argon2id cost, for the whole run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_HASHER", CHEAP_HASHER)
        patch.setattr(auth, "_DUMMY_HASH", CHEAP_HASHER.hash("safeplace-dummy-password"))
        yield


SLOWEST_FILES = (
    "tests/api/test_disclosure.py",  # 141
    "tests/api/test_http_concurrency.py",  # 125
    "tests/api/test_schemathesis.py",  # 93
    "tests/api/test_cli_service.py",  # 93
    "tests/web/test_accessibility.py",  # 90
    "tests/web/test_desk.py",  # 78
    "tests/web/test_browser.py",  # 57
    "tests/api/test_auth.py",  # 54
    "tests/api/test_devices.py",  # 50
)
_ROOT = Path(__file__).resolve().parent.parent
_missing = [name for name in SLOWEST_FILES if not (_ROOT / name).is_file()]
if _missing:
    raise RuntimeError(f"tests/conftest.py names test files that are gone: {_missing}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of :data:`SLOWEST_FILES` first, in that order; every other test keeps its
    place, and every file its own order (its tests may share a browser and a server in turn)."""
    rank = {name: index for index, name in enumerate(SLOWEST_FILES)}

    def first(item: pytest.Item) -> int:
        relative = item.path.resolve().relative_to(_ROOT).as_posix()
        return rank.get(relative, len(rank))

    items.sort(key=first)
