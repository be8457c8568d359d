"""Fixtures for every test: password hashing at the lowest cost (see :mod:`tests.passwords`)."""

from __future__ import annotations

from collections.abc import Iterator

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
