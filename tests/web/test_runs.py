"""The planner pages' runs: an upload held to its size, and finished runs compared KPI by KPI."""

from __future__ import annotations

from pathlib import Path
from statistics import fmean

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.scenario_files import Network
from api.web.runs import MAX_UPLOAD_BYTES, compare, load_upload
from engine.simulation.stats import estimate
from models.errors import InvalidInput
from models.scenario_result import ScenarioResult
from tests.models.test_scenario_result import STORED_BEFORE
from tests.web.test_planner import SMALL


def _result(
    values: dict[str, list[float]], seeds: list[int], give_up_days: int = 28
) -> ScenarioResult:
    """A stored result whose replications, on ``seeds``, gave these KPI values."""
    replications = [
        {"seed": seed, "values": {kpi: found[index] for kpi, found in values.items()}}
        for index, seed in enumerate(seeds)
    ]
    return ScenarioResult.model_validate(
        {
            **STORED_BEFORE,
            "replications": len(seeds),
            "give_up_days": give_up_days,
            "kpis": {kpi: estimate(found).model_dump() for kpi, found in values.items()},
            "per_replication": replications,
        }
    )


FIGURES = st.lists(st.floats(0, 1), min_size=1, max_size=6)


@given(st.data())
def test_runs_on_the_same_seeds_are_paired_kpi_by_kpi(data: st.DataObject) -> None:
    """Each KPI's means side by side, the later run's difference to the first per replication
    (later minus first), in percentage points for a share; fewer waiting people is better, more
    arrivals are neither; and held against the noise only from two replications on."""
    first = data.draw(FIGURES)
    count = len(first)
    other = data.draw(st.lists(st.floats(0, 1), min_size=count, max_size=count))
    seeds = list(range(1, count + 1))
    kpis = ("arrivals", "placed_share", "unmet")
    rows = compare(
        [
            _result(dict.fromkeys(kpis, first), seeds),
            _result(dict.fromkeys(kpis, other), seeds),
        ]
    )
    assert [row.kpi for row in rows] == list(kpis)
    change = fmean(b - a for a, b in zip(first, other, strict=True))
    for row in rows:
        assert row.means == pytest.approx([fmean(first), fmean(other)])
        [difference] = row.differences
        assert difference is not None
        assert difference.mean == pytest.approx(change)
        assert row.tested == (count > 1)
    shares = {row.kpi: (row.share, row.lower_is_better, row.demand) for row in rows}
    assert shares == {
        "arrivals": (False, False, True),
        "placed_share": (True, False, False),
        "unmet": (False, True, False),
    }


def test_runs_on_other_seeds_are_shown_without_a_paired_difference() -> None:
    values = {"placed_share": [0.5, 0.7]}
    first, same, other = _result(values, [1, 2]), _result(values, [1, 2]), _result(values, [3, 4])
    [row] = compare([first, other, same])
    assert row.differences[0] is None
    assert row.differences[1] is not None
    assert row.differences[1].mean == 0


def test_a_kpi_missing_from_one_run_is_left_out() -> None:
    """A result stored before a KPI was counted has no figure for it to compare."""
    older = _result({"placed_share": [0.5]}, [1])
    newer = _result({"placed_share": [0.6], "unmet": [2.0]}, [1])
    assert [row.kpi for row in compare([older, newer])] == ["placed_share"]
    assert [row.kpi for row in compare([newer, older])] == ["placed_share"]


def test_a_wait_at_each_run_s_own_give_up_limit_is_marked_as_that_limit() -> None:
    """A 24-hour wait is the limit itself for a run whose people leave after a day, not for one
    whose people wait four weeks."""
    waits = {"wait_p95_hours": [24.0, 24.0]}
    weeks, day = _result(waits, [1, 2], give_up_days=28), _result(waits, [1, 2], give_up_days=1)
    [row] = compare([weeks, day])
    assert row.at_limit == [False, True]
    [row] = compare([day, weeks])
    assert row.at_limit == [True, False]


def _unread() -> Network:
    raise AssertionError("the upload is on the sample network")


def test_an_upload_larger_than_a_scenario_is_refused_and_removed(tmp_path: Path) -> None:
    """A scenario of exactly the largest size is read; one byte more is refused by its size,
    and nothing of either is left on the server."""
    padding = b"#" * (MAX_UPLOAD_BYTES - len(SMALL) - 1) + b"\n"
    largest = SMALL + padding
    assert len(largest) == MAX_UPLOAD_BYTES
    assert load_upload(tmp_path, largest, "small.yaml", _unread).scenario.name == "Four weeks"
    with pytest.raises(InvalidInput) as refused:
        load_upload(tmp_path, largest + b"\n", "small.yaml", _unread)
    assert [str(problem) for problem in refused.value.problems] == [
        f"upload: larger than {MAX_UPLOAD_BYTES} bytes"
    ]
    assert list(tmp_path.iterdir()) == []
