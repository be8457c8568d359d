"""Benchmark instances, built once per session and outside the timed code."""

from __future__ import annotations

import pytest
from instances import network

from models.instance import Instance
from models.sample import sample_instance


@pytest.fixture(scope="session")
def sample_150() -> Instance:
    """The shipped sample network with 150 waiting victims."""
    return sample_instance(victims=150, seed=1)


@pytest.fixture(scope="session")
def families_500() -> Instance:
    """500 x 200 with families and case groups that must not share a shelter."""
    return network(500, 200, seed=1, families=True, groups=True)


@pytest.fixture(scope="session")
def transport_5000() -> Instance:
    """5,000 x 2,000, one place each and no avoid pairs: the min-cost flow case."""
    return network(5000, 2000, seed=1)


@pytest.fixture(scope="session")
def families_5000() -> Instance:
    """5,000 x 2,000 with families and case groups."""
    return network(5000, 2000, seed=1, families=True, groups=True)
