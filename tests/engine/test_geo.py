"""The vectorised distance matrix is the contract's haversine, pair by pair, anywhere on Earth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.geo import haversine_km
from models.location import Location, distance_km

points = st.lists(
    st.tuples(st.floats(-90.0, 90.0), st.floats(-180.0, 180.0)), min_size=1, max_size=5
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(points, points)
# Antipodes, where rounding can put the haversine term above 1: half the circumference.
@example([(2.5, -170.0)], [(-2.5, 10.0), (2.5, -170.0)])
def test_distance_matrix_equals_the_contract_formula_on_every_pair(
    first: list[tuple[float, float]], second: list[tuple[float, float]]
) -> None:
    lat1, lon1 = (np.array(column, dtype=np.float64) for column in zip(*first, strict=True))
    lat2, lon2 = (np.array(column, dtype=np.float64) for column in zip(*second, strict=True))
    matrix = haversine_km(lat1, lon1, lat2, lon2)
    assert matrix.shape == (len(first), len(second))
    for i, (a_lat, a_lon) in enumerate(first):
        for j, (b_lat, b_lon) in enumerate(second):
            expected = distance_km(Location(lat=a_lat, lon=a_lon), Location(lat=b_lat, lon=b_lon))
            assert matrix[i, j] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_antipodes_are_half_the_circumference_apart() -> None:
    matrix = haversine_km(
        np.array([2.5]), np.array([-170.0]), np.array([-2.5, 2.5]), np.array([10.0, -170.0])
    )
    assert matrix.tolist() == [[pytest.approx(math.pi * 6371.0), 0.0]]
