"""The result's estimates as far as a figure can reach."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from models.scenario_result import Estimate


@given(
    st.floats(-1e6, 1e6),
    st.floats(0, 1e6),
    st.floats(0, 1e6),
    st.booleans(),
)
def test_an_interval_stops_where_a_count_or_share_stops(
    mean: float, below: float, above: float, share: bool
) -> None:
    estimate = Estimate(mean=mean, low=mean - below, high=mean + above, n=2)
    low, high = estimate.within(share=share)
    assert low == max(estimate.low, 0.0)
    assert high == (min(estimate.high, 1.0) if share else estimate.high)
    assert low >= 0.0
    if share:
        assert high <= 1.0


def test_a_count_from_two_replications_does_not_go_below_nobody() -> None:
    assert Estimate(mean=5.8, low=-29.2, high=40.7, n=2).within(share=False) == (0.0, 40.7)
    assert Estimate(mean=0.9, low=0.7, high=1.3, n=2).within(share=True) == (0.7, 1.0)
